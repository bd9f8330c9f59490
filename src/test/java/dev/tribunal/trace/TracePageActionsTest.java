package dev.tribunal.trace;

import dev.tribunal.PageTestBase;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.FormData;
import com.microsoft.playwright.options.RequestOptions;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import dev.tribunal.run.RunTestSupport;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trace page as a person works with it: the spans with their timing bars, the expectations apart from the
 * feedback, what overrides what in both directions, and the actions: a label, an override of a judge's verdict and a
 * new run of chosen judges, each only for the role it needs and only with the form's token.
 */
@QuarkusTest
class TracePageActionsTest extends PageTestBase {

    @TestHTTPResource("/")
    URL base;

    private static String log(String traceId, String json) {
        return TestSecurity.author(json).contentType(ContentType.JSON).body("{\"assessment\": " + json + "}")
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(200).extract().path("assessment.assessment_id");
    }

    private static String judged(String model, String value) {
        return "{\"assessment_name\": \"relevance\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"" + model + "\"}, "
                + "\"feedback\": {\"value\": \"" + value + "\"}, \"rationale\": \"Judged " + value + ".\", "
                + "\"metadata\": {\"tribunal.judge.version\": \"v7\"}}";
    }

    /** A trace with three spans over two seconds, an expectation, and two judges' verdicts, one of them overridden by a person. */
    private static Map<String, String> seed() {
        String traceId = "tr-act-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body("""
                {"traces": [{"trace_id": "%s", "inputs": {"question": "What is the capital of France?"}, "outputs": "Paris.",
                  "expectations": {"expected_response": "Paris"},
                  "spans": [
                    {"span_id": "root", "name": "answer", "span_type": "CHAIN", "start_time": "2026-01-01T10:00:00Z", "end_time": "2026-01-01T10:00:02Z"},
                    {"span_id": "retrieve", "parent_span_id": "root", "name": "search documents", "span_type": "RETRIEVER",
                     "start_time": "2026-01-01T10:00:00.100Z", "end_time": "2026-01-01T10:00:00.350Z", "inputs": {"query": "capital of France"}},
                    {"span_id": "llm", "parent_span_id": "root", "name": "chat", "span_type": "CHAT_MODEL",
                     "start_time": "2026-01-01T10:00:01Z", "end_time": "2026-01-01T10:00:02Z"}
                  ]}]}""".formatted(traceId)).post("/api/traces").then().statusCode(200);
        String verdict = log(traceId, judged("openai:/gpt-4o-mini", "yes"));
        String human = log(traceId, "{\"assessment_name\": \"relevance\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"ann@example.com\"}, "
                + "\"feedback\": {\"value\": \"no\"}, \"rationale\": \"Off topic.\", \"overrides\": \"" + verdict + "\"}");
        String other = log(traceId, judged("openai:/gpt-4o", "yes"));
        return Map.of("trace", traceId, "verdict", verdict, "human", human, "other", other);
    }

    private static List<Map<String, Object>> human(String traceId) {
        return given().queryParam("trace_id", traceId).queryParam("source_type", "HUMAN").get("/api/assessments")
                .then().statusCode(200).extract().jsonPath().getList("assessments");
    }

    @Test
    void thePageShowsTimingBarsExpectationsApartAndTheOverrideChainBothWays() {
        Map<String, String> seeded = seed();
        String traceId = seeded.get("trace");
        String reader = TestSecurity.key("trace-actions-reader", "read");
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
             Page page = TestBrowser.signedIn(context, base, reader, "traces/" + traceId)) {
            TestBrowser.assertHeader(page, "trace-actions-reader");
            // each span has a bar placed within the trace's two seconds, with its timing as text too
            assertEquals(3, page.locator("#spans svg.timing-bar").count(), "a timing bar per span");
            String retrieverBar = "li.span[data-span=retrieve] > details > summary svg.timing-bar rect.span-bar";
            assertEquals("50", page.getAttribute(retrieverBar, "x"), "the retriever starts 100 ms into 2000 ms: 5 % along");
            assertEquals("125", page.getAttribute(retrieverBar, "width"), "and lasts 250 ms: 12.5 % of the trace");
            assertEquals("1000", page.getAttribute("li.span[data-span=root] > details > summary svg.timing-bar rect.span-bar", "width"));
            assertEquals("500", page.getAttribute("li.span[data-span=llm] > details > summary svg.timing-bar rect.span-bar", "x"));
            assertTrue(page.getAttribute("li.span[data-span=retrieve] svg.timing-bar", "aria-label").contains("lasts 250 ms"));
            assertTrue(page.textContent("li.span[data-span=retrieve] > details > summary").contains("250 ms"));
            page.click("li.span[data-span=root] > details > summary");
            page.click("li.span[data-span=retrieve] > details > summary");
            assertTrue(page.isVisible("li.span[data-span=retrieve] dl.span-data"), "a span opens on its inputs");
            assertTrue(page.textContent("li.span[data-span=retrieve] dl.span-data").contains("capital of France"));

            // expectations in a table of their own, not among the feedback
            assertEquals(1, page.locator("#expectations tbody tr").count());
            assertTrue(page.textContent("#expectations").contains("expected_response") && page.textContent("#expectations").contains("Paris"));
            assertEquals(0, page.locator("#assessments tr", new Page.LocatorOptions().setHasText("expected_response")).count());

            // the judge's verdict names the label that overrides it, and the label names the verdict it overrides
            String verdictRow = "#assessments tr[data-assessment='" + seeded.get("verdict") + "']";
            String humanRow = "#assessments tr[data-assessment='" + seeded.get("human") + "']";
            assertTrue(page.textContent(verdictRow + " td.valid").contains("no (overridden)"));
            assertEquals("#a-" + seeded.get("human"), page.getAttribute(verdictRow + " .overridden-by a", "href"));
            assertEquals("#a-" + seeded.get("verdict"), page.getAttribute(humanRow + " .overrides a", "href"));
            assertEquals("ann@example.com (HUMAN)", page.textContent(verdictRow + " .overridden-by a").trim(), "who overrode it");
            assertEquals("openai:/gpt-4o-mini (LLM_JUDGE)", page.textContent(humanRow + " .overrides a").trim(), "whose verdict it replaces");
            assertTrue(page.textContent(humanRow + " td.valid").startsWith("yes"));
            assertEquals("v7", page.textContent(verdictRow + " td.version").trim(), "the judge version the verdict was made with");
            // a reader sees no action
            assertEquals(0, page.locator("form[action$='/label'], form[action$='/override'], form[action='/runs']").count());
            TestBrowser.assertAccessible(page);
            TestBrowser.screenshot(page, "trace");
        }
    }

    @Test
    void anAnnotatorLabelsAndOverridesAJudgeFromThePage() {
        Map<String, String> seeded = seed();
        String traceId = seeded.get("trace");
        String annotator = TestSecurity.key("dora@example.com", "read", "annotate");
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
             Page page = TestBrowser.signedIn(context, base, annotator, "traces/" + traceId)) {
            assertEquals(0, page.locator("#rejudge").count(), "re-judging needs the judge role");
            // a label for the judged name, from the judge's own choices
            assertEquals(List.of("", "yes", "no"), page.locator("#label-0-value option").all().stream().map(o -> o.getAttribute("value")).toList());
            page.selectOption("#label-0-value", "yes");
            page.fill("#label-0-rationale", "It names the capital.");
            page.click("#label-0 button[type=submit]");
            page.waitForSelector("#done");
            assertTrue(page.url().endsWith("/traces/" + traceId + "?done=label"), page.url());
            List<Map<String, Object>> labels = human(traceId).stream()
                    .filter(a -> "dora@example.com".equals(((Map<?, ?>) a.get("source")).get("source_id"))).toList();
            assertEquals(1, labels.size(), "one label in the signed-in key's name: " + labels);
            assertEquals("yes", ((Map<?, ?>) labels.get(0).get("feedback")).get("value"));
            assertEquals("It names the capital.", labels.get(0).get("rationale"));
            assertEquals("relevance", labels.get(0).get("assessment_name"));

            // an override of the other judge's verdict, which stays, no longer valid
            String other = seeded.get("other");
            page.click("#a-" + other + " details.override summary");
            page.selectOption("#override-" + other + "-value", "no");
            page.fill("#override-" + other + "-rationale", "The judge missed the question.");
            page.click("#override-" + other + " button[type=submit]");
            page.waitForSelector("#done");
            Map<String, Object> override = human(traceId).stream().filter(a -> other.equals(a.get("overrides"))).findFirst().orElseThrow();
            assertEquals("no", ((Map<?, ?>) override.get("feedback")).get("value"));
            assertEquals("dora@example.com", ((Map<?, ?>) override.get("source")).get("source_id"));
            assertEquals(Boolean.FALSE, given().get("/api/3.0/mlflow/traces/" + traceId + "/assessments/" + other).then().statusCode(200)
                    .extract().path("assessment.valid"), "the overridden verdict is no longer valid");
            assertTrue(page.textContent("#a-" + other + " td.valid").contains("no (overridden)"));
            assertEquals("#a-" + override.get("assessment_id"), page.getAttribute("#a-" + other + " .overridden-by a", "href"));
            assertEquals(0, page.locator("#a-" + other + " details.override").count(), "an overridden verdict is not offered again");
            TestBrowser.assertAccessible(page);

            // the same forms without their token are refused, and nothing is written
            int before = human(traceId).size();
            for (String action : List.of("label", "override")) {
                APIResponse refused = context.request().post(base + "traces/" + traceId + "/" + action, RequestOptions.create()
                        .setForm(FormData.create().set("name", "relevance").set("assessment_id", seeded.get("verdict")).set("value", "no")));
                assertEquals(403, refused.status(), action + " without the form's token");
            }
            assertEquals(before, human(traceId).size());
        }
        // a reader's key is refused, whatever it sends
        String reader = TestSecurity.key("trace-actions-reader2", "read");
        for (String action : List.of("/traces/" + traceId + "/label", "/traces/" + traceId + "/override", "/runs")) {
            given().header("Authorization", "Bearer " + reader).contentType(ContentType.URLENC)
                    .formParam("name", "relevance").formParam("assessment_id", seeded.get("verdict")).formParam("value", "no")
                    .formParam("judge:relevance", "on").formParam("trace_id", traceId)
                    .post(action).then().statusCode(403);
        }
        // an annotator may not start runs
        given().header("Authorization", "Bearer " + annotator).contentType(ContentType.URLENC).formParam("judge:relevance", "on")
                .formParam("trace_id", traceId).post("/runs").then().statusCode(403);
    }

    @Test
    void aJudgeRejudgesTheTraceAndLandsOnTheNewRun() {
        Map<String, String> seeded = seed();
        String traceId = seeded.get("trace");
        String judge = TestSecurity.key("trace-actions-judge", "read", "judge");
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
             Page page = TestBrowser.signedIn(context, base, judge, "traces/" + traceId)) {
            assertEquals(0, page.locator("form[action$='/label']").count(), "labelling needs the annotate role");
            assertTrue(page.locator("#rejudge input[type=checkbox]").count() >= 2, "a checkbox per loaded judge");

            APIResponse refused = context.request().post(base + "runs",
                    RequestOptions.create().setForm(FormData.create().set("trace_id", traceId).set("judge:relevance", "on").set("models", "fake:/ok")));
            assertEquals(403, refused.status(), "re-judge without the form's token");

            page.check("#rejudge input[name='judge:relevance']");
            page.fill("#rejudge-models", "fake:/ok");
            page.click("#rejudge-submit");
            page.waitForURL(url -> url.matches(".*/runs/[0-9a-f]+$"));
            String runId = page.url().substring(page.url().lastIndexOf('/') + 1);
            assertEquals(runId, page.textContent("#run-id").trim());
            RunTestSupport.awaitCompleted(runId, Duration.ofSeconds(60));
            List<Map<String, Object>> results = RunTestSupport.assessments(runId);
            assertEquals(1, results.size(), "one judgment: relevance over this one trace");
            assertEquals(traceId, results.get(0).get("trace_id"));
            assertEquals("trace-actions-judge", given().get("/api/judge-runs/" + runId).then().extract().path("created_by"));

            // the new verdict links to its run's page
            page.navigate(base + "traces/" + traceId);
            String link = page.getAttribute("#a-" + results.get(0).get("assessment_id") + " td.run a", "href");
            assertNotNull(link);
            assertEquals("/runs/" + runId, link);

            // nothing ticked: a 400 that says so, and no run
            APIResponse none = context.request().post(base + "runs",
                    RequestOptions.create().setForm(FormData.create().set("trace_id", traceId).set("csrf", page.getAttribute("#rejudge input[name=csrf]", "value"))));
            assertEquals(400, none.status());
            assertTrue(none.text().contains("Tick at least one judge"), none.text());
        }
    }

    @Test
    void badFormsAreRefusedWithAClearAnswerAndWriteNothing() {
        Map<String, String> seeded = seed();
        String traceId = seeded.get("trace");
        String person = TestSecurity.key("trace-actions-all", "read", "annotate", "judge");
        int before = human(traceId).size();
        // with a key (no session, so no form token is needed): each mistake is a 4xx that names it
        given().header("Authorization", "Bearer " + person).contentType(ContentType.URLENC).formParam("name", "relevance")
                .post("/traces/" + traceId + "/label").then().statusCode(400).body(org.hamcrest.Matchers.containsString("value is required"));
        given().header("Authorization", "Bearer " + person).contentType(ContentType.URLENC).formParam("name", "relevance").formParam("value", "yes")
                .post("/traces/tr-no-such-trace-" + UUID.randomUUID() + "/label").then().statusCode(404);
        given().header("Authorization", "Bearer " + person).contentType(ContentType.URLENC).formParam("assessment_id", "a-nope").formParam("value", "no")
                .post("/traces/" + traceId + "/override").then().statusCode(404);
        given().header("Authorization", "Bearer " + person).contentType(ContentType.URLENC)
                .formParam("assessment_id", seeded.get("human")).formParam("value", "no")
                .post("/traces/" + traceId + "/override").then().statusCode(400).body(org.hamcrest.Matchers.containsString("not a judge's"));
        given().header("Authorization", "Bearer " + person).contentType(ContentType.URLENC).body("name=relevance&value=%zz")
                .post("/traces/" + traceId + "/label").then().statusCode(400);
        given().header("Authorization", "Bearer " + person).contentType(ContentType.URLENC).formParam("judge:relevance", "on")
                .formParam("models", "nosuchprovider:/model").formParam("trace_id", traceId).post("/runs").then().statusCode(400);
        assertEquals(before, human(traceId).size(), "nothing was written");
    }

    @Test
    void anExpectationLoggedWithoutAValueIsShownAsSuch() {
        String traceId = "tr-act-empty-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + traceId + "\", \"inputs\": \"q\", \"outputs\": \"a\"}]}")
                .post("/api/traces").then().statusCode(200);
        // MLflow's log_expectation(name, value=None)
        log(traceId, "{\"assessment_name\": \"expected_response\", \"expectation\": {\"value\": null}}");
        String html = given().accept("text/html").get("/traces/" + traceId).then().statusCode(200).extract().asString();
        assertTrue(html.contains("expected_response"), "the withdrawn expectation is listed");
    }
}
