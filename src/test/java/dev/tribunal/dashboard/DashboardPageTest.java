package dev.tribunal.dashboard;

import dev.tribunal.PageTestBase;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import dev.tribunal.metaeval.Agreement;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quality over time in a real headless Chromium, over verdicts logged with create times in past days (MLflow's
 * create_time may say when a client judged, as long as it is not in the future): each day's label shares with their
 * Wilson intervals, the mean and quartiles of numbers, the error rate, the tag and version filters, and the mark
 * where a new judge version began.
 */
@QuarkusTest
class DashboardPageTest extends PageTestBase {

    private static final String RUN = UUID.randomUUID().toString().substring(0, 6);
    private static final String LABELS = "dash_labels_" + RUN;
    private static final String NUMBERS = "dash_numbers_" + RUN;
    private static final String TAG = "checkout-" + RUN;
    private static final LocalDate TODAY = LocalDate.now(ZoneOffset.UTC);
    private static final LocalDate D1 = TODAY.minusDays(3);
    private static final LocalDate D2 = TODAY.minusDays(2);

    @TestHTTPResource("/")
    URL base;

    private String reader;

    /** Seeds once, from the first test (REST Assured knows the server's port only once a test runs). */
    private synchronized void seed() {
        if (reader != null) {
            return;
        }
        reader = TestSecurity.key("dashboard-reader", "read");
        // day 1, judge version v1 (the first ever: no mark): tagged yes 3, no 1, one error; untagged no 2; a person's label (not counted)
        String tagged1 = trace(true);
        String untagged1 = trace(false);
        for (int i = 0; i < 3; i++) {
            verdict(tagged1, LABELS, "\"yes\"", D1, "v1");
        }
        verdict(tagged1, LABELS, "\"no\"", D1, "v1");
        error(tagged1, LABELS, D1, "v1");
        verdict(untagged1, LABELS, "\"no\"", D1, "v1");
        verdict(untagged1, LABELS, "\"no\"", D1, "v1");
        log(untagged1, "{\"assessment_name\": \"" + LABELS + "\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"dash@example.com\"}, "
                + "\"feedback\": {\"value\": \"yes\"}, \"create_time\": \"" + D1 + "T10:00:00Z\"}");
        // day 2, version v2 begins: tagged yes 1, no 2; untagged yes 1, one error
        String tagged2 = trace(true);
        String untagged2 = trace(false);
        verdict(tagged2, LABELS, "\"yes\"", D2, "v2");
        verdict(tagged2, LABELS, "\"no\"", D2, "v2");
        verdict(tagged2, LABELS, "\"no\"", D2, "v2");
        verdict(untagged2, LABELS, "\"yes\"", D2, "v2");
        error(untagged2, LABELS, D2, "v2");
        // numbers: day 1 1..5 (mean 3, quartiles 2 and 4), day 2 2 and 4 (mean 3, quartiles 2.5 and 3.5)
        for (int v = 1; v <= 5; v++) {
            verdict(tagged1, NUMBERS, Integer.toString(v), D1, "n1");
        }
        verdict(tagged2, NUMBERS, "2", D2, "n1");
        verdict(untagged2, NUMBERS, "4", D2, "n1");
    }

    private static String trace(boolean tagged) {
        String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"q\", \"outputs\": \"a\", \"tags\": {"
                        + (tagged ? "\"service\": \"" + TAG + "\"" : "\"service\": \"other-" + RUN + "\"") + "}}]}")
                .post("/api/traces").then().statusCode(200);
        return id;
    }

    private static void log(String trace, String json) {
        TestSecurity.author(json).contentType(ContentType.JSON).body("{\"assessment\": " + json + "}")
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(200);
    }

    private static void verdict(String trace, String name, String value, LocalDate day, String version) {
        log(trace, "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/dash\"}, "
                + "\"feedback\": {\"value\": " + value + "}, \"create_time\": \"" + day + "T12:00:00Z\", "
                + "\"metadata\": {\"tribunal.judge.version\": \"" + version + "\"}}");
    }

    private static void error(String trace, String name, LocalDate day, String version) {
        log(trace, "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/dash\"}, "
                + "\"feedback\": {\"error\": {\"error_code\": \"TIMEOUT\", \"error_message\": \"no answer\"}}, \"create_time\": \"" + day
                + "T13:00:00Z\", \"metadata\": {\"tribunal.judge.version\": \"" + version + "\"}}");
    }

    /** A share and its 95 % Wilson interval as the page's table writes them. */
    private static String share(int count, int of) {
        double share = (double) count / of;
        List<Double> ci = Agreement.wilson(share, of);
        return String.format(Locale.ROOT, "%.2f (%.2f – %.2f)", share, ci.get(0), ci.get(1));
    }

    private static String cell(Page page, String name, LocalDate day, String css) {
        return page.locator("section[data-name='" + name + "'] tr[data-day='" + day + "'] " + css).textContent().trim();
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    @Test
    void eachDayShowsTheSharesOfEachLabelTheNumbersAndTheErrorRate() {
        seed();
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
             Page page = TestBrowser.signedIn(context, base, reader, "dashboard")) {
            TestBrowser.assertHeader(page, "dashboard-reader");
            assertEquals("page", page.getAttribute("header nav a[href='/dashboard']", "aria-current"));
            assertTrue(page.textContent("#window").contains("30 UTC days"), page.textContent("#window"));
            String labels = "section[data-name='" + LABELS + "']";
            assertEquals(1, page.locator(labels).count(), "a section for the name");
            assertEquals("12", page.textContent(labels + " .judged").trim(), "the judges' verdicts and errors; a person's label is not one");
            // day 1: yes 3 and no 3 of 6 labelled, 1 errored of 7 judged
            assertEquals(share(3, 6), cell(page, LABELS, D1, "td[data-label='yes']"));
            assertEquals(share(3, 6), cell(page, LABELS, D1, "td[data-label='no']"));
            assertEquals("7", cell(page, LABELS, D1, "td.judged"));
            assertEquals("1", cell(page, LABELS, D1, "td.errored"));
            assertEquals(share(1, 7), cell(page, LABELS, D1, "td.error-rate"));
            // day 2: yes 2, no 2; 1 errored of 5
            assertEquals(share(2, 4), cell(page, LABELS, D2, "td[data-label='yes']"));
            assertEquals(share(1, 5), cell(page, LABELS, D2, "td.error-rate"));
            // numbers
            assertEquals("3.00", cell(page, NUMBERS, D1, "td.mean"));
            assertEquals("2.00 – 4.00", cell(page, NUMBERS, D1, "td.iqr"));
            assertEquals("5", cell(page, NUMBERS, D1, "td.count"));
            assertEquals("3.00", cell(page, NUMBERS, D2, "td.mean"));
            assertEquals("2.50 – 3.50", cell(page, NUMBERS, D2, "td.iqr"));
            assertEquals(share(0, 5), cell(page, NUMBERS, D1, "td.error-rate"));
            // the charts, each with its accessible name, and the mark where v2 began (v1 was the first: no mark)
            assertEquals(2, page.locator(labels + " svg.trend").count(), "shares and error rate");
            assertTrue(page.getAttribute(labels + " svg.trend >> nth=0", "aria-label").contains("Share of each label of " + LABELS));
            assertEquals(1, page.locator(labels + " .version-change").count());
            assertEquals(D2.toString(), page.getAttribute(labels + " .version-change", "data-day"));
            assertEquals("v2", page.getAttribute(labels + " .version-change", "data-version"));
            assertEquals(2, page.locator(labels + " svg.trend g.version-mark").count(), "a dashed line on each chart");
            assertEquals("v2", cell(page, LABELS, D2, "td.versions"));
            assertEquals(2, page.locator("section[data-name='" + NUMBERS + "'] svg.trend").count(), "mean with quartiles, and error rate");
            page.click(labels + " details summary");
            TestBrowser.assertAccessible(page);
            page.navigate(base + "dashboard?name=" + encode(LABELS));
            TestBrowser.screenshot(page, "dashboard");
        }
    }

    @Test
    void theTagAndVersionFiltersChangeTheFigures() {
        seed();
        try (BrowserContext context = browser.newContext();
             Page page = TestBrowser.signedIn(context, base, reader, "dashboard?tag=" + encode("service=" + TAG))) {
            // only the tagged traces: day 1 yes 3, no 1, error 1; day 2 yes 1, no 2, no error
            assertEquals(share(3, 4), cell(page, LABELS, D1, "td[data-label='yes']"));
            assertEquals(share(1, 5), cell(page, LABELS, D1, "td.error-rate"));
            assertEquals(share(2, 3), cell(page, LABELS, D2, "td[data-label='no']"));
            assertEquals(share(0, 3), cell(page, LABELS, D2, "td.error-rate"));
            assertEquals("1", cell(page, NUMBERS, D2, "td.count"), "day 2's tagged trace has one number");
            assertEquals(1, page.locator("#filters input[name=tag][value='service=" + TAG + "']").count(), "the form keeps the tag");
            // one name's view keeps the tag
            page.click("section[data-name='" + LABELS + "'] a:text('only this name')");
            page.waitForLoadState();
            assertTrue(page.url().contains("tag=" + encode("service=" + TAG)), page.url());
            assertEquals(share(3, 4), cell(page, LABELS, D1, "td[data-label='yes']"));

            page.navigate(base + "dashboard?name=" + encode(LABELS) + "&version=v1");
            assertEquals(1, page.locator("section.quality").count(), "one name");
            assertEquals(share(3, 6), cell(page, LABELS, D1, "td[data-label='yes']"));
            assertEquals(0, page.locator("section[data-name='" + LABELS + "'] tr[data-day='" + D2 + "']").count(), "day 2 was judged by v2");

            page.navigate(base + "dashboard?name=" + encode(LABELS) + "&version=v2&tag=" + encode("service=" + TAG));
            assertEquals("3", cell(page, LABELS, D2, "td.judged"));
            assertEquals(0, page.locator("section[data-name='" + LABELS + "'] tr[data-day='" + D1 + "']").count());

            // a window that ends before day 2 holds day 1 only
            page.navigate(base + "dashboard?name=" + encode(LABELS) + "&from=" + D1 + "&to=" + D1);
            assertEquals("7", cell(page, LABELS, D1, "td.judged"));
            assertEquals(D1.toString(), page.inputValue("#from"), "the form keeps the days asked for");
            assertEquals(0, page.locator("tr[data-day='" + D2 + "']").count());
        }
    }

    @Test
    void nothingJudgedSaysHowToJudgeAndBadFiltersAreNamed() {
        seed();
        try (BrowserContext context = browser.newContext();
             Page page = TestBrowser.signedIn(context, base, reader, "dashboard?name=never_judged_" + RUN)) {
            assertTrue(page.textContent("#nothing").contains("Nothing was judged"), page.textContent("#nothing"));
            assertEquals(1, page.locator("#nothing a[href='/runs']").count());
            assertEquals(1, page.locator("#nothing a[href='/sweeps']").count());
            TestBrowser.assertAccessible(page);
            com.microsoft.playwright.Response bad = page.navigate(base + "dashboard?days=0");
            assertEquals(400, bad.status());
            assertTrue(page.textContent("#error").contains("days must be 1 to 366"), page.textContent("body"));
            bad = page.navigate(base + "dashboard?from=" + D2 + "&to=" + D1);
            assertEquals(400, bad.status());
            assertTrue(page.textContent("#error").contains("must not be after"), page.textContent("body"));
            assertEquals(400, page.navigate(base + "dashboard?tag=service").status());
            for (String far : List.of("to=%2B999999999-12-31", "from=0001-01-01&to=0001-01-02", "to=20000-01-01")) {
                assertEquals(400, page.navigate(base + "dashboard?" + far).status(), far);
            }
        }
    }
}
