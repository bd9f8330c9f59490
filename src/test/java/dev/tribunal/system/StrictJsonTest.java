package dev.tribunal.system;

import dev.tribunal.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Request bodies are read strictly, on every JSON endpoint: a key sent twice, bytes that are not UTF-8, a lone
 * UTF-16 surrogate and a fraction where a whole number belongs are each a 400 that names the field, and nothing of
 * the request is written. Nothing is silently replaced ("last one wins", '?', '<', truncation).
 */
@QuarkusTest
class StrictJsonTest {

    /** Text as UTF-8, and byte arrays as they are: a body with bytes that no string could hold. */
    private static byte[] body(Object... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object part : parts) {
            out.writeBytes(part instanceof byte[] raw ? raw : part.toString().getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static byte[] bytes(int... values) {
        byte[] raw = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            raw[i] = (byte) values[i];
        }
        return raw;
    }

    private static Response post(String path, byte[] body) {
        return given().contentType(ContentType.JSON).body(body).post(path);
    }

    /** A 400 whose message (MLflow's {@code message} or a problem's {@code detail}) contains every part. */
    private static void assertRefused(Response response, String... parts) {
        assertEquals(400, response.statusCode(), response.asString());
        String message = response.jsonPath().getString(response.asString().contains("\"detail\"") ? "detail" : "message");
        for (String part : parts) {
            assertTrue(message != null && message.contains(part), "'" + part + "' in: " + response.asString());
        }
    }

    private static void assertNoTrace(String traceId) {
        given().get("/api/traces/" + traceId).then().statusCode(404);
    }

    private static int assessments(String traceId) {
        return given().get("/api/traces/" + traceId).then().statusCode(200).extract().jsonPath().getList("assessments").size();
    }

    private static String trace(String id, String fields) {
        return "{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": {\"question\": \"q\"}" + fields + "}]}";
    }

    // ---- keys sent twice ---------------------------------------------------------------------------------------

    @Test
    void aKeySentTwiceOnMlflowsAssessmentPathIsA400NamingIt() {
        String trace = TestData.newTrace();
        String path = "/api/3.0/mlflow/traces/" + trace + "/assessments";
        // both fields of the source given, then one again: the record is complete before the second source_id
        assertRefused(post(path, body("""
                {"assessment": {"assessment_name": "correctness", "feedback": {"value": "yes"},
                  "source": {"source_type": "CODE", "source_id": "alice", "source_id": "bob"}}}""")),
                "source_id", "assessment.source");
        assertRefused(post(path, body("""
                {"assessment": {"assessment_name": "correctness", "feedback": {"value": "yes"},
                  "source": {"source_id": "alice", "source_id": "bob", "source_type": "CODE"}}}""")),
                "source_id", "assessment.source");
        assertRefused(post(path, body("""
                {"assessment": {"assessment_name": "a", "assessment_name": "b", "feedback": {"value": "yes"}}}""")),
                "assessment_name", "assessment");
        assertRefused(post(path, body("""
                {"assessment": {"assessment_name": "a", "feedback": {"value": {"k": 1, "k": 2}}}}""")),
                "'k'", "assessment.feedback.value");
        assertRefused(post(path, body("""
                {"assessment": {"assessment_name": "a", "expectation": {"serialized_value":
                  {"serialization_format": "JSON_FORMAT", "value": "{\\"k\\": 1, \\"k\\": 2}"}}}}""")),
                "expectation.serialized_value.value", "'k'");
        assertEquals(0, assessments(trace));

        String id = TestData.logAssessment(trace, "{\"assessment_name\": \"correctness\", \"feedback\": {\"value\": \"yes\"}}");
        given().contentType(ContentType.JSON).body(body("""
                        {"assessment": {"rationale": "r1"}, "update_mask": "rationale", "update_mask": "feedback"}"""))
                .patch(path + "/" + id).then().statusCode(400);
        given().get(path + "/" + id).then().statusCode(200).body("assessment.rationale", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void aKeySentTwiceInATraceIsA400NamingItAndNothingIsStored() {
        String id = TestData.uniqueTraceId();
        assertRefused(post("/api/traces", body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"trace_id\": \"" + id + "-2\"}]}")),
                "trace_id", "traces[0]");
        assertRefused(post("/api/traces", body(trace(id, ", \"tags\": {\"env\": \"a\", \"env\": \"b\"}"))), "env", "traces[0].tags");
        assertRefused(post("/api/traces", body(trace(id, ", \"outputs\": {\"answer\": {\"x\": 1, \"x\": 1}}"))),
                "'x'", "traces[0].outputs.answer");
        assertRefused(post("/api/traces", body(trace(id, ", \"spans\": [{\"name\": \"a\", \"name\": \"b\"}]"))), "name", "traces[0].spans[0]");
        assertRefused(post("/api/traces", body("{\"traces\": [], \"traces\": [{\"trace_id\": \"" + id + "\"}]}")), "traces");
        assertNoTrace(id);
        assertNoTrace(id + "-2");
    }

    @Test
    void aKeySentTwiceIsA400OnEveryOtherJsonEndpoint() {
        String name = "dup-" + System.nanoTime();
        assertRefused(post("/api/admin/keys", body("{\"name\": \"" + name + "\", \"roles\": [\"read\"], \"name\": \"" + name + "-b\"}")), "name");
        given().get("/api/admin/keys").then().statusCode(200).body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString(name)));

        String trace = TestData.newTrace();
        assertRefused(post("/api/judge-runs", body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + trace + "\"], \"judges\": [\"relevance\"]}")),
                "judges");
        given().get("/api/assessments?trace_id=" + trace).then().statusCode(200).body("assessments.size()", org.hamcrest.Matchers.is(0));

        assertRefused(post("/api/judge-runs/no-such-run/retry", body("{\"error_codes\": [\"TIMEOUT\"], \"error_codes\": []}")), "error_codes");
        assertRefused(post("/api/meta-evaluations", body("{\"name\": \"a\", \"name\": \"b\", \"reference\": {\"human_feedback\": \"a\"}}")), "name");
    }

    @Test
    void aBodyOfTheWrongShapeIsNamedWithoutTheServersOwnTypes() {
        for (String path : List.of("/api/meta-evaluations", "/api/traces", "/api/admin/keys", "/api/judge-runs")) {
            Response response = post(path, body("[1]"));
            assertRefused(response, "The body must be an object");
            assertTrue(!response.asString().contains("dev.tribunal") && !response.asString().contains("`"), response.asString());
        }
    }

    @Test
    void aNullWhereAListHoldsNamesIsA400NamingTheElement() {
        String trace = TestData.newTrace();
        assertRefused(post("/api/judge-runs", body("{\"judges\": [null], \"trace_ids\": [\"" + trace + "\"]}")), "judges[0]");
        assertRefused(post("/api/judge-runs", body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + trace + "\", null]}")), "trace_ids[1]");
        assertRefused(post("/api/judge-runs", body("{\"judges\": [\"correctness\"], \"trace_ids\": [\"" + trace + "\"], \"models\": [null]}")),
                "models[0]");
        given().get("/api/assessments?trace_id=" + trace).then().statusCode(200).body("assessments.size()", org.hamcrest.Matchers.is(0));
        String name = "nulls-" + System.nanoTime();
        assertRefused(post("/api/admin/keys", body("{\"name\": \"" + name + "\", \"roles\": [\"read\", null]}")), "roles[1]");
        given().get("/api/admin/keys").then().statusCode(200).body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString(name)));
        assertRefused(post("/api/meta-evaluations", body("{\"name\": \"x\", \"reference\": {\"human_feedback\": \"x\"}, \"run_ids\": [null]}")),
                "run_ids[0]");
    }

    // ---- bytes that are not UTF-8 ---------------------------------------------------------------------------------

    @Test
    void bytesThatAreNotUtf8AreA400NamingTheFieldAndNothingIsStored() {
        List<byte[]> malformed = List.of(
                bytes(0xC0, 0xBC),             // '<' in two bytes: an overlong form
                bytes(0xE0, 0x80, 0xBC),       // '<' in three bytes
                bytes(0xED, 0xA0, 0x80),       // U+D800, a surrogate, encoded in UTF-8
                bytes(0xF4, 0x90, 0x80, 0x80), // beyond U+10FFFF
                bytes(0xFF),
                bytes(0x80),                   // a continuation byte alone
                bytes(0xC3));                  // a sequence cut short
        for (byte[] bad : malformed) {
            String id = TestData.uniqueTraceId();
            assertRefused(post("/api/traces", body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": {\"question\": \"a", bad, "b\"}}]}")),
                    "traces[0].inputs.question", "UTF-8");
            assertRefused(post("/api/traces", body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": {\"q", bad, "\": \"x\"}}]}")),
                    "field name", "traces[0].inputs", "UTF-8");
            assertNoTrace(id);
        }
        String trace = TestData.newTrace();
        assertRefused(post("/api/3.0/mlflow/traces/" + trace + "/assessments", body("""
                        {"assessment": {"assessment_name": "correctness", "feedback": {"value": "yes"},
                          "source": {"source_type": "CODE", "source_id": "a""", bytes(0xC0, 0xBC), "script\"}}}")),
                "assessment.source.source_id", "UTF-8");
        assertEquals(0, assessments(trace));
        // a body in UTF-16 is not read as such: JSON over HTTP is UTF-8
        assertRefused(post("/api/traces", trace(TestData.uniqueTraceId(), "").getBytes(StandardCharsets.UTF_16LE)), "UTF-8");
    }

    // ---- lone surrogates ------------------------------------------------------------------------------------------

    @Test
    void aLoneSurrogateIsA400NamingTheFieldAndAPairIsOneCharacter() {
        for (String lone : List.of("\\ud800", "\\udc00", "\\ud800\\u0041", "\\ud800\\ud800", "\\uDBFF x", "\\udc00\\ud800")) {
            String id = TestData.uniqueTraceId();
            assertRefused(post("/api/traces", body(trace(id, ", \"outputs\": \"a" + lone + "\""))), "traces[0].outputs", "surrogate");
            assertRefused(post("/api/traces", body(trace(id, ", \"tags\": {\"k" + lone + "\": \"v\"}"))), "field name", "traces[0].tags", "surrogate");
            assertNoTrace(id);
        }
        String trace = TestData.newTrace();
        assertRefused(post("/api/3.0/mlflow/traces/" + trace + "/assessments", body("""
                        {"assessment": {"assessment_name": "correctness", "rationale": "\\ud800", "feedback": {"value": "yes"}}}""")),
                "assessment.rationale", "surrogate");
        assertRefused(post("/api/3.0/mlflow/traces/" + trace + "/assessments", body("""
                        {"assessment": {"assessment_name": "a", "expectation": {"serialized_value":
                          {"serialization_format": "JSON_FORMAT", "value": "[\\"\\\\ud800\\"]"}}}}""")),
                "expectation.serialized_value.value", "surrogate");
        assertEquals(0, assessments(trace));

        String id = TestData.uniqueTraceId();
        // a pair is one character; an escaped backslash before "ud800" is text, not an escape
        post("/api/traces", body(trace(id, ", \"outputs\": \"\\ud83d\\ude00 \\\\ud800\""))).then().statusCode(200);
        given().get("/api/traces/" + id).then().statusCode(200).body("outputs", org.hamcrest.Matchers.equalTo("😀 \\ud800"));
    }

    // ---- numbers --------------------------------------------------------------------------------------------------

    @Test
    void aFractionOrAnOutOfRangeNumberWhereAWholeNumberBelongsIsA400NamingTheField() {
        for (String number : List.of("1.5", "-0.5", "1e-1", "1e400", "9223372036854775808", "1e19")) {
            String id = TestData.uniqueTraceId();
            assertRefused(post("/api/traces", body(trace(id, ", \"execution_duration_ms\": " + number))),
                    "traces[0].execution_duration_ms", "whole number");
            assertNoTrace(id);
        }
        assertRefused(post("/api/meta-evaluations", body("{\"name\": \"x\", \"reference\": {\"human_feedback\": \"x\"}, \"bootstrap\": {\"samples\": 2.5}}")),
                "bootstrap.samples", "whole number");
        assertRefused(post("/api/meta-evaluations", body("{\"name\": \"x\", \"reference\": {\"human_feedback\": \"x\"}, \"bootstrap\": {\"samples\": 3000000000}}")),
                "bootstrap.samples", "whole number");
        // a whole number written with a fraction part or an exponent is that number
        for (String number : List.of("12", "12.0", "1.2e1", "1200e-2")) {
            String id = TestData.uniqueTraceId();
            post("/api/traces", body(trace(id, ", \"execution_duration_ms\": " + number))).then().statusCode(200);
            given().get("/api/traces/" + id).then().statusCode(200).body("execution_duration_ms", org.hamcrest.Matchers.is(12));
        }
    }

    // ---- OTLP JSON ------------------------------------------------------------------------------------------------

    private static Response otlp(byte[] body) {
        return given().contentType(ContentType.JSON).body(body).post("/v1/traces");
    }

    private static String span(String traceId, String fields) {
        return "{\"resourceSpans\": [{\"scopeSpans\": [{\"spans\": [{\"traceId\": \"" + traceId + "\", \"spanId\": \"0102030405060708\", "
                + "\"name\": \"root\", \"startTimeUnixNano\": \"1700000000000000000\", \"endTimeUnixNano\": \"1700000001000000000\"" + fields + "}]}]}]}";
    }

    private static String otlpTraceId() {
        return java.util.UUID.randomUUID().toString().replace("-", "");
    }

    private static void assertOtlpRefused(Response response, String... parts) {
        assertEquals(400, response.statusCode(), response.asString());
        String message = response.jsonPath().getString("message");
        for (String part : parts) {
            assertTrue(message != null && message.contains(part), "'" + part + "' in: " + response.asString());
        }
    }

    @Test
    void otlpJsonIsReadAsStrictly() {
        String id = otlpTraceId();
        String at = "resourceSpans[0].scopeSpans[0].spans[0]";
        assertOtlpRefused(otlp(body(span(id, ", \"name\": \"again\""))), "name", at);
        String[] around = span(id, ", \"attributes\": [{\"key\": \"k\", \"value\": {\"stringValue\": \"a|\"}}]").split("\\|");
        assertOtlpRefused(otlp(body(around[0], bytes(0xC0, 0xBC), around[1])),
                at + ".attributes[0].value.stringValue", "UTF-8");
        assertOtlpRefused(otlp(body(span(id, ", \"attributes\": [{\"key\": \"k\", \"value\": {\"stringValue\": \"\\ud800\"}}]"))),
                at + ".attributes[0].value.stringValue", "surrogate");
        assertOtlpRefused(otlp(body(span(id, ", \"droppedAttributesCount\": 1.5"))), at + ".droppedAttributesCount", "whole number");
        assertOtlpRefused(otlp(body(span(id, ", \"kind\": 1.5"))), at + ".kind", "whole number");
        assertOtlpRefused(otlp(body(span(id, ", \"attributes\": [{\"key\": \"k\", \"value\": {\"intValue\": \"2.5\"}}]"))),
                at + ".attributes[0].value.intValue", "whole number");
        assertOtlpRefused(otlp(body(span(id, ", \"droppedEventsCount\": 4294967296"))), at + ".droppedEventsCount", "whole number");
        given().get("/api/traces/tr-" + id).then().statusCode(404);
        // whole numbers in any form, as protobuf's JSON mapping reads them
        otlp(body(span(id, ", \"droppedAttributesCount\": 2.0, \"kind\": 2, \"attributes\": [{\"key\": \"k\", \"value\": {\"intValue\": \"3e0\"}}]")))
                .then().statusCode(200);
        given().get("/api/traces/tr-" + id).then().statusCode(200);
    }
}
