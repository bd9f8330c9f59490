package dev.tribunal.cache;

import dev.tribunal.llm.FakeProviders;
import dev.tribunal.run.RunTestSupport;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.tribunal.run.RunTestSupport.assessments;
import static dev.tribunal.run.RunTestSupport.awaitCompleted;
import static dev.tribunal.run.RunTestSupport.jsonList;
import static dev.tribunal.run.RunTestSupport.startRun;
import static dev.tribunal.run.RunTestSupport.traces;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The judgment cache end to end: what a provider is asked (counted by the simulated provider per trace) when the same
 * judgments are made again.
 */
@QuarkusTest
class JudgmentCacheTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    Pool pool;

    @Inject
    CacheCleaner cleaner;

    /** Requests the provider received whose prompt is about one of these traces. */
    private static long calls(List<String> traceIds) {
        return FakeProviders.server.received().stream()
                .filter(r -> traceIds.stream().anyMatch(id -> r.userMessage().contains(id)))
                .count();
    }

    private static String run(List<String> judges, List<String> traceIds, String model) {
        String runId = startRun(judges, traceIds, List.of(model));
        awaitCompleted(runId, WAIT);
        return runId;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> metadata(Map<String, Object> assessment) {
        return (Map<String, String>) assessment.get("metadata");
    }

    /** Each assessment of a run by its trace. */
    private static Map<String, Map<String, Object>> byTrace(String runId) {
        Map<String, Map<String, Object>> byTrace = new HashMap<>();
        assessments(runId).forEach(a -> byTrace.put((String) a.get("trace_id"), a));
        return byTrace;
    }

    @Test
    void aSecondRunOverTheSameTracesAsksNoProviderAndCostsNothing() {
        List<String> ids = traces(3, null);
        String first = run(List.of("relevance"), ids, "fake-cache:/ok");
        assertEquals(3, calls(ids));
        Map<String, Map<String, Object>> original = byTrace(first);
        original.values().forEach(a -> {
            assertNull(metadata(a).get(JudgmentCache.CACHED_FROM_KEY), "a judgment that called the provider: " + a);
            assertTrue(Double.parseDouble(metadata(a).get("mlflow.assessment.judgeCost")) > 0, a.toString());
        });

        String second = run(List.of("relevance"), ids, "fake-cache:/ok");
        assertEquals(3, calls(ids), "the second run sent no request");
        Map<String, Map<String, Object>> reused = byTrace(second);
        assertEquals(3, reused.size());
        for (String id : ids) {
            Map<String, Object> a = reused.get(id);
            Map<String, String> metadata = metadata(a);
            assertEquals(original.get(id).get("assessment_id"), metadata.get(JudgmentCache.CACHED_FROM_KEY), a.toString());
            assertEquals("0", metadata.get("tribunal.tokens.prompt"));
            assertEquals("0", metadata.get("tribunal.tokens.completion"));
            assertEquals(0.0, Double.parseDouble(metadata.get("mlflow.assessment.judgeCost")));
            assertEquals(((Map<?, ?>) original.get(id).get("feedback")).get("value"), ((Map<?, ?>) a.get("feedback")).get("value"));
            assertEquals(original.get(id).get("rationale"), a.get("rationale"));
        }

        // the run view counts them; the metrics count hits and misses
        given().get("/api/judge-runs/" + first).then().statusCode(200).body("cached", org.hamcrest.Matchers.equalTo(0));
        given().get("/api/judge-runs/" + second).then().statusCode(200).body("cached", org.hamcrest.Matchers.equalTo(3))
                .body("succeeded", org.hamcrest.Matchers.equalTo(3)).body("cost", org.hamcrest.Matchers.equalTo(0.0f));
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("tribunal_judgment_cache_total{model=\"fake-cache:/ok\",result=\"hit\"}"), metrics);
        assertTrue(metrics.contains("tribunal_judgment_cache_total{model=\"fake-cache:/ok\",result=\"miss\"}"), metrics);
    }

    @Test
    void aRetryAsksAgainOnlyTheCallsThatFailed() {
        // three samples at temperature 0: the first two requests fail, the third answers; one of three is too few
        List<String> ids = traces(1, null);
        String runId = given().contentType(ContentType.JSON)
                .body("{\"judges\": [\"relevance\"], \"trace_ids\": " + jsonList(ids) + ", \"models\": [\"fake-cache:/fail-first-2\"], "
                        + "\"samples\": 3}")
                .post("/api/judge-runs").then().statusCode(202).extract().path("run_id");
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(1, run.getInt("errored"), run.prettify());
        assertEquals(3, calls(ids));

        given().contentType(ContentType.JSON).body("{}").post("/api/judge-runs/" + runId + "/retry").then().statusCode(202);
        run = awaitCompleted(runId, WAIT);
        assertEquals(0, run.getInt("errored"), run.prettify());
        assertEquals(5, calls(ids), "only the two samples that failed were sent again; the one that answered was reused");
    }

    @Test
    void callsAboveTemperatureZeroAreNewDrawsAndNotCachedByDefault() {
        // helpfulness takes five samples at a sampling temperature
        List<String> ids = traces(1, null);
        run(List.of("helpfulness"), ids, "fake-cache:/ok");
        assertEquals(5, calls(ids));
        String second = run(List.of("helpfulness"), ids, "fake-cache:/ok");
        assertEquals(10, calls(ids));
        given().get("/api/judge-runs/" + second).then().statusCode(200).body("cached", org.hamcrest.Matchers.equalTo(0));
        // relevance sets temperature 0: the same provider caches it
        run(List.of("relevance"), ids, "fake-cache:/ok");
        String again = run(List.of("relevance"), ids, "fake-cache:/ok");
        assertEquals(11, calls(ids));
        given().get("/api/judge-runs/" + again).then().statusCode(200).body("cached", org.hamcrest.Matchers.equalTo(1));
    }

    @Test
    void aProviderWithCacheFalseIsAlwaysAsked() {
        List<String> ids = traces(2, null);
        run(List.of("relevance"), ids, "fake-uncached:/ok");
        String second = run(List.of("relevance"), ids, "fake-uncached:/ok");
        assertEquals(4, calls(ids));
        given().get("/api/judge-runs/" + second).then().statusCode(200).body("cached", org.hamcrest.Matchers.equalTo(0));
        // the same judgments on a provider that keeps the default are answered from the cache the second time
        run(List.of("relevance"), ids, "fake-cache:/ok");
        run(List.of("relevance"), ids, "fake-cache:/ok");
        assertEquals(6, calls(ids));
    }

    @Test
    void theDryRunCountsOnlyWhatTheCacheCannotAnswer() {
        List<String> judged = traces(2, null);
        run(List.of("relevance"), judged, "fake-cache:/ok");
        List<String> fresh = traces(1, null);
        List<String> all = new java.util.ArrayList<>(judged);
        all.addAll(fresh);

        JsonPath onlyFresh = dryRun(fresh, "fake-cache:/ok");
        JsonPath estimate = dryRun(all, "fake-cache:/ok");
        assertEquals(3, estimate.getInt("total"));
        assertEquals(1, estimate.getInt("llm_calls"), estimate.prettify());
        assertEquals(2, estimate.getInt("cache_hits"), estimate.prettify());
        assertEquals(2, estimate.getInt("by_model[0].cache_hits"), estimate.prettify());
        assertEquals(onlyFresh.getDouble("estimated_cost"), estimate.getDouble("estimated_cost"), 1e-9, "the cost of the one new judgment");
        assertEquals(onlyFresh.getLong("estimated_prompt_tokens"), estimate.getLong("estimated_prompt_tokens"), 1.0 * onlyFresh.getLong(
                "estimated_prompt_tokens") / 5, "about one prompt's tokens");

        JsonPath uncached = dryRun(all, "fake-uncached:/ok");
        assertEquals(3, uncached.getInt("llm_calls"));
        assertEquals(0, uncached.getInt("cache_hits"));
    }

    private static JsonPath dryRun(List<String> traceIds, String model) {
        return given().contentType(ContentType.JSON)
                .body("{\"dry_run\": true, \"judges\": [\"relevance\"], \"models\": [\"" + model + "\"], \"trace_ids\": " + jsonList(traceIds)
                        + "}")
                .post("/api/judge-runs").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void expiredAnswersAreNotReusedAndAreDeletedInTheBackground() {
        List<String> ids = traces(2, null);
        String first = run(List.of("relevance"), ids, "fake-cache:/ok");
        age(first, "31 days");
        String second = run(List.of("relevance"), ids, "fake-cache:/ok");
        assertEquals(4, calls(ids), "entries older than tribunal.cache.ttl (30 days) are not used");
        given().get("/api/judge-runs/" + second).then().statusCode(200).body("cached", org.hamcrest.Matchers.equalTo(0));
        assertEquals(2, entries(second), "the new answers replace the expired ones");

        List<String> others = traces(3, null);
        String third = run(List.of("relevance"), others, "fake-cache:/ok");
        assertEquals(3, entries(third));
        age(third, "30 days 1 hour");
        long deleted = cleaner.clean().await().atMost(Duration.ofSeconds(30));
        assertTrue(deleted >= 3, "deleted " + deleted);
        assertEquals(0, entries(third));
        assertEquals(2, entries(second), "entries not expired stay");
        String fourth = run(List.of("relevance"), ids, "fake-cache:/ok");
        assertEquals(4, calls(ids));
        given().get("/api/judge-runs/" + fourth).then().statusCode(200).body("cached", org.hamcrest.Matchers.equalTo(2));
    }

    @Test
    void onlyTheHashOfTheKeyIsStoredNeverThePrompt() {
        List<String> ids = traces(1, null);
        String runId = run(List.of("relevance"), ids, "fake-cache:/ok");
        List<String> rows = new java.util.ArrayList<>();
        pool.preparedQuery("select key_hash, answer from judgment_cache where assessment_id = any($1)")
                .execute(Tuple.of(assessmentIds(runId))).await().indefinitely()
                .forEach(row -> rows.add(row.getString("key_hash") + " " + row.getString("answer")));
        assertEquals(1, rows.size());
        assertTrue(rows.get(0).matches("[0-9a-f]{64} .*"), rows.get(0));
        assertTrue(!rows.get(0).contains(ids.get(0)), "the prompt (which names the trace) is not stored: " + rows.get(0));
        assertNotNull(given().get("/api/judge-runs/" + runId).then().body("status", containsString("COMPLETED")));
    }

    private String[] assessmentIds(String runId) {
        return assessments(runId).stream().map(a -> (String) a.get("assessment_id")).toArray(String[]::new);
    }

    /** Makes a run's cache entries older by an SQL interval. */
    private void age(String runId, String interval) {
        pool.preparedQuery("update judgment_cache set created_at = created_at - cast($2::text as interval) where assessment_id = any($1)")
                .execute(Tuple.of(assessmentIds(runId), interval)).await().indefinitely();
    }

    private long entries(String runId) {
        return pool.preparedQuery("select count(*) as n from judgment_cache where assessment_id = any($1)")
                .execute(Tuple.of(assessmentIds(runId))).await().indefinitely().iterator().next().getLong("n");
    }
}
