package dev.tribunal.trace;

import dev.tribunal.PageTestBase;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Response;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import dev.tribunal.security.Viewer;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The traces page in a real browser: newest first, each filter of the query string narrows the list to exactly the
 * traces it names (values read from valid assessments only), filters combine, a filtered list is a link to share,
 * paging reaches every trace once, chips show values and errors apart, a malformed filter is a 400 page naming it, and
 * the empty states say what to do. The traces carry a tag of this class's own, so other classes' traces do not count.
 */
@QuarkusTest
class TraceListPageTest extends PageTestBase {

    private static final String SUITE = "list-" + UUID.randomUUID().toString().substring(0, 8);
    private static final String MINE = "tag=suite=" + SUITE;

    @TestHTTPResource("/")
    URL base;

    @Inject
    @Location("trace/list.html")
    Template list;

    private String reader;
    /** t[1] is the oldest, t[6] the newest. */
    private final String[] t = new String[7];

    private boolean seeded;

    /** Seeds once, from the first test (REST Assured knows the server's port only once a test runs). */
    private synchronized void seed() {
        if (seeded) {
            return;
        }
        seeded = true;
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 1; i <= 6; i++) {
            t[i] = "tr-list-" + i + "-" + UUID.randomUUID().toString().substring(0, 8);
            String env = i == 4 || i == 5 ? "staging" : "prod";
            body.append(i == 1 ? "" : ",").append("""
                    {"trace_id": "%s", "request_time": "2026-03-01T10:00:0%dZ", "state": "%s",
                     "inputs": {"question": "Question %d\\nwith a second line"}, "outputs": "Answer %d",
                     "tags": {"suite": "%s", "env": "%s"}}""".formatted(t[i], i, i == 5 ? "ERROR" : "OK", i, i, SUITE, env));
        }
        given().contentType(ContentType.JSON).body(body.append("]}").toString()).post("/api/traces").then().statusCode(200);
        judge(t[1], "correctness", "\"yes\"");
        judge(t[1], "relevance", "4");
        judge(t[2], "correctness", "\"no\"");
        log(t[2], "{\"assessment_name\": \"relevance\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/gpt-4o-mini\"}, "
                + "\"feedback\": {\"error\": {\"error_code\": \"RATE_LIMIT_EXCEEDED\", \"error_message\": \"429 after 3 retries\"}}}");
        String overridden = judge(t[3], "correctness", "\"no\"");
        log(t[3], "{\"assessment_name\": \"correctness\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"ann@example.com\"}, "
                + "\"feedback\": {\"value\": \"yes\"}, \"overrides\": \"" + overridden + "\"}");
        judge(t[4], "correctness", "\"no\"");
        judge(t[4], "safety", "\"no\"");
        judge(t[6], "correctness", "\"yes\"");
        log(t[6], "{\"assessment_name\": \"tone\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"ann@example.com\"}, "
                + "\"feedback\": {\"value\": \"friendly\"}}");
        reader = TestSecurity.key("traces-reader", "read");
    }

    private static String log(String traceId, String json) {
        return TestSecurity.author(json).contentType(ContentType.JSON).body("{\"assessment\": " + json + "}")
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(200).extract().path("assessment.assessment_id");
    }

    private static String judge(String traceId, String name, String value) {
        return log(traceId, "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", "
                + "\"source_id\": \"openai:/gpt-4o-mini\"}, \"feedback\": {\"value\": " + value + "}}");
    }

    private List<String> shown(Page page) {
        return page.locator("#traces tbody tr").all().stream().map(row -> row.getAttribute("data-trace")).toList();
    }

    private Set<String> traces(int... numbers) {
        Set<String> ids = new java.util.HashSet<>();
        for (int n : numbers) {
            ids.add(t[n]);
        }
        return ids;
    }

    /** The traces a filtered list shows, on one page. */
    private Set<String> filtered(Page page, String filters) {
        Response response = page.navigate(base + "traces?" + MINE + "&" + filters);
        assertEquals(200, response.status(), filters);
        assertTrue(page.locator("#traces").count() == 1 || page.locator("#no-match").count() == 1, filters + ": rows or no match");
        return Set.copyOf(shown(page));
    }

    @Test
    void theListShowsTracesNewestFirstAndEachFilterNarrowsIt() {
        seed();
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
             Page page = TestBrowser.signedIn(context, base, reader, "traces?" + MINE)) {
            TestBrowser.assertHeader(page, "traces-reader");
            assertEquals(List.of(t[6], t[5], t[4], t[3], t[2], t[1]), shown(page), "newest first");
            String row = "#traces tr[data-trace='" + t[1] + "'] ";
            assertEquals(t[1], page.textContent(row + "a.trace-link").strip());
            assertEquals("/traces/" + t[1], page.getAttribute(row + "a.trace-link", "href"));
            assertEquals("OK", page.textContent(row + "td.state").strip());
            assertEquals("2026-03-01 10:00:01 UTC", page.textContent(row + "td.time").strip());
            assertEquals("Question 1", page.textContent(row + "td.request").strip(), "the request's first line");
            assertEquals("Answer 1", page.textContent(row + "td.response").strip());
            assertEquals("ERROR", page.textContent("#traces tr[data-trace='" + t[5] + "'] td.state").strip());

            // chips: a value per name, coloured by kind and saying it in words; errors apart, with their code
            assertEquals("correctness: yes", page.textContent(row + ".chip[data-name=correctness]").strip());
            assertEquals("pass", page.getAttribute(row + ".chip[data-name=correctness]", "data-kind"));
            assertEquals("relevance: 4", page.textContent(row + ".chip[data-name=relevance]").strip());
            assertEquals("number", page.getAttribute(row + ".chip[data-name=relevance]", "data-kind"));
            String second = "#traces tr[data-trace='" + t[2] + "'] ";
            assertEquals("fail", page.getAttribute(second + ".chip[data-name=correctness]", "data-kind"));
            assertEquals(1, page.locator(second + ".chips-errors .chip.error[data-name=relevance]").count(), "the error apart");
            assertTrue(page.textContent(second + ".chip.error").contains("RATE_LIMIT_EXCEEDED"));
            assertEquals(0, page.locator(second + ".chip:not(.error)[data-name=relevance]").count(), "no value chip for an error");
            // the judge's overridden "no" is left out; the person's "yes" shows
            String third = "#traces tr[data-trace='" + t[3] + "'] ";
            assertEquals(List.of("correctness: yes (human)"), page.locator(third + ".chip").allTextContents().stream().map(String::strip).toList());
            assertEquals("other", page.getAttribute("#traces tr[data-trace='" + t[6] + "'] .chip[data-name=tone]", "data-kind"));
            assertTrue(page.textContent("#validity-note").contains("valid assessments only"));
            TestBrowser.assertAccessible(page);
            TestBrowser.screenshot(page, "traces");

            assertEquals(traces(2, 4), filtered(page, "assessment=correctness=no"), "the overridden no of trace 3 does not count");
            assertEquals(traces(1, 3, 6), filtered(page, "assessment=correctness=yes"));
            assertEquals(traces(1), filtered(page, "assessment=relevance=4"), "a number as its text");
            assertEquals(traces(4, 5), filtered(page, "tag=env=staging"));
            assertEquals(traces(5), filtered(page, "state=ERROR"));
            assertEquals(traces(1, 2, 3, 4, 6), filtered(page, "has=correctness"));
            assertEquals(traces(5), filtered(page, "lacks=correctness"));
            assertEquals(traces(2), filtered(page, "errored=true"));
            assertEquals(traces(2), filtered(page, "errored=relevance"));
            assertEquals(Set.of(), filtered(page, "errored=correctness"));
            assertEquals(traces(1, 3, 4, 5, 6), filtered(page, "errored=false"));
            assertEquals(traces(3, 6), filtered(page, "source=HUMAN"));
            assertEquals(traces(3, 4), filtered(page, "from=2026-03-01T10:00:03Z&to=2026-03-01T10:00:05Z"));
            assertEquals(traces(3, 4), filtered(page, "from=2026-03-01T10:00:03&to=2026-03-01T10:00:05"), "no offset: UTC");

            // filters combine (AND)
            assertEquals(traces(2), filtered(page, "assessment=correctness=no&tag=env=prod"));
            assertEquals(traces(4), filtered(page, "assessment=correctness=no&assessment=safety=no"));
            assertEquals(traces(3), filtered(page, "source=HUMAN&assessment=correctness=yes"), "the person's yes");
            assertEquals(traces(1, 6), filtered(page, "source=LLM_JUDGE&assessment=correctness=yes"), "the judges' yes");
            assertEquals(traces(6), filtered(page, "has=tone&state=OK&tag=env=prod"));

            // the active filters are listed, each with a link that drops it
            filtered(page, "assessment=correctness=no&tag=env=prod");
            assertEquals(3, page.locator("#active li").count(), "the suite's tag, env and the value");
            page.click("#active li[data-filter=assessment] a");
            page.waitForLoadState();
            assertEquals(traces(1, 2, 3, 6), Set.copyOf(shown(page)), "without the value filter: every prod trace");
        }
    }

    @Test
    void aFilteredListIsALinkToShareAndTheFormSubmitsWithEnter() {
        seed();
        String shared = "traces?" + MINE + "&assessment=correctness=no&tag=env=prod";
        try (BrowserContext context = browser.newContext();
             Page page = TestBrowser.signedIn(context, base, reader, shared)) {
            assertEquals(List.of(t[2]), shown(page), "the link opens the filtered list directly");
            assertEquals("correctness=no", page.inputValue("#filter-assessment-0"), "the form shows the filters of the link");

            // keyboard: a filter typed and Enter pressed
            page.navigate(base + "traces?" + MINE);
            page.focus("#filter-assessment-0");
            page.keyboard().type("correctness=yes");
            page.keyboard().press("Enter");
            page.waitForURL(url -> url.contains("assessment="));
            assertTrue(page.url().endsWith("/traces?" + MINE + "&assessment=correctness=yes"),
                    "the form leads to the list's address with its filters only, in the API's style: " + page.url());
            assertEquals(List.of(t[6], t[3], t[1]), shown(page));
            // and submitted again, every filter is kept
            page.focus("#filter-tag-1");
            page.keyboard().type("env=prod");
            page.keyboard().press("Enter");
            page.waitForURL(url -> url.contains("env=prod"));
            assertTrue(page.url().endsWith("/traces?" + MINE + "&tag=env=prod&assessment=correctness=yes"), page.url());
            assertEquals(List.of(t[6], t[3], t[1]), shown(page));
            page.focus("#filter-tag-2");
            page.keyboard().type("env=staging");
            Response refused = page.waitForNavigation(() -> page.keyboard().press("Enter"));
            assertEquals(400, refused.status(), "two values of one tag key");
            assertTrue(page.textContent("#error").contains("tag 'env' is given twice"), page.textContent("body"));
        }
    }

    @Test
    void pagingReachesEveryMatchingTraceOnce() {
        seed();
        try (BrowserContext context = browser.newContext();
             Page page = TestBrowser.signedIn(context, base, reader, "traces?" + MINE + "&max_results=2")) {
            List<String> seen = new ArrayList<>(shown(page));
            int pages = 1;
            while (page.locator("#next-page").count() == 1) {
                page.click("#next-page");
                page.waitForLoadState();
                assertTrue(page.url().contains("suite=" + SUITE), "the filters stay on the next page: " + page.url());
                seen.addAll(shown(page));
                pages++;
            }
            assertEquals(List.of(t[6], t[5], t[4], t[3], t[2], t[1]), seen, "every trace once, newest first");
            assertEquals(3, pages);
            assertEquals(1, page.locator("#first-page").count(), "a way back to the first page");

            page.navigate(base + "traces?" + MINE + "&assessment=correctness=yes&max_results=2");
            List<String> yes = new ArrayList<>(shown(page));
            page.click("#next-page");
            page.waitForLoadState();
            yes.addAll(shown(page));
            assertEquals(List.of(t[6], t[3], t[1]), yes);
            assertEquals(1, page.locator("#last-page").count());
        }
    }

    @Test
    void aMalformedFilterIsA400PageThatNamesIt() {
        seed();
        try (BrowserContext context = browser.newContext();
             Page page = TestBrowser.signedIn(context, base, reader, "traces?" + MINE)) {
            Map<String, String> bad = Map.of(
                    "assessment=correctness", "assessment must be name=value",
                    "tag=env", "tag must be key=value",
                    "state=DONE", "state must be one of OK, ERROR, IN_PROGRESS",
                    "source=ROBOT", "source must be one of HUMAN, LLM_JUDGE, CODE",
                    "from=yesterday", "from must be a time",
                    "asessment=correctness=no", "'asessment' is not a filter of this page",
                    "page_token=nonsense", "page_token",
                    "max_results=many", "max_results must be a whole number");
            for (Map.Entry<String, String> e : bad.entrySet()) {
                Response response = page.navigate(base + "traces?" + e.getKey());
                assertEquals(400, response.status(), e.getKey());
                assertTrue(response.headerValue("content-type").startsWith("text/html"), e.getKey());
                assertTrue(page.textContent("#error").contains(e.getValue()), e.getKey() + ": " + page.textContent("#error"));
            }
        }
    }

    @Test
    void emptyStatesSayWhatToDoNext() {
        seed();
        try (BrowserContext context = browser.newContext();
             Page page = TestBrowser.signedIn(context, base, reader, "traces?tag=suite=" + SUITE + "-none")) {
            assertEquals(0, page.locator("#traces").count());
            assertTrue(page.textContent("#no-match").contains("No trace matches these filters"));
            assertEquals("/traces", page.getAttribute("#clear-empty", "href"));
            TestBrowser.assertAccessible(page);

            // no trace stored at all (the test database holds other classes' traces): the page as it renders then
            String html = TraceListPage.render(list, new Viewer("traces-reader", List.of("read"), false, false, false, "token"),
                    Map.of(), List.of(), null, base.toString());
            page.setContent(html);
            assertTrue(page.textContent("#no-traces").contains("No trace has been stored yet"));
            assertTrue(page.textContent("#curl-line").contains("curl -X POST " + base + "api/traces"), page.textContent("#curl-line"));
            assertTrue(page.textContent("#curl-line").contains("{\"traces\": [{\"trace_id\""));
            assertEquals(base + "v1/traces", page.textContent("#otlp-endpoint"));
            assertNull(page.querySelector("#no-match"));
            TestBrowser.assertAccessible(page);
        }
    }
}
