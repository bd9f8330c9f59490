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
}
