package dev.tribunal.system;

import dev.tribunal.llm.FakeOpenAiServer;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Two Tribunal processes on one PostgreSQL judge one run at once under one provider budget: together they spend at most
 * the limit plus one judgment's cost (the reservation that reached the limit), whatever the number of calls in flight,
 * the judgments past it end as BUDGET_EXCEEDED without a call, and both processes report the same spend.
 */
class BudgetReplicasIT {

    /** Affords about 55 of the simulated calls (0.000036 each), with several reservations in flight at once. */
    private static final double LIMIT = 0.002;
    private static final int TRACES = 100;
    private static final double CALL_COST = (120 * 0.15 + 30 * 0.60) / 1_000_000d;

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path tempDir;

    private EmbeddedDatabase database;
    private FakeOpenAiServer provider;
    private final List<TribunalProcess> processes = new ArrayList<>();

    @BeforeEach
    void start() {
        database = EmbeddedDatabase.start(tempDir.resolve("shared-pg"), 0, false);
        provider = new FakeOpenAiServer();
    }

    @AfterEach
    void stopEverything() {
        processes.forEach(TribunalProcess::close);
        processes.forEach(p -> TribunalProcess.killPostmaster(p.workDir().resolve("data").resolve("postgres")));
        provider.close();
        if (database != null) {
            database.close();
        }
    }

    private TribunalProcess replica(String name) throws IOException {
        return replica(name, LIMIT);
    }

    private TribunalProcess replica(String name, double limit, String... more) throws IOException {
        Path workDir = Files.createDirectories(tempDir.resolve(name)).toRealPath();
        List<String> args = new ArrayList<>(List.of(
                "-Dtribunal.providers.bp.base-url=" + provider.baseUrl(),
                // each replica has its own key, so that the provider's log tells who called
                "-Dtribunal.providers.bp.api-key=key-" + name,
                "-Dtribunal.providers.bp.max-retries=0",
                "-Dtribunal.providers.bp.input-price-per-million=0.15",
                "-Dtribunal.providers.bp.output-price-per-million=0.60",
                "-Dtribunal.providers.bp.budget.per-day=" + limit,
                // several tasks at a time per process, so that both have calls in flight together
                "-Dtribunal.worker.max-in-flight=16"));
        args.addAll(List.of(more));
        TribunalProcess app = TribunalProcess.replica(workDir, database, args.toArray(String[]::new));
        processes.add(app);
        return app;
    }

    /**
     * Batch mode under the same kind of budget: the judgments' batch calls are reserved by whichever process writes a
     * batch file and settled by whichever polls the batch; together the two spend the limit, at most one judgment over,
     * nothing stays reserved, and no line is sent for the judgments the budget refused.
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void twoProcessesSendingBatchesStayWithinOneBudgetTogether() throws IOException {
        double limit = 0.0005;
        String[] batch = {"-Dtribunal.providers.bp.batch=true", "-Dtribunal.providers.bp.batch-max-requests=5",
                "-Dtribunal.providers.bp.batch-poll-every=200ms", "-Dtribunal.providers.bp.batch-poll-max=500ms",
                "-Dtribunal.providers.bp.batch-input-price-per-million=0.075", "-Dtribunal.providers.bp.batch-output-price-per-million=0.30",
                "-Dtribunal.providers.bp.timeout=5s"};
        TribunalProcess a = replica("a", limit, batch);
        TribunalProcess b = replica("b", limit, batch);
        a.waitUntilReady();
        b.waitUntilReady();

        List<String> ids = ingest(a, TRACES);
        HttpResponse<String> created = a.postJson("/api/judge-runs", "{\"judges\": [\"relevance\"], \"models\": [\"bp:/ok\"], "
                + "\"mode\": \"batch\", \"trace_ids\": " + ids.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(",", "[", "]")) + "}");
        assertEquals(202, created.statusCode(), created.body());
        String runId = JsonPath.from(created.body()).getString("run_id");
        JsonPath run = awaitCompleted(a, b, runId);

        Spend spend = spend(assessments(a, runId));
        double spent = spend.spent();
        double largest = spend.largest();
        int made = spend.made();
        assertEquals(TRACES, run.getInt("completed"));
        assertEquals(made, provider.batches("ok").stream().mapToInt(FakeOpenAiServer.FakeBatch::lines).sum(),
                "a line for each judgment made, none for the refused ones");
        assertEquals(0, provider.received("ok").size(), "no online call");
        assertTrue(spent <= limit + largest + 1e-12, "spent " + spent + " with a limit of " + limit + " and judgments of " + largest);
        assertTrue(spent >= limit, "the budget was used: " + spent);
        assertTrue(made < TRACES, "some judgments were refused");
        for (TribunalProcess app : List.of(a, b)) {
            JsonPath budgets = JsonPath.from(app.get("/api/budgets").body()).using(new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE));
            assertEquals(spent, budgets.getDouble("budgets[0].spent_today"), 1e-9);
            assertEquals(0.0, budgets.getDouble("budgets[0].reserved_now"), 1e-12, "every reservation settled or handed back");
        }
        System.out.printf("Budget %.6f over two replicas in batch mode: %d of %d judgments made in %d batches, %.6f spent%n", limit, made,
                TRACES, provider.batches("ok").size(), spent);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void twoProcessesStayWithinOneBudgetTogether() throws IOException {
        TribunalProcess a = replica("a");
        TribunalProcess b = replica("b");
        a.waitUntilReady();
        b.waitUntilReady();

        // calls of 200 ms: many are in flight, on both processes, when the budget is reached
        String runId = startRun(a, ingest(a, TRACES), "bp:/slow-200");
        JsonPath run = awaitCompleted(a, b, runId);

        List<Map<String, Object>> assessments = assessments(a, runId);
        assertEquals(TRACES, assessments.size());
        Spend spend = spend(assessments);
        double spent = spend.spent();
        double largest = spend.largest();
        int made = spend.made();
        List<FakeOpenAiServer.Received> calls = provider.received("slow-200");
        assertEquals(made, calls.size(), "no call for the refused judgments");
        assertEquals(Set.of("Bearer key-a", "Bearer key-b"), calls.stream().map(FakeOpenAiServer.Received::authorization)
                .collect(Collectors.toSet()), "both replicas judged");
        // the reservation design's bound: a call goes only while spent + reserved is under the limit, and settles to at most
        // what it reserved, so only the call that reached the limit can pass it, by at most its own cost
        assertTrue(spent <= LIMIT + largest + 1e-12, "spent " + spent + " with a limit of " + LIMIT + " and calls of " + largest);
        assertTrue(spent >= LIMIT, "the budget was used: " + spent);
        assertTrue(made < TRACES, "some judgments were refused");
        assertEquals(spent, run.getDouble("cost"), 1e-9, "the run's cost is what was spent");

        // both processes read the one spend from the database
        for (TribunalProcess app : List.of(a, b)) {
            JsonPath budgets = JsonPath.from(app.get("/api/budgets").body()).using(new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE));
            assertEquals(List.of("provider"), budgets.getList("budgets.scope"));
            assertEquals(spent, budgets.getDouble("budgets[0].spent_today"), 1e-9);
            assertEquals(0.0, budgets.getDouble("budgets[0].reserved_now"), 1e-12, "every reservation settled");
            assertEquals(true, budgets.getBoolean("budgets[0].exhausted"));
        }
        assertTrue(spent <= LIMIT + CALL_COST + 1e-12);
        assertTrue(provider.maxInFlight("slow-200") >= 2, "calls were in flight together: " + provider.maxInFlight("slow-200"));
        System.out.printf("Budget %.6f over two replicas: %d of %d judgments made, %.6f spent (largest judgment %.6f), "
                + "at most %d calls in flight%n", LIMIT, made, TRACES, spent, largest, provider.maxInFlight("slow-200"));
    }

    /** What a run's judgments cost: their sum, the largest, and how many were made; every other one BUDGET_EXCEEDED. */
    private record Spend(double spent, double largest, int made) {
    }

    @SuppressWarnings("unchecked")
    private static Spend spend(List<Map<String, Object>> assessments) {
        double spent = 0;
        double largest = 0;
        int made = 0;
        for (Map<String, Object> assessment : assessments) {
            Map<String, Object> error = (Map<String, Object>) ((Map<String, Object>) assessment.get("feedback")).get("error");
            if (error == null) {
                double cost = Double.parseDouble(((Map<String, String>) assessment.get("metadata")).get("mlflow.assessment.judgeCost"));
                spent += cost;
                largest = Math.max(largest, cost);
                made++;
            } else {
                assertEquals("BUDGET_EXCEEDED", error.get("error_code"), error.toString());
            }
        }
        return new Spend(spent, largest, made);
    }

    private static List<Map<String, Object>> assessments(TribunalProcess app, String runId) throws IOException {
        return JsonPath.from(app.get("/api/assessments?max_results=1000&run_id=" + runId).body()).getList("assessments");
    }

    private static List<String> ingest(TribunalProcess app, int count) throws IOException {
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < count; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"Question ").append(i)
                    .append(" (").append(id).append(")\", \"outputs\": \"Answer ").append(i).append("\"}");
        }
        assertEquals(200, app.postJson("/api/traces", body.append("]}").toString()).statusCode());
        return ids;
    }

    private static String startRun(TribunalProcess app, List<String> ids, String model) throws IOException {
        HttpResponse<String> created = app.postJson("/api/judge-runs", "{\"judges\": [\"relevance\"], \"models\": [\"" + model + "\"], "
                + "\"trace_ids\": " + ids.stream().map(id -> "\"" + id + "\"").collect(Collectors.joining(",", "[", "]")) + "}");
        assertEquals(202, created.statusCode(), created.body());
        return JsonPath.from(created.body()).getString("run_id");
    }

    private static JsonPath awaitCompleted(TribunalProcess a, TribunalProcess b, String runId) throws IOException {
        JsonPath run = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            run = JsonPath.from(b.get("/api/judge-runs/" + runId).body()).using(new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE));
            if ("COMPLETED".equals(run.getString("status"))) {
                return run;
            }
            TribunalProcess.pause(250);
        }
        fail("run " + runId + " did not complete: " + (run == null ? "" : run.prettify()) + a.logTailMessage() + b.logTailMessage());
        return run;
    }
}
