package dev.tribunal.run;

import dev.tribunal.assessment.AssessmentRows.JudgeFeedback;
import dev.tribunal.assessment.AssessmentSourceType;
import dev.tribunal.judge.Judgment;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.tribunal.run.RunTestSupport.assessments;
import static dev.tribunal.run.RunTestSupport.awaitCompleted;
import static dev.tribunal.run.RunTestSupport.startRun;
import static dev.tribunal.run.RunTestSupport.traces;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** How task states hold up against late results, cancelled runs and tasks that keep losing their process. */
@QuarkusTest
class TaskStateTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject
    Pool pool;

    @Inject
    TaskQueue rows;

    private Row task(String runId) {
        return pool.preparedQuery("select * from judge_task where run_id = $1").execute(Tuple.of(runId)).await().indefinitely()
                .iterator().next();
    }

    @Test
    void aLateResultOfAnEarlierAttemptChangesNothing() {
        String runId = startRun(List.of("relevance"), traces(1, "2"), List.of("fake-retry:/bad-request"));
        awaitCompleted(runId, WAIT);
        given().post("/api/judge-runs/" + runId + "/retry").then().statusCode(202);
        JsonPath afterRetry = awaitCompleted(runId, WAIT);
        Row row = task(runId);
        assertEquals(2, row.getInteger("attempt"));
        int assessmentsBefore = assessments(runId).size();

        // the first attempt's holder comes back from a long pause and writes its result after all
        JudgeTask stale = new JudgeTask(row.getUUID("task_id"), runId, row.getString("trace_id"), "relevance", row.getString("judge_version"),
                row.getString("model_id"), 1, null, 1, "tester", null, null, false);
        Judgment late = new Judgment("relevance", row.getString("judge_version"), dev.tribunal.judge.JudgeDefinition.Kind.LLM, "fake-retry:/bad-request", null,
                com.fasterxml.jackson.databind.node.TextNode.valueOf("yes"), "late", null, null, Map.of(),
                new Judgment.Outcome(1, 5, 0, 0, null));
        JudgeFeedback feedback = new JudgeFeedback(stale.traceId(), null, "relevance", late.value(), "late", AssessmentSourceType.LLM_JUDGE,
                late.sourceId(), null, Map.of(), runId, stale.taskId(), 1, 0, null, "tester", Instant.now());
        rows.complete(List.of(new TaskQueue.Finished(stale, late)), List.of(List.of(feedback)), Instant.now()).await().indefinitely();

        assertEquals(assessmentsBefore, assessments(runId).size(), "no assessment for a stale attempt");
        JsonPath now = given().get("/api/judge-runs/" + runId).then().extract().jsonPath();
        assertEquals(afterRetry.getInt("completed"), now.getInt("completed"));
        assertEquals(afterRetry.getInt("errored"), now.getInt("errored"), "the counters still match the tasks");
        assertEquals("PROVIDER_REJECTED", task(runId).getString("error_code"), "the second attempt's outcome stands");
    }

    @Test
    void theLeftOversOfACancelledRunAreSettled() {
        List<String> traceIds = traces(2, "2");
        String runId = "cancelledrun" + Long.toHexString(System.nanoTime());
        pool.preparedQuery("insert into judge_run (run_id, status, judges, total, created_at, finished_at) "
                + "values ($1, 'CANCELLED', '[\"exact_match\"]'::jsonb, 2, now(), now())").execute(Tuple.of(runId)).await().indefinitely();
        // one given back to pending as the run was cancelled, one held by a process that died
        pool.preparedQuery("insert into judge_task (task_id, run_id, trace_id, judge_name, judge_version, model_id, status, created_at) "
                + "values ($1, $2, $3, 'exact_match', 'v0', 'exact_match', 'PENDING', now())")
                .execute(Tuple.of(UUID.randomUUID(), runId, traceIds.get(0))).await().indefinitely();
        pool.preparedQuery("insert into judge_task (task_id, run_id, trace_id, judge_name, judge_version, model_id, status, lease_until, "
                + "claimed_by, claims, created_at) values ($1, $2, $3, 'exact_match', 'v0', 'exact_match', 'RUNNING', now() - interval '1 minute', "
                + "'dead-host/1/0', 1, now())").execute(Tuple.of(UUID.randomUUID(), runId, traceIds.get(1))).await().indefinitely();

        rows.settleCancelledRuns().await().indefinitely();

        List<String> states = new java.util.ArrayList<>();
        pool.preparedQuery("select status from judge_task where run_id = $1").execute(Tuple.of(runId)).await().indefinitely()
                .forEach(r -> states.add(r.getString("status")));
        assertEquals(List.of("CANCELLED", "CANCELLED"), states);
        given().get("/api/judge-runs/" + runId).then().statusCode(200)
                .body("cancelled", org.hamcrest.Matchers.equalTo(2))
                .body("completed", org.hamcrest.Matchers.equalTo(0));
        assertTrue(assessments(runId).isEmpty(), "nothing judged for a cancelled run");
    }

    @Test
    void deletingTracesOrRunsDeletesWhatWasJudgedOfThem() {
        List<String> traceIds = traces(3, "2");
        String runId = startRun(List.of("exact_match"), traceIds, null);
        awaitCompleted(runId, WAIT);
        assertEquals(3, count("select count(*) from judge_task where run_id = $1", runId));
        assertEquals(3, count("select count(*) from assessment where run_id = $1 and task_id is not null", runId));

        // a trace deleted by hand takes its tasks and assessments with it, in one statement
        pool.preparedQuery("delete from trace where trace_id = $1").execute(Tuple.of(traceIds.get(0))).await().indefinitely();
        assertEquals(2, count("select count(*) from judge_task where run_id = $1", runId));
        assertEquals(0, count("select count(*) from assessment where trace_id = $1", traceIds.get(0)));

        // a run deleted by hand takes its tasks; the assessments stay, no longer pointing at them
        pool.preparedQuery("delete from judge_run where run_id = $1").execute(Tuple.of(runId)).await().indefinitely();
        assertEquals(0, count("select count(*) from judge_task where run_id = $1", runId));
        assertEquals(2, count("select count(*) from assessment where run_id = $1 and task_id is null and task_attempt is null", runId));
    }

    @Test
    void newTaskIdsSortByTheTimeTheyWereMade() throws InterruptedException {
        long before = System.currentTimeMillis();
        String runId = startRun(List.of("exact_match"), traces(3, "2"), null);
        awaitCompleted(runId, WAIT);
        List<UUID> ids = new java.util.ArrayList<>();
        pool.preparedQuery("select task_id from judge_task where run_id = $1").execute(Tuple.of(runId)).await().indefinitely()
                .forEach(r -> ids.add(r.getUUID("task_id")));
        assertEquals(3, ids.size());
        for (UUID id : ids) {
            assertEquals(7, id.version(), id.toString());
            assertEquals(2, id.variant(), id.toString());
            long millis = id.getMostSignificantBits() >>> 16;
            assertTrue(millis >= before - 1000 && millis <= System.currentTimeMillis() + 1000, "its first 48 bits are the time it was made");
        }
        String a = dev.tribunal.system.Ids.newAssessmentId();
        Thread.sleep(2);
        String b = dev.tribunal.system.Ids.newAssessmentId();
        assertTrue(a.matches("a-[0-9a-f]{32}") && a.compareTo(b) < 0, a + " then " + b);
    }

    private long count(String sql, String id) {
        return pool.preparedQuery(sql).execute(Tuple.of(id)).await().indefinitely().iterator().next().getLong(0);
    }

    @Test
    void aTaskThatKeepsLosingItsProcessEndsAsAnError() throws InterruptedException {
        List<String> traceIds = traces(1, "2");
        String runId = "poisoned" + Long.toHexString(System.nanoTime());
        pool.preparedQuery("insert into judge_run (run_id, status, judges, total, created_at, started_at) "
                + "values ($1, 'RUNNING', '[\"exact_match\"]'::jsonb, 1, now(), now())").execute(Tuple.of(runId)).await().indefinitely();
        pool.preparedQuery("insert into judge_task (task_id, run_id, trace_id, judge_name, judge_version, model_id, status, lease_until, "
                + "claimed_by, claims, created_at) values ($1, $2, $3, 'exact_match', 'v0', 'exact_match', 'RUNNING', now() - interval '1 second', "
                + "'dead-host/5/0', $4, now())").execute(Tuple.of(UUID.randomUUID(), runId, traceIds.get(0), WorkerLoop.MAX_CLAIMS))
                .await().indefinitely();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (assessments(runId).isEmpty()) {
            if (System.nanoTime() > deadline) {
                fail("the task was not settled");
            }
            Thread.sleep(100);
        }
        Map<String, Object> assessment = assessments(runId).get(0);
        Map<?, ?> error = (Map<?, ?>) ((Map<?, ?>) assessment.get("feedback")).get("error");
        assertEquals("INTERNAL_ERROR", error.get("error_code"));
        assertTrue(((String) error.get("error_message")).contains("claimed " + (WorkerLoop.MAX_CLAIMS + 1) + " times without a result"),
                error.toString());
        assertEquals("COMPLETED", awaitCompleted(runId, WAIT).getString("status"));
    }
}
