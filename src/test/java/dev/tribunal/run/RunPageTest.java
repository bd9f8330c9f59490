package dev.tribunal.run;

import dev.tribunal.PageTestBase;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.FormData;
import com.microsoft.playwright.options.RequestOptions;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import dev.tribunal.security.Viewer;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.List;

import static dev.tribunal.run.RunTestSupport.assessments;
import static dev.tribunal.run.RunTestSupport.awaitCompleted;
import static dev.tribunal.run.RunTestSupport.startRun;
import static dev.tribunal.run.RunTestSupport.traces;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runs pages in a real browser: the list, a run's progress rising in place while it runs (no reload), its errors by
 * code with examples, its cost, and the cancel and retry buttons, for the judge role with the form's token only.
 */
@QuarkusTest
class RunPageTest extends PageTestBase {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @TestHTTPResource("/")
    URL base;

    @Inject
    @Location("run/list.html")
    Template listTemplate;

    private static JsonPath run(String runId) {
        return given().get("/api/judge-runs/" + runId).then().statusCode(200).extract().jsonPath();
    }

    private BrowserContext context() {
        return browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
    }

    @Test
    void aRunsProgressRisesInPlaceUntilItsFinalCounts() {
        String judge = TestSecurity.key("run-page-judge", "read", "judge");
        List<String> traceIds = traces(24, "2");
        try (BrowserContext context = context(); Page page = TestBrowser.signedIn(context, base, judge, "runs")) {
            // four calls at once, each answered after a second: about six seconds for the run
            String runId = startRun(List.of("relevance"), traceIds, List.of("fake:/slow-1000"));
            page.navigate(base + "runs/" + runId);
            TestBrowser.assertHeader(page, "run-page-judge");
            page.evaluate("() => { window.loadedOnce = 'still here'; }");
            double first = ((Number) page.evaluate("() => document.getElementById('run-progress').value")).doubleValue();
            assertTrue(first < 24, "the run is still going when the page opens: " + first);
            assertEquals("24", page.getAttribute("#run-progress", "max"));
            assertEquals("status", page.getAttribute("#status", "role"), "the run's state is announced when it changes, not every count");

            page.waitForFunction("first => document.getElementById('run-progress').value > first", first);
            assertEquals("still here", page.evaluate("() => window.loadedOnce"), "the bar rose without the page being loaded again");
            page.waitForFunction("() => document.getElementById('status').textContent === 'COMPLETED'", null,
                    new Page.WaitForFunctionOptions().setTimeout(WAIT.toMillis()));
            assertEquals("still here", page.evaluate("() => window.loadedOnce"), "the page was never loaded again");
            assertEquals(24.0, ((Number) page.evaluate("() => document.getElementById('run-progress').value")).doubleValue());
            assertEquals("24 / 24", page.textContent("#done-text").trim());
            assertEquals("24", page.textContent("#succeeded").trim());
            assertEquals("0", page.textContent("#errored").trim());
            assertTrue(page.isHidden("#cancel-form"), "a finished run cannot be cancelled");
            JsonPath done = run(runId);
            assertTrue(done.getDouble("cost") > 0, "the fake provider has prices: " + done.prettify());
            assertFalse(page.textContent("#cost").contains("–"), "the cost so far is shown: " + page.textContent("#cost"));
            TestBrowser.assertAccessible(page);
            TestBrowser.screenshot(page, "run");

            // the list shows it, newest first, with its figures
            page.navigate(base + "runs");
            String row = "#runs tr[data-run='" + runId + "']";
            assertTrue(page.isVisible(row), "the run is listed");
            assertEquals("COMPLETED", page.textContent(row + " td.status").trim());
            assertTrue(page.textContent(row + " td.done").contains("24 / 24"));
            assertEquals("relevance", page.textContent(row + " td.judges").trim());
            assertEquals("API", page.textContent(row + " td.trigger").trim());
            TestBrowser.assertHeader(page, "run-page-judge");
            TestBrowser.assertAccessible(page);
            TestBrowser.screenshot(page, "runs");
            page.click(row + " a");
            page.waitForURL(url -> url.endsWith("/runs/" + runId));
        }
    }

    @Test
    void errorsAreListedByCodeWithExamplesAndRetryJudgesThemAgain() {
        String judge = TestSecurity.key("run-page-judge", "read", "judge");
        List<String> traceIds = traces(3, "2");
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake:/ok", "fake-retry:/bad-request"));
        awaitCompleted(runId, WAIT);
        JsonPath api = run(runId);
        assertEquals(3, api.getInt("errors_by_code.PROVIDER_REJECTED"), api.prettify());
        assertEquals(3, api.getList("error_examples.PROVIDER_REJECTED").size(), "examples in the JSON too: " + api.prettify());
        try (BrowserContext context = context(); Page page = TestBrowser.signedIn(context, base, judge, "runs/" + runId)) {
            String errors = "#errors tr[data-code=PROVIDER_REJECTED]";
            assertEquals("3", page.textContent(errors + " td.count").trim());
            assertEquals(3, page.locator(errors + " ul.examples li").count(), "a few examples of the code");
            String example = page.locator(errors + " ul.examples li").first().textContent();
            assertTrue(example.contains("bad-request") && example.contains("context length"), "the judge's model and its error: " + example);
            String link = page.getAttribute(errors + " ul.examples li a", "href");
            assertTrue(traceIds.stream().anyMatch(id -> link.equals("/traces/" + id)), link);
            assertTrue(page.isVisible("#retry-form"));

            // the retry button without its token is refused, and nothing is requeued
            APIResponse refused = context.request().post(base + "runs/" + runId + "/retry", RequestOptions.create().setForm(FormData.create()));
            assertEquals(403, refused.status());
            assertEquals("COMPLETED", run(runId).getString("status"));

            page.click("#retry");
            page.waitForURL(url -> url.endsWith("/runs/" + runId));
            awaitCompleted(runId, WAIT);
            assertEquals(9, assessments(runId).size(), "three verdicts, three errors and the three errors of their retry");
            assertEquals(3, run(runId).getInt("errors_by_code.PROVIDER_REJECTED"), "the rejections happen again");
        }
        // a reader's key may not retry
        String reader = TestSecurity.key("run-page-reader", "read");
        given().header("Authorization", "Bearer " + reader).contentType(ContentType.URLENC).formParam("x", "y")
                .post("/runs/" + runId + "/retry").then().statusCode(403);
        assertEquals(9, assessments(runId).size());
    }

    @Test
    void cancelStopsARunFromItsPage() {
        String judge = TestSecurity.key("run-page-judge", "read", "judge");
        List<String> traceIds = traces(40, "2");
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake:/slow-1000"));
        String reader = TestSecurity.key("run-page-reader", "read");
        try (BrowserContext context = context()) {
            try (Page readerPage = TestBrowser.signedIn(context, base, reader, "runs/" + runId)) {
                assertEquals(0, readerPage.locator("#cancel-form, #retry-form").count(), "a reader sees no button");
                APIResponse refused = context.request().post(base + "runs/" + runId + "/cancel", RequestOptions.create().setForm(FormData.create()));
                assertEquals(403, refused.status(), "a reader may not cancel");
            }
        }
        given().header("Authorization", "Bearer " + reader).contentType(ContentType.URLENC).formParam("x", "y")
                .post("/runs/" + runId + "/cancel").then().statusCode(403);
        try (BrowserContext context = context(); Page page = TestBrowser.signedIn(context, base, judge, "runs/" + runId)) {
            APIResponse refused = context.request().post(base + "runs/" + runId + "/cancel", RequestOptions.create().setForm(FormData.create()));
            assertEquals(403, refused.status(), "cancel without the form's token");
            assertTrue(List.of("QUEUED", "RUNNING").contains(run(runId).getString("status")));

            page.click("#cancel");
            page.waitForURL(url -> url.endsWith("/runs/" + runId));
            assertEquals("CANCELLED", page.textContent("#status").trim());
            assertEquals("CANCELLED", run(runId).getString("status"));
            assertTrue(page.isHidden("#cancel-form"));
            assertTrue(run(runId).getInt("completed") < 40, "the rest of the run was not judged");
        }
    }

    @Test
    void theEmptyListSaysHowToStartARun() {
        String html = listTemplate.data("viewer", new Viewer("someone", List.of("read"), false, false, false, ""))
                .data("runs", List.of()).data("first", true).data("next", null).render();
        assertTrue(html.contains("No run yet"), html);
        assertTrue(html.contains("curl -X POST http://localhost:8080/api/judge-runs"), html);
        assertTrue(html.contains("Re-judge"), "the trace page's button is named: " + html);
        String older = listTemplate.data("viewer", new Viewer("someone", List.of("read"), false, false, false, ""))
                .data("runs", List.of()).data("first", false).data("next", null).render();
        assertTrue(older.contains("No older runs") && !older.contains("No run yet"), older);
    }

    @Test
    void anUnknownRunIsAPageThatSaysSo() {
        String html = given().accept("text/html").get("/runs/0123456789abcdef0123456789abcdef").then().statusCode(404)
                .contentType(org.hamcrest.Matchers.startsWith("text/html")).extract().asString();
        assertTrue(html.contains("No judge run"), html);
    }
}
