package dev.tribunal.run;

import dev.tribunal.TestData;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.tribunal.run.RunTestSupport.awaitCompleted;
import static dev.tribunal.run.RunTestSupport.json;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs at their documented limits: 100,000 trace ids per run (one more is refused), and retries of runs with
 * many errors. Each prints how long its parts took.
 */
@QuarkusTest
@io.quarkus.test.junit.TestProfile(dev.tribunal.LargeData.class)
class RunLimitsTest {

    private static final Duration WAIT = Duration.ofSeconds(120);

    @Inject
    Pool pool;

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private long tasksOf(String runId) {
        return pool.preparedQuery("select count(*) from judge_task where run_id = $1").execute(Tuple.of(runId))
                .await().indefinitely().iterator().next().getLong(0);
    }

    @Test
    void aRunOfOneHundredThousandTracesIsAcceptedAndCounted() throws InterruptedException {
        String prefix = "tr-limit-" + UUID.randomUUID().toString().substring(0, 8);
        long started = System.nanoTime();
        List<String> ids = TestData.bulkTraces(pool, prefix, RunPlanner.MAX_TRACES, "2");
        System.out.printf("100,000 traces with an expectation each stored in %d ms%n", millisSince(started));
        String traceIds = json(ids);

        started = System.nanoTime();
        JsonPath estimate = given().contentType(ContentType.JSON)
                .body("{\"dry_run\": true, \"judges\": [\"exact_match\"], \"trace_ids\": " + traceIds + "}")
                .post("/api/judge-runs").then().statusCode(200).extract().jsonPath();
        System.out.printf("dry run over 100,000 traces answered in %d ms%n", millisSince(started));
        assertEquals(100_000, estimate.getInt("total"));
        assertEquals(0, estimate.getInt("llm_calls"));
        assertEquals(100_000, estimate.getInt("by_model[0].judgments"));

        started = System.nanoTime();
        String runId = given().contentType(ContentType.JSON)
                .body("{\"judges\": [\"exact_match\"], \"trace_ids\": " + traceIds + "}")
                .post("/api/judge-runs").then().statusCode(202).body("total", equalTo(100_000)).extract().path("run_id");
        System.out.printf("run over 100,000 traces created in %d ms%n", millisSince(started));
        // the other tests' runs are not kept waiting behind this one: what has not started yet is cancelled
        given().post("/api/judge-runs/" + runId + "/cancel").then().statusCode(200).body("status", equalTo("CANCELLED"));
        assertEquals(100_000, tasksOf(runId), "one task per trace, all stored with the run");
        JsonPath run = given().get("/api/judge-runs/" + runId).then().statusCode(200).extract().jsonPath();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (run.getInt("completed") + run.getInt("cancelled") < 100_000 && System.nanoTime() < deadline) {
            Thread.sleep(100);
            run = given().get("/api/judge-runs/" + runId).then().statusCode(200).extract().jsonPath();
        }
        assertEquals(100_000, run.getInt("total"));
        assertEquals(100_000, run.getInt("completed") + run.getInt("cancelled"), run.prettify());
        assertEquals(run.getInt("completed"), run.getInt("succeeded"), "each trace has its expected answer: " + run.prettify());

        // one more is refused, naming the limit; an unknown id among 100,000 is named
        List<String> tooMany = new ArrayList<>(ids);
        tooMany.add(prefix + "-extra");
        given().contentType(ContentType.JSON).body("{\"judges\": [\"exact_match\"], \"trace_ids\": " + json(tooMany) + "}")
                .post("/api/judge-runs").then().statusCode(400)
                .body("detail", containsString("trace_ids holds 100001 ids; at most 100000 per run"));
        List<String> oneUnknown = new ArrayList<>(ids.subList(1, ids.size()));
        oneUnknown.add(prefix + "-nowhere");
        given().contentType(ContentType.JSON).body("{\"judges\": [\"exact_match\"], \"trace_ids\": " + json(oneUnknown) + "}")
                .post("/api/judge-runs").then().statusCode(400)
                .body("detail", equalTo("Unknown trace id " + prefix + "-nowhere"));
    }

    @Test
    void aRunWithManyErrorsIsRetriedWhole() {
        int count = 20_000;
        List<String> ids = TestData.bulkTraces(pool, "tr-retry-" + UUID.randomUUID().toString().substring(0, 8), count, null);
        long started = System.nanoTime();
        String runId = RunTestSupport.startRun(List.of("exact_match"), ids, null);
        JsonPath first = awaitCompleted(runId, WAIT);
        System.out.printf("%,d judgments (each MISSING_INPUT) made and written in %d ms%n", count, millisSince(started));
        assertEquals(count, first.getInt("errors_by_code.MISSING_INPUT"), "no expected answers: every judgment is an error");

        started = System.nanoTime();
        given().post("/api/judge-runs/" + runId + "/retry").then().statusCode(202)
                .body("requeued", equalTo(count))
                .body("requeued_by_code.MISSING_INPUT", equalTo(count));
        JsonPath second = awaitCompleted(runId, WAIT);
        System.out.printf("%,d errors judged again in %d ms%n", count, millisSince(started));
        assertEquals(count, second.getInt("completed"));
        assertEquals(count, second.getInt("errors_by_code.MISSING_INPUT"));
        long valid = pool.preparedQuery("select count(*) filter (where valid) from assessment where run_id = $1").execute(Tuple.of(runId))
                .await().indefinitely().iterator().next().getLong(0);
        long all = pool.preparedQuery("select count(*) from assessment where run_id = $1").execute(Tuple.of(runId))
                .await().indefinitely().iterator().next().getLong(0);
        assertEquals(2L * count, all, "every first error is kept, overridden by its retry's result");
        assertEquals(count, valid, "only the retries' results are valid");
        assertTrue(second.getInt("total") == count, second.prettify());
    }
}
