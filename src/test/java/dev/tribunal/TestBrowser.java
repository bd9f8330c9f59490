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
}
