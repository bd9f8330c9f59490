package dev.tribunal.trace;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.tribunal.TestData.logAssessment;
import static dev.tribunal.TestData.uniqueTraceId;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Tribunal's own trace API: batch ingest, reads, filters and pagination. */
@QuarkusTest
class TraceApiTest {

    private static io.restassured.response.ValidatableResponse ingest(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/api/traces").then();
    }

    private static void assertProblem(io.restassured.response.ValidatableResponse response, int status, String detailPart) {
        response.statusCode(status)
                .contentType("application/problem+json")
                .body("status", equalTo(status))
                .body("detail", containsString(detailPart));
    }

    @Test
    void ingestStoresTraceSpansAndExpectations() {
        String id = uniqueTraceId();
        ingest("""
                {"traces": [{"trace_id": "%s",
                  "inputs": {"messages": [{"role": "user", "content": "What is the capital of France?"}]},
                  "outputs": {"content": "Paris."},
                  "expectations": {"expected_response": "Paris", "expected_facts": ["Paris is the capital"]},
                  "tags": {"env": "prod", "app": "geo-bot"}, "metadata": {"user": "u-1"},
                  "request_time": "2025-11-20T10:00:00Z", "execution_duration_ms": 850, "state": "OK",
                  "spans": [
                    {"span_id": "root", "name": "agent", "span_type": "AGENT", "start_time": "2025-11-20T10:00:00Z",
                     "end_time": "2025-11-20T10:00:00.850Z", "status": "OK", "inputs": "q", "outputs": "a"},
                    {"span_id": "ret", "parent_span_id": "root", "name": "search", "span_type": "retriever",
                     "start_time": "2025-11-20T10:00:00.100Z", "outputs": [{"page_content": "Paris is the capital of France."}],
                     "attributes": {"k": 3}}
                  ]}]}
                """.formatted(id))
                .statusCode(200)
                .body("trace_ids", contains(id))
                .body("created", contains(id))
                .body("already_existed", empty());

        given().when().get("/api/traces/" + id).then().statusCode(200)
                .body("trace_id", equalTo(id))
                .body("inputs.messages[0].content", equalTo("What is the capital of France?"))
                .body("outputs.content", equalTo("Paris."))
                .body("tags.env", equalTo("prod"))
                .body("metadata.user", equalTo("u-1"))
                .body("request_time", equalTo("2025-11-20T10:00:00Z"))
                .body("execution_duration_ms", equalTo(850))
                .body("state", equalTo("OK"))
                .body("spans", hasSize(2))
                .body("spans[0].span_id", equalTo("root"))
                .body("spans[0].span_type", equalTo("AGENT"))
                .body("spans[0].end_time", equalTo("2025-11-20T10:00:00.850Z"))
                .body("spans[1].parent_span_id", equalTo("root"))
                .body("spans[1].span_type", equalTo("RETRIEVER"))
                .body("spans[1].status", equalTo("UNSET"))
                .body("spans[1].outputs[0].page_content", equalTo("Paris is the capital of France."))
                .body("spans[1].attributes.k", equalTo(3))
                .body("assessments", hasSize(2))
                .body("assessments.assessment_name", hasItem("expected_response"))
                .body("assessments.source.source_type", everyItemIs("HUMAN"))
                .body("assessments.find { it.assessment_name == 'expected_response' }.expectation.value", equalTo("Paris"))
                .body("assessments.find { it.assessment_name == 'expected_facts' }.expectation.serialized_value.value",
                        equalTo("[\"Paris is the capital\"]"));
    }

    private static org.hamcrest.Matcher<Iterable<? extends Object>> everyItemIs(String value) {
        return org.hamcrest.Matchers.everyItem(equalTo(value));
    }

    @Test
    void expectationSourceCanBeGiven() {
        String id = uniqueTraceId();
        ingest("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"q\", \"expectations\": {\"is_correct\": true},"
                + " \"expectation_source\": {\"source_type\": \"CODE\", \"source_id\": \"golden-set-v2\"}}]}").statusCode(200);
        given().when().get("/api/traces/" + id).then()
                .body("assessments[0].source.source_type", equalTo("CODE"))
                .body("assessments[0].source.source_id", equalTo("golden-set-v2"))
                .body("assessments[0].expectation.value", equalTo(true));
    }

    @Test
    void traceIdIsGeneratedInMlflowFormatWhenAbsent() {
        String id = ingest("{\"traces\": [{\"inputs\": \"hello\"}]}").statusCode(200)
                .body("trace_ids[0]", matchesPattern("tr-[0-9a-f]{32}"))
                .extract().path("trace_ids[0]");
        given().when().get("/api/traces/" + id).then().statusCode(200)
                .body("inputs", equalTo("hello"))
                .body("state", equalTo("OK"))
                .body("$", not(hasKey("outputs")));
    }

    @Test
    void resendingATraceIsIdempotent() {
        String id = uniqueTraceId();
        String body = "{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"q\", \"outputs\": \"first\","
                + " \"expectations\": {\"expected_response\": \"a\"}, \"spans\": [{\"span_id\": \"s\", \"name\": \"n\"}]}]}";
        ingest(body).statusCode(200).body("created", contains(id));
        ingest(body.replace("first", "second")).statusCode(200)
                .body("trace_ids", contains(id))
                .body("created", empty())
                .body("already_existed", contains(id));
        given().when().get("/api/traces/" + id).then()
                .body("outputs", equalTo("first"))
                .body("assessments", hasSize(1))
                .body("spans", hasSize(1));

        String fresh = uniqueTraceId();
        ingest("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"q\"}, {\"trace_id\": \"" + fresh + "\", \"inputs\": \"q\"}]}")
                .statusCode(200)
                .body("trace_ids", contains(id, fresh))
                .body("created", contains(fresh))
                .body("already_existed", contains(id));
    }

    @Test
    void concurrentResendsStoreOneTrace() throws Exception {
        String id = uniqueTraceId();
        String body = "{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"q\", \"expectations\": {\"e\": 1}}]}";
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<CompletableFuture<JsonPath>> calls = IntStream.range(0, 8)
                    .mapToObj(i -> CompletableFuture.supplyAsync(() -> ingest(body).statusCode(200).extract().jsonPath(), pool))
                    .toList();
            long created = 0;
            for (CompletableFuture<JsonPath> call : calls) {
                created += call.get().getList("created").size();
            }
            assertEquals(1, created);
        } finally {
            pool.shutdown();
        }
        given().when().get("/api/traces/" + id).then().statusCode(200).body("assessments", hasSize(1));
    }

    @Test
    void aBadTraceRejectsTheWholeBatch() {
        String good = uniqueTraceId();
        assertProblem(ingest("{\"traces\": [{\"trace_id\": \"" + good + "\", \"inputs\": \"q\"},"
                + " {\"inputs\": \"q\", \"spans\": [{\"span_id\": \"s\"}]}]}"), 400, "traces[1].spans[0].name is required");
        given().when().get("/api/traces/" + good).then().statusCode(404);
    }

    @Test
    void batchRulesAreEnforced() {
        assertProblem(ingest("{\"traces\": []}"), 400, "1 to 1000");
        assertProblem(ingest("{}"), 400, "1 to 1000");
        String many = IntStream.range(0, 1001).mapToObj(i -> "{\"inputs\": " + i + "}").collect(Collectors.joining(",", "{\"traces\": [", "]}"));
        assertProblem(ingest(many), 400, "at most 1000");
        String dup = uniqueTraceId();
        assertProblem(ingest("{\"traces\": [{\"trace_id\": \"" + dup + "\", \"inputs\": 1}, {\"trace_id\": \"" + dup + "\", \"inputs\": 2}]}"),
                400, "appears twice");
        assertProblem(ingest("{\"traces\": [{\"outputs\": \"a\"}]}"), 400, "traces[0].inputs is required");
        assertProblem(ingest("{\"traces\": [{\"inputs\": 1, \"state\": \"DONE\"}]}"), 400, "traces[0].state");
        assertProblem(ingest("{\"traces\": [{\"trace_id\": \"has space\", \"inputs\": 1}]}"), 400, "traces[0].trace_id");
        assertProblem(ingest("{\"traces\": [{\"inputs\": 1, \"tags\": {\"k\": \"" + "v".repeat(4097) + "\"}}]}"), 400, "traces[0].tags.k");
        assertProblem(ingest("{\"traces\": [{\"inputs\": 1, \"expectations\": {\"e\": null}}]}"), 400, "expectations.e");
        assertProblem(ingest("{\"traces\": [{\"inputs\": 1, \"spans\": [{\"span_id\": \"a\", \"name\": \"x\"}, {\"span_id\": \"a\", \"name\": \"y\"}]}]}"),
                400, "appears twice in the trace");
        assertProblem(ingest("{\"traces\": [{\"inputs\": 1, \"spans\": [{\"name\": \"x\", \"status\": \"MAYBE\"}]}]}"), 400, "status");
        assertProblem(ingest("{\"traces\": [{\"inputs\": 1, \"spans\": [{\"name\": \"x\", \"start_time\": \"2025-01-02T00:00:00Z\", \"end_time\": \"2025-01-01T00:00:00Z\"}]}]}"),
                400, "before its start_time");
        assertProblem(ingest("{\"traces\": [{\"inputs\": 1, \"execution_duration_ms\": -1}]}"), 400, "execution_duration_ms");
    }

    @Test
    void wrongJsonTypesAreA400NamingTheField() {
        assertProblem(ingest("{\"traces\": [{\"inputs\": 1, \"request_time\": \"yesterday\"}]}"), 400, "traces[0].request_time");
        assertProblem(ingest("{\"traces\": [{\"inputs\": 1, \"tags\": {\"k\": 5}}]}"), 400, "traces[0].tags.k");
        assertProblem(ingest("{\"traces\": [{\"inputs\": 1, \"execution_duration_ms\": \"fast\"}]}"), 400, "execution_duration_ms");
        assertProblem(ingest("{\"traces\": {\"inputs\": 1}}"), 400, "traces");
        assertProblem(ingest("[1, 2]"), 400, "");
    }

    @Test
    void unknownTraceIs404ProblemJson() {
        assertProblem(given().when().get("/api/traces/tr-nope").then(), 404, "tr-nope");
    }

    @Test
    void listIsNewestFirstWithCursorPagination() {
        String run = UUID.randomUUID().toString();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = uniqueTraceId();
            ids.add(id);
            ingest("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": " + i + ", \"tags\": {\"run\": \"" + run + "\"},"
                    + " \"request_time\": \"2025-06-0" + (i + 1) + "T00:00:00Z\"}]}").statusCode(200);
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            var request = given().queryParam("tag", "run=" + run).queryParam("max_results", 2);
            if (token != null) {
                request.queryParam("page_token", token);
            }
            JsonPath page = request.when().get("/api/traces").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("traces.trace_id"));
            token = page.getString("next_page_token");
            pages++;
        } while (token != null && pages < 10);
        assertEquals(3, pages);
        assertEquals(List.of(ids.get(4), ids.get(3), ids.get(2), ids.get(1), ids.get(0)), seen);

        given().queryParam("tag", "run=" + run).queryParam("max_results", 5)
                .when().get("/api/traces").then().statusCode(200)
                .body("traces", hasSize(5))
                .body("$", not(hasKey("next_page_token")))
                .body("traces[0]", not(hasKey("spans")));
    }

    @Test
    void listFiltersByTimeTagsAndAssessments() {
        String run = UUID.randomUUID().toString();
        String judged = uniqueTraceId();
        String unjudged = uniqueTraceId();
        String other = uniqueTraceId();
        ingest("""
                {"traces": [
                  {"trace_id": "%s", "inputs": 1, "tags": {"run": "%s", "env": "prod"}, "request_time": "2025-03-01T00:00:00Z"},
                  {"trace_id": "%s", "inputs": 2, "tags": {"run": "%s", "env": "prod"}, "request_time": "2025-03-02T00:00:00Z"},
                  {"trace_id": "%s", "inputs": 3, "tags": {"run": "%s", "env": "dev"}, "request_time": "2025-03-03T00:00:00Z"}]}
                """.formatted(judged, run, unjudged, run, other, run)).statusCode(200);
        logAssessment(judged, "{\"assessment_name\": \"correctness\", \"feedback\": {\"value\": \"yes\"}}");

        given().queryParam("tag", "run=" + run).queryParam("tag", "env=prod").when().get("/api/traces").then()
                .body("traces.trace_id", contains(unjudged, judged));
        given().queryParam("tag", "run=" + run).queryParam("has_assessment", "correctness").when().get("/api/traces").then()
                .body("traces.trace_id", contains(judged))
                .body("traces[0].assessments[0].feedback.value", equalTo("yes"));
        given().queryParam("tag", "run=" + run).queryParam("lacks_assessment", "correctness").when().get("/api/traces").then()
                .body("traces.trace_id", contains(other, unjudged));
        // several names: every one present, or every one absent
        logAssessment(judged, "{\"assessment_name\": \"relevance\", \"feedback\": {\"value\": \"yes\"}}");
        logAssessment(unjudged, "{\"assessment_name\": \"relevance\", \"feedback\": {\"value\": \"no\"}}");
        given().queryParam("tag", "run=" + run).queryParam("has_assessment", "correctness").queryParam("has_assessment", "relevance")
                .when().get("/api/traces").then().body("traces.trace_id", contains(judged));
        given().queryParam("tag", "run=" + run).queryParam("has_assessment", "relevance").queryParam("has_assessment", "relevance")
                .when().get("/api/traces").then().body("traces.trace_id", contains(unjudged, judged));
        given().queryParam("tag", "run=" + run).queryParam("has_assessment", "correctness").queryParam("has_assessment", "safety")
                .when().get("/api/traces").then().body("traces", hasSize(0));
        given().queryParam("tag", "run=" + run).queryParam("lacks_assessment", "correctness").queryParam("lacks_assessment", "relevance")
                .when().get("/api/traces").then().body("traces.trace_id", contains(other));
        given().queryParam("tag", "run=" + run).queryParam("tag", "env=prod").queryParam("has_assessment", "relevance")
                .queryParam("lacks_assessment", "correctness").when().get("/api/traces").then().body("traces.trace_id", contains(unjudged));
        given().queryParam("tag", "run=" + run).queryParam("start_time", "2025-03-02T00:00:00Z")
                .queryParam("end_time", "2025-03-03T00:00:00Z").when().get("/api/traces").then()
                .body("traces.trace_id", contains(unjudged));
        given().queryParam("tag", "run=" + run).queryParam("start_time", "2025-03-02T01:00:00+01:00").when().get("/api/traces").then()
                .body("traces.trace_id", contains(other, unjudged));
    }

    /** The documented limits of an ingest: 1,000 traces in one request, with as many spans as fit in the 10M body. */
    @Test
    void aThousandTracesWithManySpansEachAreStoredInOneRequest() {
        String run = UUID.randomUUID().toString();
        int spansPerTrace = 75;
        StringBuilder body = new StringBuilder("{\"traces\": [");
        List<String> ids = new java.util.ArrayList<>();
        for (int t = 0; t < 1000; t++) {
            String id = uniqueTraceId();
            ids.add(id);
            body.append(t == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": {\"question\": \"q").append(t)
                    .append("\"}, \"outputs\": \"a\", \"tags\": {\"run\": \"").append(run).append("\"}, \"spans\": [");
            for (int s = 0; s < spansPerTrace; s++) {
                body.append(s == 0 ? "" : ",").append("{\"span_id\": \"s").append(s).append("\"")
                        .append(s == 0 ? "" : ", \"parent_span_id\": \"s0\"").append(", \"name\": \"step ").append(s)
                        .append("\", \"span_type\": \"TOOL\", \"inputs\": {\"n\": ").append(s).append("}, \"outputs\": \"done\"}");
            }
            body.append("]}");
        }
        body.append("]}");
        assertTrue(body.length() > 8_000_000 && body.length() < 10 * 1024 * 1024, "within the 10M body: " + body.length());
        // a machine shared with other builds may take longer than the usual 30 s read timeout; the time is printed
        io.restassured.config.RestAssuredConfig patient = io.restassured.RestAssured.config().httpClient(
                io.restassured.config.HttpClientConfig.httpClientConfig().setParam("http.socket.timeout", 180_000));
        long started = System.nanoTime();
        given().config(patient).contentType(ContentType.JSON).body(body.toString()).when().post("/api/traces").then().statusCode(200)
                .body("created", hasSize(1000));
        System.out.printf("1,000 traces of %d spans (%,d bytes) ingested in %d ms%n", spansPerTrace, body.length(),
                (System.nanoTime() - started) / 1_000_000);
        given().when().get("/api/traces/" + ids.get(999)).then().statusCode(200).body("spans", hasSize(spansPerTrace));
        given().queryParam("tag", "run=" + run).queryParam("max_results", 1000).when().get("/api/traces").then().statusCode(200)
                .body("traces", hasSize(1000));
        // sent again, every one is found to exist already
        given().config(patient).contentType(ContentType.JSON).body(body.toString()).when().post("/api/traces").then().statusCode(200)
                .body("created", hasSize(0)).body("already_existed", hasSize(1000));
    }

    @Test
    void listParametersAreValidated() {
        assertProblem(given().queryParam("max_results", 0).when().get("/api/traces").then(), 400, "max_results");
        assertProblem(given().queryParam("max_results", 1001).when().get("/api/traces").then(), 400, "max_results");
        assertProblem(given().queryParam("max_results", "ten").when().get("/api/traces").then(), 400, "max_results");
        assertProblem(given().queryParam("page_token", "garbage!").when().get("/api/traces").then(), 400, "page_token");
        assertProblem(given().queryParam("start_time", "last week").when().get("/api/traces").then(), 400, "start_time");
        assertProblem(given().queryParam("tag", "novalue").when().get("/api/traces").then(), 400, "key=value");
        given().queryParam("max_results", 1000).when().get("/api/traces").then().statusCode(200);
    }

    @Test
    void noTokenOnTheLastPage() {
        String run = UUID.randomUUID().toString();
        ingest("{\"traces\": [{\"inputs\": 1, \"tags\": {\"run\": \"" + run + "\"}}]}").statusCode(200);
        JsonPath page = given().queryParam("tag", "run=" + run).when().get("/api/traces").then().extract().jsonPath();
        assertEquals(1, page.getList("traces").size());
        assertNull(page.get("next_page_token"));
    }
}
