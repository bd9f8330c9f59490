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
        refused("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + ids.get(0) + "\", \"tr-nope-1\", \"tr-nope-2\"]}",
                "Unknown trace ids", "tr-nope-1", "tr-nope-2");
    }

    @Test
    void emptyAndMissingListsAreRefused() {
        List<String> ids = traces(1, "2");
        refused("{\"judges\": [], \"trace_ids\": " + json(ids) + "}", "judges must name at least one judge");
        refused("{\"trace_ids\": " + json(ids) + "}", "judges must name at least one judge");
        refused("{\"judges\": [\"exact_match\"], \"trace_ids\": []}", "trace_ids must name at least one trace");
        refused("{\"judges\": [\"exact_match\"]}", "either trace_ids or traces");
        refused("{\"judges\": [\"exact_match\"], \"trace_ids\": " + json(ids) + ", \"traces\": [{\"inputs\": \"x\"}]}",
                "either trace_ids or traces");
        refused("{\"judges\": [\"exact_match\"], \"trace_ids\": " + json(ids) + ", \"models\": []}", "models, when given");
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
    void aDryRunCountsJudgmentsTokensAndCostWithoutStoringOrCallingAnything() {
        List<String> withExpected = traces(2, "2");
        List<String> without = traces(1, null);
        List<String> ids = new java.util.ArrayList<>(withExpected);
        ids.addAll(without);
        String newestBefore = newestRunId();
        int callsBefore = dev.tribunal.llm.FakeProviders.server.received("ok").size();
        JsonPath estimate = given().contentType(ContentType.JSON)
                .body("{\"dry_run\": true, \"judges\": [\"correctness\", \"relevance\", \"exact_match\"], \"models\": [\"fake:/ok\"], "
                        + "\"trace_ids\": " + json(ids) + "}")
                .post("/api/judge-runs").then().statusCode(200).extract().jsonPath();
        assertEquals(true, estimate.getBoolean("dry_run"));
        assertEquals(9, estimate.getInt("total"));
        assertEquals(5, estimate.getInt("llm_calls"), "correctness on the two traces with an expected answer, relevance on all three");
        assertEquals(1, estimate.getInt("missing_input"), "correctness on the trace without an expected answer");
        long prompt = estimate.getLong("estimated_prompt_tokens");
        long completion = estimate.getLong("max_completion_tokens");
        assertTrue(prompt > 5 * 300, "five prompts of the shipped judges: " + prompt);
        assertEquals(2 * 400 + 3 * 300, completion, "max_tokens of correctness (400) and relevance (300)");
        double cost = estimate.getDouble("estimated_cost");
        assertEquals((prompt * 0.15 + completion * 0.60) / 1e6, cost, 1e-9, "fake's prices: 0.15 and 0.60 per million");
        assertEquals(List.of("exact_match", "fake:/ok"), estimate.getList("by_model.model"));
        assertEquals(3, estimate.getInt("by_model[0].judgments"));
        assertEquals(0, estimate.getInt("by_model[0].llm_calls"));
        assertEquals(newestBefore, newestRunId(), "a dry run creates no run");
        assertEquals(callsBefore, dev.tribunal.llm.FakeProviders.server.received("ok").size(), "a dry run calls no provider");

        // inline traces are not stored; a provider without prices has no cost
        String inlineId = "tr-dry-" + System.nanoTime();
        given().contentType(ContentType.JSON)
                .body("{\"dry_run\": true, \"judges\": [\"relevance\"], \"models\": [\"fake-open:/free\"], \"traces\": [{\"trace_id\": \""
                        + inlineId + "\", \"inputs\": \"q\", \"outputs\": \"a\"}]}")
                .post("/api/judge-runs").then().statusCode(200)
                .body("total", equalTo(1))
                .body("llm_calls", equalTo(1))
                .body("by_model[0].model", equalTo("fake-open:/free"))
                .body("$", not(org.hamcrest.Matchers.hasKey("estimated_cost")));
        given().get("/api/traces/" + inlineId).then().statusCode(404);
        // and it is checked like a real run
        refused("{\"dry_run\": true, \"judges\": [\"nope\"], \"trace_ids\": " + json(ids) + "}", "Unknown judge nope");
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
