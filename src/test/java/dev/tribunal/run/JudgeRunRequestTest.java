package dev.tribunal.run;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static dev.tribunal.run.RunTestSupport.assessments;
import static dev.tribunal.run.RunTestSupport.awaitCompleted;
import static dev.tribunal.run.RunTestSupport.json;
import static dev.tribunal.run.RunTestSupport.startRun;
import static dev.tribunal.run.RunTestSupport.traces;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What POST /api/judge-runs accepts and refuses, and how runs are listed. */
@QuarkusTest
class JudgeRunRequestTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static void refused(String body, String... messageParts) {
        String newestBefore = newestRunId();
        var response = given().contentType(ContentType.JSON).body(body)
                .post("/api/judge-runs")
                .then().statusCode(400)
                .contentType("application/problem+json")
                .body("error_code", equalTo("INVALID_PARAMETER_VALUE"));
        for (String part : messageParts) {
            response.body("detail", containsString(part));
        }
        assertEquals(newestBefore, newestRunId(), "a refused request creates no run");
    }

    private static String newestRunId() {
        List<String> ids = given().queryParam("max_results", 1).get("/api/judge-runs").then().statusCode(200)
                .extract().jsonPath().getList("runs.run_id");
        return ids.isEmpty() ? null : ids.get(0);
    }

    @Test
    void unknownJudgesAreRefusedListingTheKnownOnes() {
        List<String> ids = traces(1, "2");
        refused("{\"judges\": [\"correctness\", \"corectness\"], \"trace_ids\": " + json(ids) + "}",
                "Unknown judge corectness", "known judges:", "correctness", "exact_match", "semantic_similarity");
    }

    @Test
    void unknownTraceIdsAreRefusedNamingThem() {
        List<String> ids = traces(1, "2");
        refused("{\"judges\": [\"relevance\"], \"trace_ids\": [\"" + ids.get(0) + "\", \"tr-nope-1\", \"tr-nope-2\"]}",
                "Unknown trace ids", "tr-nope-1", "tr-nope-2");
    }

    @Test
    void emptyAndMissingListsAreRefused() {
        List<String> ids = traces(1, "2");
        refused("{\"judges\": [], \"trace_ids\": " + json(ids) + "}", "judges must name at least one judge");
        refused("{\"trace_ids\": " + json(ids) + "}", "judges must name at least one judge");
        refused("{\"judges\": [\"relevance\"], \"trace_ids\": []}", "trace_ids must name at least one trace");
        refused("{\"judges\": [\"relevance\"]}", "either trace_ids or traces");
        refused("{\"judges\": [\"relevance\"], \"trace_ids\": " + json(ids) + ", \"traces\": [{\"inputs\": \"x\"}]}",
                "either trace_ids or traces");
        refused("{\"judges\": [\"relevance\"], \"trace_ids\": " + json(ids) + ", \"models\": []}", "models, when given");
    }

    @Test
    void modelsMustNameAConfiguredProvider() {
        List<String> ids = traces(1, "2");
        refused("{\"judges\": [\"relevance\"], \"trace_ids\": " + json(ids) + ", \"models\": [\"nowhere:/gpt\"]}",
                "provider 'nowhere'", "configured:", "openai");
        refused("{\"judges\": [\"relevance\"], \"trace_ids\": " + json(ids) + ", \"models\": [\"gpt-4o\"]}",
                "<provider>:/<model>");
    }

    @Test
    void wrongTypesAreA400() {
        given().contentType(ContentType.JSON).body("{\"judges\": \"relevance\", \"trace_ids\": [\"x\"]}")
                .post("/api/judge-runs").then().statusCode(400).contentType("application/problem+json");
        given().contentType(ContentType.JSON).body("[]")
                .post("/api/judge-runs").then().statusCode(400).contentType("application/problem+json");
    }

    @Test
    void inlineTracesAreStoredThenJudged() {
        String id = "tr-inline-" + System.nanoTime();
        String body = "{\"judges\": [\"correctness\", \"exact_match\"], \"models\": [\"fake:/ok\"], \"traces\": [{"
                + "\"trace_id\": \"" + id + "\", \"inputs\": {\"question\": \"Capital of France?\"}, \"outputs\": \"Paris\","
                + "\"expectations\": {\"expected_response\": \"paris\"}}]}";
        String runId = given().contentType(ContentType.JSON).body(body).post("/api/judge-runs")
                .then().statusCode(202).body("total", equalTo(2)).extract().path("run_id");
        given().get("/api/traces/" + id).then().statusCode(200).body("trace_id", equalTo(id));
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(2, run.getInt("succeeded"));
        List<Map<String, Object>> results = assessments(runId);
        assertEquals(2, results.size());
        Map<String, Object> exact = results.stream().filter(a -> "exact_match".equals(a.get("assessment_name"))).findFirst().orElseThrow();
        assertEquals(Boolean.TRUE, ((Map<?, ?>) exact.get("feedback")).get("value"), "exact_match here ignores case: Paris = paris");
        assertTrue(results.stream().allMatch(a -> id.equals(a.get("trace_id"))));
    }

    @Test
    void unknownRunIsA404AndRunsAreListedNewestFirst() {
        given().get("/api/judge-runs/0123456789abcdef0123456789abcdef").then().statusCode(404)
                .contentType("application/problem+json").body("error_code", equalTo("RESOURCE_DOES_NOT_EXIST"));
        List<String> ids = traces(1, "2");
        String first = startRun(List.of("exact_match"), ids, null);
        String second = startRun(List.of("exact_match"), ids, null);
        awaitCompleted(first, WAIT);
        awaitCompleted(second, WAIT);
        JsonPath page = given().queryParam("max_results", 1).get("/api/judge-runs").then().statusCode(200).extract().jsonPath();
        assertEquals(second, page.getString("runs[0].run_id"));
        assertEquals(List.of("exact_match"), page.getList("runs[0].judges"));
        String token = page.getString("next_page_token");
        given().queryParam("max_results", 1).queryParam("page_token", token).get("/api/judge-runs").then().statusCode(200)
                .body("runs[0].run_id", equalTo(first))
                .body("runs.run_id", not(hasItem(second)));
        given().queryParam("max_results", 0).get("/api/judge-runs").then().statusCode(400)
                .body("detail", allOf(containsString("max_results")));
    }
}
