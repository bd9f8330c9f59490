package dev.tribunal.mlflow;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What MLflow 3.6's client does after it logged feedback: {@code mlflow.get_trace} reads the trace info, sees from its
 * tag {@code mlflow.trace.spansLocation} that the spans are in the tracking store, and fetches them by
 * {@code batchGet} (10 ids a call, repeated {@code trace_ids} query parameters). The answers are checked as MLflow's
 * proto JSON parser reads them: OpenTelemetry spans with base64 ids, nanosecond times as strings, status codes by name,
 * attributes holding JSON text.
 */
@QuarkusTest
class MlflowReadBackTest {

    private static String newTraceId() {
        return "tr-" + UUID.randomUUID().toString().replace("-", "");
    }

    private static Map<String, String> attributes(Map<String, Object> span) {
        Map<String, String> found = new java.util.HashMap<>();
        for (Object a : (List<?>) span.get("attributes")) {
            Map<?, ?> kv = (Map<?, ?>) a;
            found.put((String) kv.get("key"), (String) ((Map<?, ?>) kv.get("value")).get("string_value"));
        }
        return found;
    }

    @Test
    void getTraceFindsItsSpansInTheTrackingStore() {
        String withSpans = newTraceId();
        String without = "my-own-id-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body("""
                {"traces": [
                  {"trace_id": "%s", "inputs": {"question": "Capital of France?"}, "outputs": "Paris.",
                   "request_time": "2026-12-01T10:00:00Z", "execution_duration_ms": 850, "state": "OK", "tags": {"mlflow.traceName": "agent"},
                   "spans": [
                     {"span_id": "00f067aa0ba902b7", "name": "agent", "span_type": "AGENT", "start_time": "2026-12-01T10:00:00Z",
                      "end_time": "2026-12-01T10:00:00.850Z", "status": "OK"},
                     {"span_id": "retrieve", "parent_span_id": "00f067aa0ba902b7", "name": "search", "span_type": "RETRIEVER",
                      "start_time": "2026-12-01T10:00:00.100Z", "outputs": [{"page_content": "Paris is the capital."}], "attributes": {"k": 3}}
                   ]},
                  {"trace_id": "%s", "inputs": "Hello", "outputs": {"text": "Hi"}, "request_time": "2026-12-01T11:00:00Z",
                   "execution_duration_ms": 20, "state": "ERROR"}
                ]}""".formatted(withSpans, without)).post("/api/traces").then().statusCode(200);

        // the trace info says where the spans are, and which experiment holds the trace
        JsonPath info = given().get("/api/3.0/mlflow/traces/" + withSpans).then().statusCode(200).extract().jsonPath();
        assertEquals("TRACKING_STORE", info.getString("trace.trace_info.tags.'mlflow.trace.spansLocation'"));
        assertEquals("MLFLOW_EXPERIMENT", info.getString("trace.trace_info.trace_location.type"));
        assertEquals("0", info.getString("trace.trace_info.trace_location.mlflow_experiment.experiment_id"));

        JsonPath batch = given().queryParam("trace_ids", withSpans).queryParam("trace_ids", without).queryParam("trace_ids", "tr-nowhere")
                .get("/api/3.0/mlflow/traces/batchGet").then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
        assertEquals(List.of(withSpans, without), batch.getList("traces.trace_info.trace_id"), "ids naming no trace are left out");

        List<Map<String, Object>> spans = batch.getList("traces[0].spans");
        assertEquals(2, spans.size());
        Map<String, Object> root = spans.get(0);
        assertEquals("00f067aa0ba902b7", HexFormat.of().formatHex(Base64.getDecoder().decode((String) root.get("span_id"))));
        assertEquals(withSpans.substring(3), HexFormat.of().formatHex(Base64.getDecoder().decode((String) root.get("trace_id"))));
        assertNull(root.get("parent_span_id"), "the root has no parent");
        assertEquals(Long.toString(Instant.parse("2026-12-01T10:00:00Z").getEpochSecond() * 1_000_000_000L), root.get("start_time_unix_nano"));
        assertEquals(Long.toString(Instant.parse("2026-12-01T10:00:00.850Z").toEpochMilli() * 1_000_000L), root.get("end_time_unix_nano"));
        assertEquals("STATUS_CODE_OK", ((Map<?, ?>) root.get("status")).get("code"));
        Map<String, String> rootAttributes = attributes(root);
        // every attribute holds JSON, as MLflow writes its own; the root shows the trace's request and response
        assertEquals("\"" + withSpans + "\"", rootAttributes.get("mlflow.traceRequestId"));
        assertEquals("\"AGENT\"", rootAttributes.get("mlflow.spanType"));
        assertEquals(Map.of("question", "Capital of France?"), io.restassured.path.json.JsonPath.from(rootAttributes.get("mlflow.spanInputs"))
                .getMap("$"));
        assertEquals("\"Paris.\"", rootAttributes.get("mlflow.spanOutputs"));
        Map<String, Object> child = spans.get(1);
        assertEquals(8, Base64.getDecoder().decode((String) child.get("span_id")).length, "an id of another form is given 8 bytes");
        assertEquals(root.get("span_id"), child.get("parent_span_id"));
        assertEquals("STATUS_CODE_UNSET", ((Map<?, ?>) child.get("status")).get("code"));
        assertEquals("3", attributes(child).get("k"));
        assertTrue(attributes(child).get("mlflow.spanOutputs").contains("Paris is the capital."));

        // a trace sent without spans has one root span holding its request and response
        List<Map<String, Object>> made = batch.getList("traces[1].spans");
        assertEquals(1, made.size());
        Map<String, String> madeAttributes = attributes(made.get(0));
        assertEquals("\"" + without + "\"", madeAttributes.get("mlflow.traceRequestId"), "MLflow keeps the trace's own id");
        assertEquals("\"Hello\"", madeAttributes.get("mlflow.spanInputs"));
        assertEquals(Map.of("text", "Hi"), JsonPath.from(madeAttributes.get("mlflow.spanOutputs")).getMap("$"));
        assertEquals("STATUS_CODE_ERROR", ((Map<?, ?>) made.get(0).get("status")).get("code"));
        assertEquals(16, Base64.getDecoder().decode((String) made.get(0).get("trace_id")).length);

        // GetTrace: one trace with its spans
        given().queryParam("trace_id", withSpans).get("/api/3.0/mlflow/traces/get").then().statusCode(200)
                .body("trace.trace_info.trace_id", equalTo(withSpans))
                .body("trace.spans.size()", equalTo(2));
        given().queryParam("trace_id", "tr-nowhere").get("/api/3.0/mlflow/traces/get").then().statusCode(404)
                .body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        given().get("/api/3.0/mlflow/traces/batchGet").then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"))
                .body("message", containsString("trace_ids is required"));
    }

    private static JsonPath search(String filter, int maxResults, String orderBy, String token) {
        String body = "{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": {\"experiment_id\": \"0\"}}], "
                + "\"filter\": \"" + filter.replace("\"", "\\\"") + "\", \"max_results\": " + maxResults
                + (orderBy == null ? "" : ", \"order_by\": [\"" + orderBy + "\"]") + (token == null ? "" : ", \"page_token\": \"" + token + "\"") + "}";
        return given().contentType(ContentType.JSON).body(body).post("/api/3.0/mlflow/traces/search").then().statusCode(200)
                .contentType(ContentType.JSON).extract().jsonPath();
    }

    /** Every page of a search, as MLflow's client reads them: until the token is empty. */
    private static List<Map<String, Object>> searchAll(String filter, int maxResults, String orderBy) {
        List<Map<String, Object>> all = new java.util.ArrayList<>();
        String token = null;
        int pages = 0;
        do {
            JsonPath page = search(filter, maxResults, orderBy, token);
            all.addAll(page.getList("traces"));
            token = page.getString("next_page_token");
            assertTrue(++pages < 20, "paging ends");
        } while (token != null && !token.isEmpty());
        return all;
    }

    @Test
    void searchTracesPagesThroughWhatItsFilterSelects() {
        String suite = UUID.randomUUID().toString();
        StringBuilder traces = new StringBuilder();
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String id = newTraceId();
            ids.add(id);
            traces.append(i == 0 ? "" : ",").append("""
                    {"trace_id": "%s", "inputs": "q%d", "outputs": "Paris", "expectations": {"expected_response": "Paris"},
                     "request_time": "2026-12-01T10:0%d:00Z", "execution_duration_ms": %d, "state": "%s",
                     "tags": {"suite": "%s"}, "metadata": {%s}}""".formatted(id, i, i, 100 * (5 - i), i == 4 ? "ERROR" : "OK", suite,
                    i < 3 ? "\"mlflow.sourceRun\": \"run-" + suite + "\"" : ""));
        }
        given().contentType(ContentType.JSON).body("{\"traces\": [" + traces + "]}").post("/api/traces").then().statusCode(200);
        // one of them judged by a Tribunal run: its row carries the judge's assessment
        String run = dev.tribunal.run.RunTestSupport.startRun(List.of("exact_match"), List.of(ids.get(2)), null);
        dev.tribunal.run.RunTestSupport.awaitCompleted(run, java.time.Duration.ofSeconds(60));

        List<Map<String, Object>> all = searchAll("tags.suite = '" + suite + "'", 2, null);
        assertEquals(List.of(ids.get(4), ids.get(3), ids.get(2), ids.get(1), ids.get(0)), all.stream().map(t -> t.get("trace_id")).toList(),
                "newest first, every page read once");
        assertTrue(all.stream().allMatch(t -> "TRACKING_STORE".equals(((Map<?, ?>) t.get("tags")).get("mlflow.trace.spansLocation"))));
        Map<String, Object> judged = all.get(2);
        assertTrue(((List<?>) judged.get("assessments")).stream().anyMatch(a -> "exact_match".equals(((Map<?, ?>) a).get("assessment_name"))
                && "CODE".equals(((Map<?, ?>) ((Map<?, ?>) a).get("source")).get("source_type"))
                && Boolean.TRUE.equals(((Map<?, ?>) ((Map<?, ?>) a).get("feedback")).get("value"))), String.valueOf(judged.get("assessments")));

        assertEquals(List.of(ids.get(0), ids.get(1), ids.get(2)), searchAll("tags.`suite` = '" + suite + "' AND attribute.run_id = 'run-"
                + suite + "'", 100, "timestamp_ms ASC").stream().map(t -> t.get("trace_id")).toList());
        assertEquals(List.of(ids.get(4)), searchAll("tags.suite = '" + suite + "' and attributes.status = 'ERROR'", 100, null).stream()
                .map(t -> t.get("trace_id")).toList());
        long third = Instant.parse("2026-12-01T10:02:00Z").toEpochMilli();
        assertEquals(List.of(ids.get(1), ids.get(0)), searchAll("tags.suite = '" + suite + "' AND timestamp_ms < " + third, 100, null)
                .stream().map(t -> t.get("trace_id")).toList());
        assertEquals(List.of(ids.get(4), ids.get(3)), searchAll("tags.suite LIKE '" + suite.substring(0, 8) + "%' AND execution_time_ms <= 200",
                100, "execution_time_ms ASC").stream().map(t -> t.get("trace_id")).toList());
        assertEquals(List.of(), search("tags.suite = 'no-such-suite'", 10, null, null).getList("traces"));

        // what Tribunal cannot evaluate is refused, naming it
        given().contentType(ContentType.JSON).body("{\"filter\": \"span.name = 'llm'\"}").post("/api/3.0/mlflow/traces/search").then()
                .statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE")).body("message", containsString("span.name"));
        given().contentType(ContentType.JSON).body("{\"filter\": \"tags.a = 'x' OR tags.b = 'y'\"}").post("/api/3.0/mlflow/traces/search")
                .then().statusCode(400).body("message", containsString("AND only"));
        given().contentType(ContentType.JSON).body("{\"filter\": \"timestamp_ms > 'yesterday'\"}").post("/api/3.0/mlflow/traces/search")
                .then().statusCode(400).body("message", containsString("whole number of milliseconds"));
        given().contentType(ContentType.JSON).body("{\"order_by\": [\"name\"]}").post("/api/3.0/mlflow/traces/search").then().statusCode(400);
        given().contentType(ContentType.JSON).body("{\"page_token\": \"forged\"}").post("/api/3.0/mlflow/traces/search").then()
                .statusCode(400).body("message", containsString("page_token"));
        given().contentType(ContentType.JSON).body("{\"max_results\": 501}").post("/api/3.0/mlflow/traces/search").then().statusCode(400);
    }

    @Test
    void theVersionAndErrorsAreMlflowsOwn() {
        given().get("/version").then().statusCode(200).contentType(ContentType.TEXT).body(equalTo("3.6.0"));
        given().auth().none().header("Authorization", "Bearer nope").get("/version").then().statusCode(401)
                .body("error_code", equalTo("UNAUTHENTICATED"));
        // the client falls back to v2 paths on ENDPOINT_NOT_FOUND, in MLflow's format
        given().get("/api/2.0/mlflow/traces").then().statusCode(404).contentType(ContentType.JSON)
                .body("error_code", equalTo("ENDPOINT_NOT_FOUND"))
                .body("message", containsString("/api/2.0/mlflow/traces"));
        given().contentType(ContentType.JSON).body("{}").post("/api/2.0/mlflow/runs/nothing").then().statusCode(404)
                .body("error_code", equalTo("ENDPOINT_NOT_FOUND"));
    }
}
