package dev.tribunal;

import io.restassured.http.ContentType;

import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

/** Small builders shared by the API tests; every test uses ids of its own. */
public final class TestData {

    private TestData() {
    }

    public static String uniqueTraceId() {
        return "tr-" + UUID.randomUUID().toString().replace("-", "");
    }

    /** Ingests one trace with the given id and returns the id. */
    public static String ingestTrace(String traceId) {
        given().contentType(ContentType.JSON)
                .body("{\"traces\": [{\"trace_id\": \"" + traceId + "\", \"inputs\": {\"question\": \"What is MLflow?\"},"
                        + " \"outputs\": \"An open-source platform.\"}]}")
                .when().post("/api/traces")
                .then().statusCode(200)
                .body("created[0]", equalTo(traceId));
        return traceId;
    }

    public static String newTrace() {
        return ingestTrace(uniqueTraceId());
    }

    /** Logs an assessment through the MLflow path and returns its id. */
    public static String logAssessment(String traceId, String assessmentJson) {
        return TestSecurity.author(assessmentJson).contentType(ContentType.JSON)
                .body("{\"assessment\": " + assessmentJson + "}")
                .when().post("/api/3.0/mlflow/traces/" + traceId + "/assessments")
                .then().statusCode(200)
                .extract().path("assessment.assessment_id");
    }

    /**
     * Stores {@code count} small traces in one statement, straight into the table (the API would take a hundred
     * requests for as many): ids {@code <prefix>-1} to {@code <prefix>-<count>}, each with an input and an output,
     * tagged {@code bulk=<prefix>}, and with an {@code expected_response} expectation when {@code expected} is given.
     * Returns the ids in order.
     */
    public static java.util.List<String> bulkTraces(io.vertx.mutiny.sqlclient.Pool pool, String prefix, int count, String expected) {
        pool.preparedQuery("insert into trace (trace_id, request_time, state, inputs, outputs, tags) select $1 || g, now(), 'OK', "
                        + "jsonb_build_object('question', 'What is ' || g || ' + 1?'), to_jsonb((g + 1)::text), "
                        + "jsonb_build_object('bulk', $3::text) from generate_series(1, $2) g")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(prefix + "-", count, prefix)).await().indefinitely();
        if (expected != null) {
            pool.preparedQuery("insert into assessment (assessment_id, trace_id, name, kind, value, source_type, source_id, metadata, "
                            + "create_time, last_update_time) select 'a-' || md5($1 || g), $1 || g, 'expected_response', 'EXPECTATION', "
                            + "to_jsonb($3::text), 'HUMAN', 'bulk', '{}'::jsonb, now(), now() from generate_series(1, $2) g")
                    .execute(io.vertx.mutiny.sqlclient.Tuple.of(prefix + "-", count, expected)).await().indefinitely();
        }
        java.util.List<String> ids = new java.util.ArrayList<>(count);
        for (int i = 1; i <= count; i++) {
            ids.add(prefix + "-" + i);
        }
        return ids;
    }
}
