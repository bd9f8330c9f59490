package dev.tribunal.assessment;

import dev.tribunal.TestSecurity;
import dev.tribunal.run.RunTestSupport;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The results of Tribunal's judge runs: only an admin changes or deletes one, and only to a value its judge can
 * give; people override them with HUMAN feedback; no other judge overrides them and no client adds to a run.
 */
@QuarkusTest
class RunResultTest {

    private String traceId;
    private String runId;
    private String resultId;
    private String path;
    private String starter;
    private String otherJudge;
    private String reviewer;
    private String admin;

    private static RequestSpecification with(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON);
    }

    private JsonPath result() {
        return given().get(path + "/" + resultId).then().statusCode(200).extract().jsonPath();
    }

    @BeforeEach
    void judgeATrace() {
        starter = TestSecurity.key("run-starter", "judge", "read");
        otherJudge = TestSecurity.key("other-judge", "judge", "read");
        reviewer = TestSecurity.key("result-reviewer", "annotate", "read");
        admin = TestSecurity.key("ops-admin", "admin");
        traceId = RunTestSupport.traces(1, "2").get(0);
        runId = with(starter).body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + traceId + "\"]}")
                .post("/api/judge-runs").then().statusCode(202).extract().path("run_id");
        RunTestSupport.awaitCompleted(runId, Duration.ofSeconds(60));
        resultId = given().queryParam("run_id", runId).get("/api/assessments").then().statusCode(200)
                .extract().path("assessments[0].assessment_id");
        path = "/api/3.0/mlflow/traces/" + traceId + "/assessments";
    }

    @Test
    void onlyAnAdminChangesARunsResultAndOnlyToAValueItsJudgeCanGive() {
        String tampered = "{\"assessment\": {\"feedback\": {\"value\": \"TAMPERED\"}}, \"update_mask\": \"feedback\"}";
        String rationale = "{\"assessment\": {\"rationale\": \"rewritten\"}, \"update_mask\": \"rationale\"}";
        for (String key : List.of(otherJudge, starter, reviewer)) {
            with(key).body(tampered).patch(path + "/" + resultId).then().statusCode(403)
                    .body("error_code", equalTo("PERMISSION_DENIED")).body("message", containsString("only an admin"));
            with(key).body(rationale).patch(path + "/" + resultId).then().statusCode(403);
        }
        JsonPath unchanged = result();
        assertEquals(false, unchanged.getBoolean("assessment.feedback.value"), "exact_match: the output 1 is not the expected 2");
        assertNull(unchanged.getString("assessment.metadata.'tribunal.updated_by'"));

        with(admin).body(tampered).patch(path + "/" + resultId).then().statusCode(400)
                .body("message", containsString("does not fit judge exact_match's output (boolean)"));
        with(admin).body("{\"assessment\": {\"assessment_name\": \"renamed\"}, \"update_mask\": \"assessment_name\"}")
                .patch(path + "/" + resultId).then().statusCode(400).body("message", containsString("cannot be changed"));
        with(admin).body("{\"assessment\": {\"metadata\": {\"tribunal.judge.version\": \"0\"}}, \"update_mask\": \"metadata\"}")
                .patch(path + "/" + resultId).then().statusCode(400).body("message", containsString("tribunal.judge.version"));
        with(admin).body("{\"assessment\": {\"feedback\": {\"error\": {\"error_code\": \"X\"}}}, \"update_mask\": \"feedback\"}")
                .patch(path + "/" + resultId).then().statusCode(400).body("message", containsString("feedback.value is required"));
        assertEquals(false, result().getBoolean("assessment.feedback.value"), "nothing refused was written");

        String version = unchanged.getString("assessment.metadata.'tribunal.judge.version'");
        JsonPath changed = with(admin).body("{\"assessment\": {\"feedback\": {\"value\": true}, \"rationale\": \"checked by hand\", "
                        + "\"metadata\": {\"tribunal.updated_by\": \"someone-else\", \"note\": \"typo in the expectation\"}}, "
                        + "\"update_mask\": \"feedback,rationale,metadata\"}")
                .patch(path + "/" + resultId).then().statusCode(200).extract().jsonPath();
        assertEquals(true, changed.getBoolean("assessment.feedback.value"));
        assertEquals("checked by hand", changed.getString("assessment.rationale"));
        assertEquals("ops-admin", changed.getString("assessment.metadata.'tribunal.updated_by'"), "the admin who changed it, whatever was sent");
        assertEquals("run-starter", changed.getString("assessment.metadata.'tribunal.logged_by'"));
        assertEquals(version, changed.getString("assessment.metadata.'tribunal.judge.version'"));
        assertEquals("typo in the expectation", result().getString("assessment.metadata.note"));
    }

    @Test
    void onlyAnAdminDeletesARunsResult() {
        for (String key : List.of(otherJudge, starter, reviewer)) {
            with(key).delete(path + "/" + resultId).then().statusCode(403).body("message", containsString("only an admin"));
        }
        result();
        with(admin).delete(path + "/" + resultId).then().statusCode(200);
        given().get(path + "/" + resultId).then().statusCode(404);
    }

    @Test
    void peopleOverrideARunsResultOtherJudgesDoNot() {
        String judgeOverride = "{\"assessment\": {\"assessment_name\": \"exact_match\", \"source\": {\"source_type\": \"%s\", "
                + "\"source_id\": \"my-judge\"}, \"feedback\": {\"value\": true}, \"overrides\": \"" + resultId + "\"}}";
        with(otherJudge).body(judgeOverride.formatted("LLM_JUDGE")).post(path).then().statusCode(403)
                .body("message", containsString("only HUMAN feedback (or an admin) may override it"));
        with(starter).body(judgeOverride.formatted("CODE")).post(path).then().statusCode(403);
        assertEquals(true, result().getBoolean("assessment.valid"), "nothing refused was written");

        String human = with(reviewer).body("{\"assessment\": {\"assessment_name\": \"exact_match\", \"source\": {\"source_type\": \"HUMAN\"}, "
                        + "\"feedback\": {\"value\": true}, \"overrides\": \"" + resultId + "\"}}")
                .post(path).then().statusCode(200).extract().path("assessment.assessment_id");
        assertEquals(false, result().getBoolean("assessment.valid"), "overridden by a person, kept");
        with(reviewer).delete(path + "/" + human).then().statusCode(200);
        assertEquals(true, result().getBoolean("assessment.valid"), "the person's override deleted: the result stands again");
    }

    @Test
    void noClientAddsAResultToARun() {
        for (String body : List.of(
                "{\"assessment\": {\"assessment_name\": \"exact_match\", \"source\": {\"source_type\": \"CODE\", \"source_id\": \"exact_match\"}, "
                        + "\"feedback\": {\"value\": true}, \"run_id\": \"" + runId + "\"}}",
                "{\"assessment\": {\"assessment_name\": \"exact_match\", \"source\": {\"source_type\": \"CODE\", \"source_id\": \"exact_match\"}, "
                        + "\"feedback\": {\"value\": true}, \"metadata\": {\"mlflow.assessment.sourceRunId\": \"" + runId + "\"}}}")) {
            with(otherJudge).body(body).post(path).then().statusCode(400).body("message", containsString("written by the run itself"));
        }
        List<Map<String, Object>> results = given().queryParam("run_id", runId).get("/api/assessments").then().statusCode(200)
                .extract().jsonPath().getList("assessments");
        assertEquals(1, results.size(), "the run's one result, nothing added");
        // a client's own evaluation run keeps its own id
        with(otherJudge).body("{\"assessment\": {\"assessment_name\": \"mine\", \"source\": {\"source_type\": \"CODE\", \"source_id\": \"c\"}, "
                + "\"feedback\": {\"value\": 1}, \"run_id\": \"mlflow-run-42\"}}").post(path).then().statusCode(200);
    }
}
