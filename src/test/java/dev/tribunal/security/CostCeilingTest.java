package dev.tribunal.security;

import dev.tribunal.llm.FakeProviders;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** A run estimated above tribunal.runs.confirm-cost-above starts only when the request confirms the cost. */
@QuarkusTest
@TestProfile(RequestLimitTest.TightLimits.class)
class CostCeilingTest {

    private static final String KEY_NAME = "cost-judge";

    @Inject
    Pool pool;

    @Test
    void anExpensiveRunNeedsConfirmCost() throws InterruptedException {
        String judge = dev.tribunal.TestSecurity.key(KEY_NAME, Roles.JUDGE);
        String trace = "tr-cost-" + UUID.randomUUID();
        Thread.sleep(1100);  // the admin's requests above used this second's rate
        // the trace id is in the question and the answer: every prompt made for this trace names it
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + trace + "\", \"inputs\": \"What is 2 + 2? (" + trace
                + ")\", \"outputs\": \"4 (" + trace + ")\"}]}").post("/api/traces").then().statusCode(200);
        String run = "{\"judges\": [\"relevance\", \"safety\"], \"trace_ids\": [\"" + trace + "\"], \"models\": [\"fake:/ok\"]";
        long runsBefore = runsBy(KEY_NAME);

        Response refused = given().header("Authorization", "Bearer " + judge).contentType(ContentType.JSON).body(run + "}").post("/api/judge-runs");
        assertEquals(400, refused.statusCode(), refused.asString());
        String detail = refused.jsonPath().getString("detail");
        assertTrue(detail.startsWith("This run would cost about ") && detail.contains("\"confirm_cost\": true"), detail);
        // a run and its tasks are committed before the answer to the request that starts it: none may exist now
        assertEquals(runsBefore, runsBy(KEY_NAME), "the refused request created no run");
        assertEquals(0, tasksOn(trace), "the refused request created no task");

        Thread.sleep(1100);
        Response started = given().header("Authorization", "Bearer " + judge).contentType(ContentType.JSON)
                .body(run + ", \"confirm_cost\": true}").post("/api/judge-runs");
        assertEquals(202, started.statusCode(), started.asString());
        awaitCompleted(started.jsonPath().getString("run_id"));
        assertEquals(runsBefore + 1, runsBy(KEY_NAME), "the confirmed request's run is the only one");
        assertEquals(2, tasksOn(trace), "relevance and safety on fake:/ok, once: the confirmed run's tasks");
        // the confirmed run went out after the refused request and is finished: a run started by the refusal would have called by now
        assertEquals(2, FakeProviders.server.received("ok").stream().filter(r -> r.userMessage().contains(trace)).count(),
                "the provider was called for the confirmed run's two judgments only");

        Response codeOnly = given().header("Authorization", "Bearer " + judge).contentType(ContentType.JSON)
                .body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + trace + "\"]}").post("/api/judge-runs");
        assertEquals(202, codeOnly.statusCode(), "code judges cost nothing: " + codeOnly.asString());
    }

    private long runsBy(String creator) {
        return count("select count(*) from judge_run where created_by = $1", creator);
    }

    private long tasksOn(String traceId) {
        return count("select count(*) from judge_task where trace_id = $1", traceId);
    }

    private long count(String sql, String value) {
        return pool.preparedQuery(sql).execute(Tuple.of(value)).await().indefinitely().iterator().next().getLong(0);
    }

    /** Waits in the database, not over the API: the key's requests per second are few in this profile. */
    private void awaitCompleted(String runId) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String status = null;
        while (System.nanoTime() < deadline) {
            var rows = pool.preparedQuery("select status from judge_run where run_id = $1").execute(Tuple.of(runId)).await().indefinitely();
            status = rows.rowCount() == 0 ? null : rows.iterator().next().getString("status");
            if ("COMPLETED".equals(status)) {
                return;
            }
            Thread.sleep(100);
        }
        fail("Run " + runId + " did not complete within 60 s; last status " + status);
    }
}
