package dev.tribunal.trace;

import dev.tribunal.PageTestBase;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.RequestOptions;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trace page in a real browser: what a person following a link from the pages lands on. It shows the request and
 * response, the spans as a tree with type and timing, and every assessment with its source, value or error, rationale,
 * validity and run; the page session may fetch the JSON behind it, but never write through the JSON API.
 */
@QuarkusTest
class TracePageTest extends PageTestBase {

    @TestHTTPResource("/")
    URL base;

    private static String log(String traceId, String json) {
        return TestSecurity.author(json).contentType(ContentType.JSON).body("{\"assessment\": " + json + "}")
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(200).extract().path("assessment.assessment_id");
    }

    @Test
    void aTraceReadsAsRequestResponseSpanTreeAndAssessments() {
        String traceId = "tr-page-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body("""
                {"traces": [{"trace_id": "%s", "inputs": {"question": "What is <b>the</b> capital of France?"},
                  "outputs": "Paris.", "tags": {"env": "page-test"},
                  "spans": [
                    {"span_id": "root", "name": "answer", "span_type": "CHAIN", "start_time": "2026-01-01T10:00:00Z", "end_time": "2026-01-01T10:00:02Z"},
                    {"span_id": "retrieve", "parent_span_id": "root", "name": "search documents", "span_type": "RETRIEVER",
                     "start_time": "2026-01-01T10:00:00.100Z", "end_time": "2026-01-01T10:00:00.350Z", "outputs": [{"page_content": "Paris is the capital."}]},
                    {"span_id": "llm", "parent_span_id": "root", "name": "chat", "span_type": "CHAT_MODEL",
                     "start_time": "2026-01-01T10:00:00.400Z", "end_time": "2026-01-01T10:00:01.900Z", "status": "ERROR"}
                  ]}]}""".formatted(traceId)).post("/api/traces").then().statusCode(200);
        String verdict = log(traceId, "{\"assessment_name\": \"correctness\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/gpt-4o-mini\"}, "
                + "\"feedback\": {\"value\": \"yes\"}, \"rationale\": \"Names Paris.\"}");
        log(traceId, "{\"assessment_name\": \"correctness\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"ann@example.com\"}, "
                + "\"feedback\": {\"value\": \"no\"}, \"rationale\": \"Too short.\", \"overrides\": \"" + verdict + "\"}");
        log(traceId, "{\"assessment_name\": \"relevance\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/gpt-4o-mini\"}, "
                + "\"feedback\": {\"error\": {\"error_code\": \"RATE_LIMIT_EXCEEDED\", \"error_message\": \"429 after 3 retries\"}}}");

        String reader = TestSecurity.key("trace-page-reader", "read");
        try (BrowserContext context = browser.newContext(); Page page = context.newPage()) {
            page.navigate(base + "traces/" + traceId);
            assertTrue(page.url().contains("/login?next="), "the page asks for a sign-in first: " + page.url());
            page.fill("#key", reader);
            page.click("#sign-in");
            page.waitForSelector("#trace-id");
            assertTrue(page.url().endsWith("/traces/" + traceId), page.url());
            assertEquals(traceId, page.textContent("#trace-id"));
            assertTrue(page.textContent("#inputs").contains("What is <b>the</b> capital of France?"), "the request, as text");
            assertEquals("Paris.", page.textContent("#outputs").trim());

            // the spans as a tree: the retriever and the model call under the root, each with its type and timing
            assertEquals(1, page.locator("#spans > ul.spans > li.span").count(), "one root");
            String retriever = page.textContent("li.span[data-span=root] li.span[data-span=retrieve] summary");
            assertTrue(retriever.contains("search documents") && retriever.contains("RETRIEVER") && retriever.contains("+100 ms")
                    && retriever.contains("250 ms"), retriever);
            String llm = page.textContent("li.span[data-span=root] li.span[data-span=llm] summary");
            assertTrue(llm.contains("CHAT_MODEL") && llm.contains("1500 ms") && llm.contains("error"), llm);
            assertTrue(page.textContent("li.span[data-span=root] > details > summary").contains("2000 ms"));

            // every assessment: source, value or error, rationale, validity
            String judged = page.textContent("#assessments tr[data-assessment='" + verdict + "']");
            assertTrue(judged.contains("LLM_JUDGE") && judged.contains("openai:/gpt-4o-mini") && judged.contains("yes")
                    && judged.contains("Names Paris.") && judged.contains("no (overridden)"), judged);
            // the person's row (the judge's row names them too, as the one who overrode it)
            String people = page.locator("#assessments tr", new Page.LocatorOptions().setHas(
                    page.locator("td.source", new Page.LocatorOptions().setHasText("ann@example.com")))).textContent();
            assertTrue(people.contains("HUMAN") && people.contains("Too short.") && people.contains("yes"), people);
            String failed = page.locator("#assessments tr", new Page.LocatorOptions().setHasText("RATE_LIMIT_EXCEEDED")).textContent();
            assertTrue(failed.contains("429 after 3 retries"), failed);
            TestBrowser.assertAccessible(page);

            // the JSON behind the page opens in the same session
            page.click("#json-link");
            page.waitForLoadState();
            assertTrue(page.content().contains("\"trace_id\":\"" + traceId + "\""), "the trace's JSON: " + page.content());

            // reads only: the session cannot write through the JSON API, with or without a form
            APIResponse write = context.request().post(base + "api/3.0/mlflow/traces/" + traceId + "/assessments",
                    RequestOptions.create().setHeader("Content-Type", "application/json")
                            .setData("{\"assessment\": {\"assessment_name\": \"x\", \"feedback\": {\"value\": 1}}}"));
            assertEquals(401, write.status(), "the JSON API's writes take a bearer key only");
            APIResponse adminWrite = context.request().post(base + "api/admin/keys",
                    RequestOptions.create().setHeader("Content-Type", "application/json").setData("{\"name\": \"sneaky\", \"roles\": [\"admin\"]}"));
            assertEquals(401, adminWrite.status());
        }
    }

    @Test
    void anUnknownTraceIsAPageThatSaysSo() {
        String page = given().accept("text/html,application/xhtml+xml").get("/traces/tr-no-such-trace").then().statusCode(404)
                .contentType(org.hamcrest.Matchers.startsWith("text/html")).extract().asString();
        assertTrue(page.contains("Trace &#39;tr-no-such-trace&#39; does not exist") || page.contains("Trace 'tr-no-such-trace' does not exist"), page);
    }
}
