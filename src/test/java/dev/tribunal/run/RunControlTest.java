package dev.tribunal.run;

import dev.tribunal.llm.FakeProviders;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.tribunal.run.RunTestSupport.assessments;
import static dev.tribunal.run.RunTestSupport.awaitCompleted;
import static dev.tribunal.run.RunTestSupport.startRun;
import static dev.tribunal.run.RunTestSupport.traces;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Cancelling a run and judging its errored judgments again. */
@QuarkusTest
class RunControlTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static JsonPath run(String runId) {
        return given().get("/api/judge-runs/" + runId).then().statusCode(200).extract().jsonPath();
    }

    private static String errorCode(Map<String, Object> assessment) {
        Map<?, ?> error = (Map<?, ?>) ((Map<?, ?>) assessment.get("feedback")).get("error");
        return error == null ? null : (String) error.get("error_code");
    }

    @Test
    void cancellingARunStartsNothingMoreAndLetsCallsInProgressFinish() throws InterruptedException {
        // provider fake: 4 calls at once, each answered after a second; the run claims all 20 at once
        List<String> traceIds = traces(20, "2");
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake:/slow-1000"));
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (FakeProviders.server.received("slow-1000").stream().noneMatch(r -> r.userMessage().contains(traceIds.get(0)))
                && !"RUNNING".equals(run(runId).getString("status")) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        // the claimed tasks show as held, by judge and model
        long metricsDeadline = System.nanoTime() + 5_000_000_000L;
        String held = "tribunal_worker_held{judge=\"relevance\",model=\"fake:/slow-1000\"}";
        while (!given().get("/q/metrics").asString().contains(held) && System.nanoTime() < metricsDeadline) {
            Thread.sleep(100);
        }
        assertTrue(given().get("/q/metrics").asString().contains(held), held);
        given().post("/api/judge-runs/" + runId + "/cancel").then().statusCode(200)
                .body("status", equalTo("CANCELLED"))
                .body("finished_at", org.hamcrest.Matchers.notNullValue());
        // the calls in progress finish (a second), the rest never go out
        deadline = System.nanoTime() + WAIT.toNanos();
        JsonPath state = run(runId);
        while (state.getInt("completed") + state.getInt("cancelled") < 20 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            state = run(runId);
        }
        int completed = state.getInt("completed");
        assertEquals(20, completed + state.getInt("cancelled"), state.prettify());
        assertTrue(completed <= 8, completed + " judgments were made after the cancel; at most those in progress");
        assertEquals("CANCELLED", state.getString("status"));
        assertNull(state.get("eta_seconds"));
        assertEquals(completed, assessments(runId).size(), "an assessment for each judgment made, none for the cancelled");
        Set<String> called = FakeProviders.server.received("slow-1000").stream().map(r -> r.userMessage())
                .filter(m -> traceIds.stream().anyMatch(m::contains)).collect(Collectors.toSet());
        assertEquals(completed, called.size(), "the provider saw only the judgments made");

        given().post("/api/judge-runs/" + runId + "/cancel").then().statusCode(409)
                .contentType("application/problem+json").body("error_code", equalTo("INVALID_STATE"))
                .body("detail", containsString("only a QUEUED or RUNNING run can be cancelled"));
        given().contentType(ContentType.JSON).body("{}").post("/api/judge-runs/" + runId + "/retry").then().statusCode(409);
        given().post("/api/judge-runs/0123456789abcdef0123456789abcdef/cancel").then().statusCode(404);
    }

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    /** A run judged again long after it finished measures its rate from then on, not from its first start. */
    @Test
    void aRunJudgedAgainMeasuresItsRateFromWhenItWasResumed() {
        FakeProviders.server.switchableUp(false);
        List<String> traceIds = traces(4, null);
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake-retry:/switchable"));
        JsonPath first = awaitCompleted(runId, WAIT);
        assertEquals(4, first.getInt("errored"));
        // as if it had run a day ago
        pool.preparedQuery("update judge_run set started_at = started_at - interval '1 day', finished_at = finished_at - interval '1 day' "
                + "where run_id = $1").execute(io.vertx.mutiny.sqlclient.Tuple.of(runId)).await().indefinitely();

        FakeProviders.server.switchableUp(true);
        given().post("/api/judge-runs/" + runId + "/retry").then().statusCode(202).body("requeued", equalTo(4));
        JsonPath again = awaitCompleted(runId, WAIT);
        assertEquals(0, again.getInt("errored"));
        // 4 judgments within the wait since the retry; from the first start a day ago it would be about 0.00005 a second
        assertTrue(again.getDouble("judgments_per_second") >= 4.0 / WAIT.toSeconds(), again.prettify());
        assertEquals(0, again.getInt("eta_seconds"));
    }

    @Test
    void retryJudgesErroredJudgmentsAgainAndTheNewResultsOverrideTheErrors() {
        FakeProviders.server.switchableUp(false);
        List<String> traceIds = traces(3, "2");
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake-retry:/switchable", "fake-retry:/bad-request"));
        JsonPath first = awaitCompleted(runId, WAIT);
        assertEquals(3, first.getInt("errors_by_code.PROVIDER_ERROR"));
        assertEquals(3, first.getInt("errors_by_code.PROVIDER_REJECTED"));

        FakeProviders.server.switchableUp(true);
        given().contentType(ContentType.JSON).body("{\"error_codes\": [\"PROVIDER_ERROR\"]}")
                .post("/api/judge-runs/" + runId + "/retry").then().statusCode(202)
                .body("requeued", equalTo(3))
                .body("requeued_by_code.PROVIDER_ERROR", equalTo(3));
        JsonPath second = awaitCompleted(runId, WAIT);
        assertEquals(6, second.getInt("completed"));
        assertEquals(3, second.getInt("succeeded"));
        assertEquals(3, second.getInt("errored"));
        assertEquals(Map.of("PROVIDER_REJECTED", 3), second.getMap("errors_by_code"));

        List<Map<String, Object>> all = assessments(runId);
        assertEquals(9, all.size(), "history is kept: three errors, three results that override them, three rejections");
        List<Map<String, Object>> oldErrors = all.stream().filter(a -> "PROVIDER_ERROR".equals(errorCode(a))).toList();
        List<Map<String, Object>> results = all.stream().filter(a -> errorCode(a) == null).toList();
        assertEquals(3, oldErrors.size());
        assertEquals(3, results.size());
        assertTrue(oldErrors.stream().allMatch(a -> Boolean.FALSE.equals(a.get("valid"))), "overridden errors are no longer valid");
        Set<Object> overridden = results.stream().map(a -> a.get("overrides")).collect(Collectors.toSet());
        assertEquals(oldErrors.stream().map(a -> a.get("assessment_id")).collect(Collectors.toSet()), overridden);
        assertTrue(results.stream().allMatch(a -> Boolean.TRUE.equals(a.get("valid"))));
        given().queryParam("run_id", runId).queryParam("valid", true).queryParam("has_error", true).get("/api/assessments")
                .then().body("assessments.size()", equalTo(3));

        // without a body: every errored judgment again; these fail again, each new error overriding the last
        given().post("/api/judge-runs/" + runId + "/retry").then().statusCode(202).body("requeued", equalTo(3));
        JsonPath third = awaitCompleted(runId, WAIT);
        assertEquals(Map.of("PROVIDER_REJECTED", 3), third.getMap("errors_by_code"));
        assertEquals(12, assessments(runId).size());
        given().contentType(ContentType.JSON).body("{\"error_codes\": [\"TIMEOUT\"]}")
                .post("/api/judge-runs/" + runId + "/retry").then().statusCode(202).body("requeued", equalTo(0));
        given().contentType(ContentType.JSON).body("{\"error_codes\": \"TIMEOUT\"}")
                .post("/api/judge-runs/" + runId + "/retry").then().statusCode(400).body("detail", containsString("error_codes must be an array"));
        given().contentType(ContentType.JSON).body("{\"codes\": [\"TIMEOUT\"]}")
                .post("/api/judge-runs/" + runId + "/retry").then().statusCode(400).body("detail", containsString("Unknown field 'codes' at 'codes': did you mean \"error_codes\"?"));
    }
}
