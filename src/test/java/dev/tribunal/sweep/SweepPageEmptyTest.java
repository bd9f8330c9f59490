package dev.tribunal.sweep;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without sweeps, the page says where a sweep file goes and what a minimal one holds (the probe tests' profile loads none). */
@QuarkusTest
@TestProfile(dev.tribunal.probe.ProbeJudges.class)
class SweepPageEmptyTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void noSweepsSaysHowToAddOne() {
        TestBrowser.assumeChromium();
        String reader = TestSecurity.key("no-sweeps-reader", "read");
        try (Playwright playwright = TestBrowser.playwright(); Browser browser = TestBrowser.launch(playwright);
             BrowserContext context = browser.newContext(); Page page = TestBrowser.signedIn(context, base, reader, "sweeps")) {
            TestBrowser.assertHeader(page, "no-sweeps-reader");
            String empty = page.textContent("#no-sweeps");
            assertTrue(empty.contains("target/no-sweeps"), "the directory as configured: " + empty);
            assertFalse(empty.contains(Path.of("").toAbsolutePath().toString()), "not the server's own layout: " + empty);
            assertTrue(empty.contains("name: nightly") && empty.contains("judges: [correctness]") && empty.contains("filter: {tags: {env: prod}}"),
                    "a minimal file: " + empty);
            assertEquals(0, page.locator("#sweeps").count(), "no empty table");
            TestBrowser.assertAccessible(page);
        }
    }
}
