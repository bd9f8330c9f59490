package dev.tribunal;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.Playwright;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/**
 * A test class whose tests drive pages in one headless Chromium, started before its first test (skipped, saying why,
 * where there is no Chromium) and closed after its last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class PageTestBase {

    private Playwright playwright;
    /** The class's browser: each test opens a context of its own in it. */
    protected Browser browser;

    @BeforeAll
    void startBrowser() {
        TestBrowser.assumeChromium();
        playwright = TestBrowser.playwright();
        browser = TestBrowser.launch(playwright);
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
    }
}
