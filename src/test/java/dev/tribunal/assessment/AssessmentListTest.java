package dev.tribunal.assessment;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.tribunal.TestData.logAssessment;
import static dev.tribunal.TestData.newTrace;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code GET /api/assessments}: filters and cursor pagination over every trace. */
@QuarkusTest
class AssessmentListTest {

    @Test
    void filtersByEveryField() {
        String name = "quality-" + UUID.randomUUID();
        String runId = UUID.randomUUID().toString().replace("-", "");
        String trace = newTrace();
        String other = newTrace();
        String judge = logAssessment(trace, "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/gpt-4o-mini\"},"
                + " \"feedback\": {\"value\": \"yes\"}, \"metadata\": {\"mlflow.assessment.sourceRunId\": \"" + runId + "\"}}");
        String failed = logAssessment(other, "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"local:/llama3\"},"
                + " \"feedback\": {\"error\": {\"error_code\": \"TIMEOUT\"}}, \"run_id\": \"" + runId + "\"}");
        String human = logAssessment(trace, "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"ann\"},"
                + " \"feedback\": {\"value\": \"no\"}, \"overrides\": \"" + judge + "\"}");

        assertIds(given().queryParam("name", name), human, failed, judge);
        assertIds(given().queryParam("name", name).queryParam("trace_id", trace), human, judge);
        assertIds(given().queryParam("name", name).queryParam("source_type", "llm_judge"), failed, judge);
        assertIds(given().queryParam("name", name).queryParam("source_id", "local:/llama3"), failed);
        // logged by MLflow clients for an MLflow run: found by mlflow_run_id, never among Tribunal's judge runs
        assertIds(given().queryParam("mlflow_run_id", runId), failed, judge);
        given().queryParam("run_id", runId).get("/api/assessments").then().statusCode(200)
                .body("assessments", org.hamcrest.Matchers.empty());
        assertIds(given().queryParam("name", name).queryParam("valid", "false"), judge);
        assertIds(given().queryParam("name", name).queryParam("valid", "true"), human, failed);
        assertIds(given().queryParam("name", name).queryParam("has_error", "true"), failed);
        assertIds(given().queryParam("name", name).queryParam("has_error", "false"), human, judge);
    }

    private static void assertIds(io.restassured.specification.RequestSpecification request, String... newestFirst) {
        request.when().get("/api/assessments").then().statusCode(200)
                .body("assessments.assessment_id", contains(newestFirst));
    }

    @Test
    void paginatesNewestFirstWithoutGapsOrRepeats() {
        String name = "paged-" + UUID.randomUUID();
        String trace = newTrace();
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            created.add(0, logAssessment(trace, "{\"assessment_name\": \"" + name + "\", \"feedback\": {\"value\": " + i + "},"
                    + " \"create_time\": \"2025-01-01T00:00:0" + i + "Z\"}"));
        }
        List<String> seen = new ArrayList<>();
        String token = null;
        do {
            var request = given().queryParam("name", name).queryParam("max_results", 3);
            if (token != null) {
                request.queryParam("page_token", token);
            }
            JsonPath page = request.when().get("/api/assessments").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("assessments.assessment_id"));
            token = page.getString("next_page_token");
        } while (token != null && seen.size() < 20);
        assertEquals(created, seen);
    }

    @Test
    void sameCreateTimeIsBrokenByIdAcrossPages() {
        String name = "ties-" + UUID.randomUUID();
        String trace = newTrace();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(logAssessment(trace, "{\"assessment_name\": \"" + name + "\", \"feedback\": {\"value\": 1}, \"create_time\": \"2025-01-01T00:00:00Z\"}"));
        }
        String token = given().queryParam("name", name).queryParam("max_results", 2).when().get("/api/assessments")
                .then().extract().path("next_page_token");
        List<String> first = given().queryParam("name", name).queryParam("max_results", 2).when().get("/api/assessments")
                .then().extract().jsonPath().getList("assessments.assessment_id");
        List<String> second = given().queryParam("name", name).queryParam("max_results", 2).queryParam("page_token", token)
                .when().get("/api/assessments").then().body("$", not(hasKey("next_page_token")))
                .extract().jsonPath().getList("assessments.assessment_id");
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        assertEquals(4, all.stream().distinct().count());
        given().queryParam("name", name).when().get("/api/assessments").then()
                .body("assessments.assessment_id", containsInAnyOrder(ids.toArray()));
    }

    @Test
    void badParametersAreA400() {
        given().queryParam("valid", "maybe").when().get("/api/assessments").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("valid"));
        given().queryParam("source_type", "ROBOT").when().get("/api/assessments").then().statusCode(400);
        given().queryParam("max_results", 1001).when().get("/api/assessments").then().statusCode(400);
        given().queryParam("page_token", "%%%").when().get("/api/assessments").then().statusCode(400)
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
    }
}
