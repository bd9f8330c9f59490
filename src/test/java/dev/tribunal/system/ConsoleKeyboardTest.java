package dev.tribunal.system;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every section of the console with the keyboard alone: the first Tab reaches the skip link, which takes the focus
 * past the header to the page's content; the header's sections follow in order and say which one is open.
 */
@QuarkusTest
class ConsoleKeyboardTest {

    private static final List<String> SECTIONS = List.of("/traces", "/runs", "/dashboard", "/sweeps", "/budgets", "/judges", "/meta-evaluation",
            "/admin/keys");

    @TestHTTPResource("/")
    URL base;

    @Test
    void eachSectionOpensWithASkipLinkAndItsSectionMarkedInTheHeader() {
        TestBrowser.assumeChromium();
        try (Playwright playwright = TestBrowser.playwright(); Browser browser = TestBrowser.launch(playwright);
             BrowserContext context = browser.newContext(); Page page = TestBrowser.signedIn(context, base, TestSecurity.ADMIN_KEY, "traces")) {
            for (String section : SECTIONS) {
                page.navigate(base + section.substring(1));
                assertEquals(200, page.evaluate("() => performance.getEntriesByType('navigation')[0].responseStatus"), section);
                page.keyboard().press("Tab");
                assertEquals("Skip to the content", page.evaluate("() => document.activeElement.textContent"), section + ": the first stop");
                page.keyboard().press("Enter");
                // following the link is a navigation within the page: wait for it rather than read the address at once
                page.waitForFunction("() => location.hash === '#content'", null, new Page.WaitForFunctionOptions().setTimeout(5_000));
                assertTrue(page.url().endsWith("#content"), section + ": " + page.url());
                page.keyboard().press("Tab");
                assertTrue((Boolean) page.evaluate("() => !document.querySelector('header').contains(document.activeElement)"),
                        section + ": the next stop is past the header");
                assertEquals(section, page.getAttribute("header nav a[aria-current=page]", "href"), "the open section is marked");
                List<String> order = page.locator("header nav a").all().stream().map(a -> a.getAttribute("href")).toList();
                assertEquals(SECTIONS, order, "the sections in the same order on every page");
            }
        }
    }
}
