package dev.tribunal.mlflow;

import dev.tribunal.TestSecurity;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HexFormat;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * An application traced with {@code @mlflow.trace}, its tracking URI at Tribunal: MLflow's exporter sends each ended span
 * to {@code /v1/traces} with {@code x-mlflow-experiment-id}, and at the root's end StartTraceV3 with the trace info.
 * Either may arrive first; the trace ends up whole either way.
 */
@QuarkusTest
class MlflowTracingTest {

    private static final Instant START = Instant.parse("2026-12-02T09:00:00Z");

    private static io.opentelemetry.proto.common.v1.KeyValue attribute(String key, String json) {
        return io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey(key)
                .setValue(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue(json)).build();
    }

    /**
     * The root span as MLflow's exporter sends it: OTLP protobuf to /v1/traces, the experiment in x-mlflow-experiment-id,
     * each MLflow attribute a string of JSON.
     */
    private static void exportRoot(String key, String hex, String experiment) {
        long start = START.getEpochSecond() * 1_000_000_000L;
        io.opentelemetry.proto.trace.v1.Span span = io.opentelemetry.proto.trace.v1.Span.newBuilder()
                .setTraceId(com.google.protobuf.ByteString.copyFrom(HexFormat.of().parseHex(hex)))
                .setSpanId(com.google.protobuf.ByteString.copyFrom(HexFormat.of().parseHex("00f067aa0ba902b7")))
                .setName("predict").setKind(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_INTERNAL)
                .setStartTimeUnixNano(start).setEndTimeUnixNano(start + 1_500_000_000L)
                .setStatus(io.opentelemetry.proto.trace.v1.Status.newBuilder().setCode(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_OK))
                .addAttributes(attribute("mlflow.traceRequestId", "\"tr-" + hex + "\""))
                .addAttributes(attribute("mlflow.spanType", "\"CHAIN\""))
                .addAttributes(attribute("mlflow.spanInputs", "{\"question\": \"What is the capital of France? " + "x".repeat(1200) + "\"}"))
                .addAttributes(attribute("mlflow.spanOutputs", "\"Paris is the capital of France.\""))
                .build();
        io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest export = io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest
                .newBuilder().addResourceSpans(io.opentelemetry.proto.trace.v1.ResourceSpans.newBuilder()
                        .setResource(io.opentelemetry.proto.resource.v1.Resource.newBuilder()
                                .addAttributes(io.opentelemetry.proto.common.v1.KeyValue.newBuilder().setKey("service.name")
                                        .setValue(io.opentelemetry.proto.common.v1.AnyValue.newBuilder().setStringValue("qa-app"))))
                        .addScopeSpans(io.opentelemetry.proto.trace.v1.ScopeSpans.newBuilder()
                                .setScope(io.opentelemetry.proto.common.v1.InstrumentationScope.newBuilder().setName("mlflow.tracing"))
                                .addSpans(span)))
                .build();
        given().header("Authorization", "Bearer " + key).header("x-mlflow-experiment-id", experiment)
                .contentType("application/x-protobuf").body(export.toByteArray()).post("/v1/traces").then().statusCode(200);
    }

    /** StartTraceV3 as MLflow's client sends it; the previews are cut as the client cuts them. */
    private static JsonPath startTrace(String key, String hex, String experiment) {
        String body = """
                {"trace": {"trace_info": {"trace_id": "tr-%s",
                  "trace_location": {"type": "MLFLOW_EXPERIMENT", "mlflow_experiment": {"experiment_id": "%s"}},
                  "request_preview": "{\\"question\\": \\"What is the capital of France? xxxx",
                  "response_preview": "\\"Paris is the capital of France.\\"",
                  "request_time": "2026-12-02T09:00:00Z", "execution_duration": "1.500s", "state": "OK",
                  "trace_metadata": {"mlflow.trace_schema.version": "3", "mlflow.traceInputs": "{\\"question\\": ...}", "mlflow.user": "ana"},
                  "tags": {"mlflow.traceName": "predict", "mlflow.artifactLocation": "mlflow-artifacts:/0/traces/tr-%s/artifacts"}}}}"""
                .formatted(hex, experiment, hex);
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body(body)
                .post("/api/3.0/mlflow/traces").then().statusCode(200).contentType(ContentType.JSON).extract().jsonPath();
    }

    private static void assertWhole(String traceId, String experiment) {
        JsonPath trace = given().get("/api/traces/" + traceId).then().statusCode(200).extract().jsonPath();
        // the root span's whole request, not the preview's first characters
        assertEquals("What is the capital of France? " + "x".repeat(1200), trace.getString("inputs.question"));
        assertEquals("Paris is the capital of France.", trace.getString("outputs"));
        assertEquals("OK", trace.getString("state"));
        assertEquals(1500, trace.getInt("execution_duration_ms"));
        assertEquals("predict", trace.getString("tags.'mlflow.traceName'"));
        assertEquals("ana", trace.getString("metadata.'mlflow.user'"));
        JsonPath info = given().get("/api/3.0/mlflow/traces/" + traceId).then().statusCode(200).extract().jsonPath();
        assertEquals(experiment, info.getString("trace.trace_info.trace_location.mlflow_experiment.experiment_id"));
        assertEquals("TRACKING_STORE", info.getString("trace.trace_info.tags.'mlflow.trace.spansLocation'"));
        assertEquals(1, given().queryParam("trace_ids", traceId).get("/api/3.0/mlflow/traces/batchGet").then().statusCode(200)
                .extract().jsonPath().getList("traces[0].spans").size());
    }

    @Test
    void spansThenTraceInfo() {
        String key = TestSecurity.key("mlflow-app-1", "ingest");
        String hex = HexFormat.of().formatHex(UUID.randomUUID().toString().replace("-", "").getBytes(), 0, 16);
        exportRoot(key, hex, "7");
        JsonPath answer = startTrace(key, hex, "7");
        assertEquals("tr-" + hex, answer.getString("trace.trace_info.trace_id"));
        assertEquals("TRACKING_STORE", answer.getString("trace.trace_info.tags.'mlflow.trace.spansLocation'"));
        assertWhole("tr-" + hex, "7");

        // judged by a Tribunal run, it comes back through search_traces with the judge's verdict in its row
        String traceId = "tr-" + hex;
        given().contentType(ContentType.JSON).body("{\"assessment\": {\"assessment_name\": \"expected_response\", \"expectation\": "
                + "{\"value\": \"Paris is the capital of France.\"}}}").post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(200);
        String run = dev.tribunal.run.RunTestSupport.startRun(java.util.List.of("exact_match"), java.util.List.of(traceId), null);
        dev.tribunal.run.RunTestSupport.awaitCompleted(run, java.time.Duration.ofSeconds(60));
        JsonPath found = given().contentType(ContentType.JSON).body("{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", \"mlflow_experiment\": "
                + "{\"experiment_id\": \"7\"}}], \"filter\": \"attributes.trace_id = '" + traceId + "'\", \"max_results\": 100}")
                .post("/api/3.0/mlflow/traces/search").then().statusCode(200).extract().jsonPath();
        assertEquals(java.util.List.of(traceId), found.getList("traces.trace_id"));
        assertEquals(Boolean.TRUE, found.get("traces[0].assessments.find { it.assessment_name == 'exact_match' }.feedback.value"));
        // another experiment's search does not see it
        assertEquals(java.util.List.of(), given().contentType(ContentType.JSON).body("{\"locations\": [{\"type\": \"MLFLOW_EXPERIMENT\", "
                + "\"mlflow_experiment\": {\"experiment_id\": \"0\"}}], \"filter\": \"attributes.trace_id = '" + traceId + "'\"}")
                .post("/api/3.0/mlflow/traces/search").then().statusCode(200).extract().jsonPath().getList("traces"));
    }

    @Test
    void traceInfoThenSpans() {
        String key = TestSecurity.key("mlflow-app-2", "ingest");
        String hex = HexFormat.of().formatHex(UUID.randomUUID().toString().replace("-", "").getBytes(), 0, 16);
        startTrace(key, hex, "0");
        exportRoot(key, hex, "0");
        assertWhole("tr-" + hex, "0");
    }

    @Test
    void assessmentsLoggedDuringTheTraceComeWithItsInfo() {
        String key = TestSecurity.key("mlflow-app-4", "ingest", "judge");
        String hex = HexFormat.of().formatHex(UUID.randomUUID().toString().replace("-", "").getBytes(), 0, 16);
        String body = """
                {"trace": {"trace_info": {"trace_id": "tr-%s", "request_time": "2026-12-02T09:00:00Z", "execution_duration": "0.100s",
                  "state": "OK", "request_preview": "\\"hi\\"", "response_preview": "\\"hello\\"",
                  "assessments": [
                    {"assessment_name": "polite", "trace_id": "tr-%s", "source": {"source_type": "CODE", "source_id": "polite_check"},
                     "create_time": "2026-12-02T09:00:00.050Z", "last_update_time": "2026-12-02T09:00:00.050Z",
                     "feedback": {"value": true}, "rationale": "Says hello.", "valid": true},
                    {"assessment_name": "polite", "trace_id": "tr-%s", "source": {"source_type": "HUMAN", "source_id": "bob"},
                     "feedback": {"value": false}}
                  ]}}}""".formatted(hex, hex, hex);
        given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body(body).post("/api/3.0/mlflow/traces").then()
                .statusCode(200)
                // the app's own check is logged; a label in another person's name is not this key's to log, and is left out
                .body("trace.trace_info.assessments.size()", equalTo(1))
                .body("trace.trace_info.assessments[0].source.source_id", equalTo("polite_check"))
                .body("trace.trace_info.assessments[0].rationale", equalTo("Says hello."));
        given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                .body("{\"trace\": {\"trace_info\": {\"trace_id\": \"tr-" + hex + "\", \"assessments\": {\"not\": \"a list\"}}}}")
                .post("/api/3.0/mlflow/traces").then().statusCode(400);
    }

    @Test
    void startTraceNeedsTheIngestRoleAndATraceInfo() {
        String reader = TestSecurity.key("mlflow-reader", "read");
        given().header("Authorization", "Bearer " + reader).contentType(ContentType.JSON).body("{\"trace\": {\"trace_info\": {\"trace_id\": \"tr-x\"}}}")
                .post("/api/3.0/mlflow/traces").then().statusCode(403).body("error_code", equalTo("PERMISSION_DENIED"));
        String key = TestSecurity.key("mlflow-app-3", "ingest");
        given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON).body("{\"trace_info\": {}}")
                .post("/api/3.0/mlflow/traces").then().statusCode(400).body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
        given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                .body("{\"trace\": {\"trace_info\": {\"trace_id\": \"tr-y\", \"execution_duration\": \"soon\"}}}")
                .post("/api/3.0/mlflow/traces").then().statusCode(400);
        given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                .body("{\"trace\": {\"trace_info\": {\"trace_id\": \"tr-z\", \"state\": \"DONE\"}}}")
                .post("/api/3.0/mlflow/traces").then().statusCode(400);
        assertEquals(404, given().get("/api/traces/tr-y").then().extract().statusCode(), "nothing written by a refused call");
    }
}
