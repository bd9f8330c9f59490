package dev.tribunal;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserType;
import com.microsoft.playwright.Playwright;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Debian's headless Chromium (installed by .ci/run; browsers are never downloaded here), driven by Playwright. */
public final class TestBrowser {

    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private TestBrowser() {
    }

    /** Skips the test, saying why, where there is no Chromium. */
    public static void assumeChromium() {
        assumeTrue(Files.isExecutable(CHROMIUM), "no Chromium at " + CHROMIUM + " (.ci/run installs Debian's chromium package)");
    }

    public static Playwright playwright() {
        return Playwright.create(new Playwright.CreateOptions().setEnv(Map.of("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")));
    }

    /**
     * axe-core's WCAG 2 A/AA rules over the page as it is now: no violation of serious or critical impact (what keeps
     * keyboard and screen-reader users out).
     */
    public static void assertAccessible(com.microsoft.playwright.Page page) {
        com.deque.html.axecore.results.AxeResults results = new com.deque.html.axecore.playwright.AxeBuilder(page)
                .withTags(List.of("wcag2a", "wcag2aa", "wcag21a", "wcag21aa"))
                .analyze();
        List<String> serious = results.getViolations().stream()
                .filter(rule -> "serious".equals(rule.getImpact()) || "critical".equals(rule.getImpact()))
                .map(rule -> rule.getId() + " (" + rule.getImpact() + "): " + rule.getHelp() + " at "
                        + rule.getNodes().stream().map(node -> String.valueOf(node.getTarget())).limit(3).toList())
                .toList();
        org.junit.jupiter.api.Assertions.assertTrue(serious.isEmpty(), "accessibility of " + page.url() + ": " + serious);
    }

    /** Headless, with no network of its own (the machine's closed network would refuse its background connections). */
    public static Browser launch(Playwright playwright) {
        return playwright.chromium().launch(new BrowserType.LaunchOptions().setExecutablePath(CHROMIUM).setHeadless(true)
                .setArgs(List.of("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                        "--disable-component-update", "--disable-sync")));
    }

    /** Where the page tests leave a screenshot of each page. */
    public static final Path SCREENSHOTS = Path.of("target", "screenshots");

    /**
     * Opens {@code path} in a fresh page, which the server first sends to the login page, where {@code key} is entered;
     * the browser then comes back to {@code path}.
     */
    public static com.microsoft.playwright.Page signedIn(com.microsoft.playwright.BrowserContext context, java.net.URL base, String key, String path) {
        com.microsoft.playwright.Page page = context.newPage();
        String relative = path.startsWith("/") ? path.substring(1) : path;
        page.navigate(base + relative);
        org.junit.jupiter.api.Assertions.assertTrue(page.url().contains("/login?next="),
                "a browser without a session is sent to the login page: " + page.url());
        page.fill("#key", key);
        page.click("#sign-in");
        page.waitForLoadState();
        org.junit.jupiter.api.Assertions.assertTrue(page.url().endsWith(relative), "back to " + relative + " once signed in: " + page.url());
        return page;
    }

    /** A full-page screenshot under target/screenshots. */
    public static void screenshot(com.microsoft.playwright.Page page, String name) {
        try {
            Files.createDirectories(SCREENSHOTS);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        page.screenshot(new com.microsoft.playwright.Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve(name + ".png")).setFullPage(true));
    }

    /** The header every page carries: the sections, the signed-in name, sign-out. */
    public static void assertHeader(com.microsoft.playwright.Page page, String signedInName) {
        org.junit.jupiter.api.Assertions.assertEquals(signedInName, page.textContent("#viewer-name").strip(), "the signed-in name in the header");
        for (String section : List.of("/traces", "/runs", "/dashboard", "/sweeps", "/budgets", "/judges", "/meta-evaluation")) {
            org.junit.jupiter.api.Assertions.assertEquals(1, page.locator("header nav a[href='" + section + "']").count(), "the header links " + section);
        }
        org.junit.jupiter.api.Assertions.assertTrue(page.isVisible("#sign-out"), "sign-out in the header");
    }
}
