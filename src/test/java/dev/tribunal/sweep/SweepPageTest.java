package dev.tribunal.sweep;

import dev.tribunal.PageTestBase;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.RequestOptions;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sweeps page in a real headless Chromium, over the test sweeps (src/test/resources/sweeps): each sweep with its
 * schedule, filter and judges, and "Run now" for those who may judge. The sweep run here is {@code keyless}: its judge's
 * provider has no key, so a tick judges nothing and no other test's figures move.
 */
@QuarkusTest
class SweepPageTest extends PageTestBase {

    @TestHTTPResource("/")
    URL base;

    private static long ticks(String sweep) {
        return given().get("/api/sweeps/" + sweep).then().statusCode(200).extract().jsonPath().getLong("ticks");
    }

    private static RequestOptions form(String body) {
        return RequestOptions.create().setHeader("Content-Type", "application/x-www-form-urlencoded").setHeader("Accept", "text/html")
                .setData(body).setMaxRedirects(0);
    }

    @Test
    void aReaderSeesEverySweepAndNoButton() {
        String reader = TestSecurity.key("sweeps-reader", "read");
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900));
             Page page = TestBrowser.signedIn(context, base, reader, "sweeps")) {
            TestBrowser.assertHeader(page, "sweeps-reader");
            String tagged = "#sweeps tr[data-sweep='tagged']";
            assertEquals("every 1h", page.textContent(tagged + " td.schedule").trim());
            assertTrue(page.textContent(tagged + " td.filter").contains("tag sweep=tagged"), page.textContent(tagged + " td.filter"));
            assertTrue(page.textContent(tagged + " td.filter").contains("at most 3 a tick"));
            assertEquals(1, page.locator(tagged + " td.judges a[href='/judges/exact_match']").count());
            assertEquals(1, page.locator(tagged + " td.judges a[href='/judges/relevance']").count());
            assertTrue(page.textContent("#sweeps tr[data-sweep='off']").contains("disabled"));
            assertEquals("cron 0 0 2 * * ?", page.textContent("#sweeps tr[data-sweep='off'] td.schedule").trim());
            assertTrue(page.textContent("#sweeps tr[data-sweep='batch'] td.schedule").contains("in batch mode"), "a batch sweep says so");
            assertEquals("–", page.textContent(tagged + " td.budget").trim(), "no budget");
            assertTrue(page.textContent("#sweeps tr[data-sweep='keyless'] .warning").length() > 0, "what keeps a sweep from judging is said");
            assertEquals(0, page.locator("button:has-text('Run now')").count(), "a reader may not run a sweep");
            TestBrowser.assertAccessible(page);
            TestBrowser.screenshot(page, "sweeps");

            APIResponse refused = context.request().post(base + "sweeps/keyless/run", form("csrf=anything"));
            assertEquals(403, refused.status(), "a reader cannot run a sweep, with or without a token");
        }
    }

    @Test
    void aJudgeRunsASweepNowAndAFormWithoutItsTokenIsRefused() throws InterruptedException {
        String judge = TestSecurity.key("sweeps-judge", "read", "judge");
        long before = ticks("keyless");
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900));
             Page page = TestBrowser.signedIn(context, base, judge, "sweeps")) {
            assertEquals(0, page.locator("#run-off").count(), "a disabled sweep has no button");
            APIResponse noToken = context.request().post(base + "sweeps/keyless/run", form("csrf="));
            assertEquals(403, noToken.status(), "the session's form needs its CSRF token");
            APIResponse wrongToken = context.request().post(base + "sweeps/keyless/run", form("csrf=0123"));
            assertEquals(403, wrongToken.status());
            assertEquals(before, ticks("keyless"), "nothing ran");

            page.click("#run-keyless");
            page.waitForSelector("#ran");
            assertTrue(page.url().contains("/sweeps?ran=keyless"), page.url());
            assertTrue(page.textContent("#ran").contains("keyless"));
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (ticks("keyless") <= before && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(ticks("keyless") > before, "the sweep ticked");
            TestBrowser.assertAccessible(page);
        }
    }
}
