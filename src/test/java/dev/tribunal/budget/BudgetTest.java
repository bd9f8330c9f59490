package dev.tribunal.budget;

import dev.tribunal.llm.FakeOpenAiServer;
import dev.tribunal.llm.FakeProviders;
import dev.tribunal.run.RunTestSupport;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.path.json.config.JsonPathConfig;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Daily cost budgets against the simulated provider: once a budget's day is spent, the judgments it counts end as
 * BUDGET_EXCEEDED errors without a call, and the spend never passes the limit by more than one judgment's cost.
 */
@QuarkusTest
@TestProfile(BudgetJudges.class)
class BudgetTest {

    /** What one simulated call costs: 120 prompt tokens at 0.15 and 30 completion tokens at 0.60 per million. */
    static final double CALL_COST = (120 * 0.15 + 30 * 0.60) / 1_000_000d;
    private static final Duration WAIT = Duration.ofSeconds(90);

    @Inject
    Pool pool;

    /** Each test starts a fresh day: nothing spent, nothing reserved. */
    @BeforeEach
    void freshDay() {
        pool.query("delete from budget_reservation").execute().await().indefinitely();
        pool.query("delete from budget_spend").execute().await().indefinitely();
    }

    /** A run's judgments: how many were made, how many the budget refused, and what the made ones cost. */
    record Outcome(int made, int refused, double cost, List<String> messages, int cached) {
    }

    @SuppressWarnings("unchecked")
    static Outcome judge(String judge, int traces) {
        return judge(judge, RunTestSupport.traces(traces, null));
    }

    @SuppressWarnings("unchecked")
    static Outcome judge(String judge, List<String> traceIds) {
        String runId = RunTestSupport.startRun(List.of(judge), traceIds, null);
        RunTestSupport.awaitCompleted(runId, WAIT);
        int made = 0;
        int refused = 0;
        double cost = 0;
        List<String> messages = new java.util.ArrayList<>();
        int cached = 0;
        for (Map<String, Object> a : RunTestSupport.assessments(runId)) {
            if (((Map<String, String>) a.get("metadata")).containsKey("tribunal.cached_from")) {
                cached++;
            }
            Map<String, Object> feedback = (Map<String, Object>) a.get("feedback");
            Map<String, Object> error = feedback == null ? null : (Map<String, Object>) feedback.get("error");
            if (error == null) {
                made++;
                cost += Double.parseDouble(((Map<String, String>) a.get("metadata")).get("mlflow.assessment.judgeCost"));
            } else {
                assertEquals("BUDGET_EXCEEDED", error.get("error_code"), "only the budget stops judgments here: " + error);
                refused++;
                messages.add((String) error.get("error_message"));
            }
        }
        return new Outcome(made, refused, cost, messages, cached);
    }

    /**
     * A judge's own budget, a provider's and the global one: a run over more traces than the budget affords makes as many
     * calls as fit (the last one may pass the limit by its own cost), and the rest are BUDGET_EXCEEDED errors for which
     * the provider received no call.
     */
    @ParameterizedTest
    @CsvSource({
            "capped, budget-capped, 0.0001, 12, the judge 'capped' budget of 0.0001 per day",
            "on_provider, budget-provider, 0.0002, 12, the provider 'fake-budget' budget of 0.0002 per day",
            "open, budget-global, 0.0005, 20, the global budget of 0.0005 per day"})
    void aSpentBudgetStopsTheJudgmentsItCounts(String judge, String model, double limit, int traces, String named) {
        int callsBefore = FakeProviders.server.requestCount(model);
        Outcome outcome = judge(judge, traces);

        assertEquals(traces, outcome.made() + outcome.refused());
        // calls go while the day's spend is under the limit: the one that reaches it is the last
        int affordable = (int) Math.ceil(limit / CALL_COST - 1e-12);
        assertEquals(affordable, outcome.made(), "judgments made within " + named);
        assertTrue(outcome.cost() <= limit + CALL_COST + 1e-12, "spent " + outcome.cost() + " over " + named + " plus one call");
        assertTrue(outcome.cost() >= limit, "the budget was used up: " + outcome.cost());
        assertEquals(outcome.made(), FakeProviders.server.requestCount(model) - callsBefore, "no call for the refused judgments");
        assertTrue(outcome.messages().get(0).startsWith(named + " is spent: "), outcome.messages().get(0));

        // the refusals and the spend are counted by budget
        String scope = judge.equals("capped") ? "judge" : judge.equals("open") ? "global" : "provider";
        String name = judge.equals("capped") ? "capped" : judge.equals("open") ? "" : "fake-budget";
        String metrics = given().get("/q/metrics").asString();
        assertTrue(metrics.contains("tribunal_budget_refused_total{name=\"" + name + "\",scope=\"" + scope + "\"}"), metrics);
        assertTrue(metrics.contains("tribunal_budget_spent_total{name=\"" + name + "\",scope=\"" + scope + "\"}"), metrics);
    }

    /** GET /api/budgets: every budget with its limit, and spend figures that are the sum of the stored judgments' costs. */
    @Test
    void theBudgetsShowWhatTheStoredJudgmentsCost() {
        Outcome capped = judge("capped", 2);
        Outcome open = judge("open", 3);
        assertEquals(0, capped.refused() + open.refused());

        JsonPath budgets = given().get("/api/budgets").then().statusCode(200).extract().jsonPath()
                .using(new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE));
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        assertEquals(today, budgets.getString("day"));
        assertEquals(List.of("global", "provider", "judge", "judge", "judge", "sweep", "sweep", "sweep"), budgets.getList("budgets.scope"));
        assertEquals(List.of("", "fake-budget", "batch_capped", "cached_capped", "capped", "batch_waiting", "erroring", "waiting"),
                budgets.getList("budgets.name"));

        Map<String, Object> global = budgets.getMap("budgets[0]");
        assertEquals(0.0005, ((Number) global.get("limit_per_day")).doubleValue(), 1e-12);
        assertEquals(capped.cost() + open.cost(), ((Number) global.get("spent_today")).doubleValue(), 1e-12);
        assertEquals(0.0, ((Number) global.get("reserved_now")).doubleValue(), 1e-12, "no call in flight holds anything");
        assertEquals(capped.cost() + open.cost(), ((Number) global.get("spent_last30_days")).doubleValue(), 1e-12);
        assertEquals(false, global.get("exhausted"));
        assertEquals(null, global.get("on_exhausted"));
        List<Map<String, Object>> days = budgets.getList("budgets[0].days");
        assertEquals(30, days.size());
        assertEquals(today, days.get(29).get("day"));
        assertEquals(capped.cost() + open.cost(), ((Number) days.get(29).get("spent")).doubleValue(), 1e-12);
        assertEquals(0.0, ((Number) days.get(0).get("spent")).doubleValue());

        Map<String, Object> judge = budgets.getMap("budgets[4]");
        assertEquals(capped.cost(), ((Number) judge.get("spent_today")).doubleValue(), 1e-12);
        assertEquals(0.0, ((Number) budgets.getMap("budgets[1]").get("spent_today")).doubleValue());
        assertEquals("wait", budgets.getString("budgets[7].on_exhausted"));
        assertEquals("error", budgets.getString("budgets[6].on_exhausted"));
    }

    /** The budgets can be read with the read role, like every other GET, and not without a key. */
    /** What one simulated call costs in a batch: 120 prompt tokens at 0.075 and 30 completion tokens at 0.30 per million. */
    static final double BATCH_CALL_COST = (120 * 0.075 + 30 * 0.30) / 1_000_000d;

    private static String startBatch(String judge, List<String> traceIds, String model) {
        return given().contentType(io.restassured.http.ContentType.JSON)
                .body("{\"judges\": [\"" + judge + "\"], \"mode\": \"batch\", \"trace_ids\": " + RunTestSupport.jsonList(traceIds)
                        + (model == null ? "" : ", \"models\": [\"" + model + "\"]") + "}")
                .post("/api/judge-runs").then().statusCode(202).extract().path("run_id");
    }

    private static JsonPath budgetsNow() {
        return given().get("/api/budgets").then().statusCode(200).extract().jsonPath()
                .using(new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE));
    }

    /**
     * Batch mode is counted like online calls: each judgment's calls reserve their largest cost at the batch prices before
     * they go into a file, and a budget whose room is held by a batch not yet answered holds the rest back until it is;
     * once the day is spent, the rest end as BUDGET_EXCEEDED without a call. The judge's budget of 0.00003 affords two
     * batch calls (the second reaches it).
     */
    @Test
    void aRunInBatchModeIsCountedByTheBudgetsAndStopsAtTheirLimit() {
        int batchesBefore = FakeProviders.server.batches("budget-batch").size();
        List<String> ids = RunTestSupport.traces(5, null);
        String runId = startBatch("batch_capped", ids, null);
        JsonPath run = RunTestSupport.awaitCompleted(runId, WAIT);
        assertEquals(5, run.getInt("completed"), run.prettify());
        assertEquals(2, run.getInt("succeeded"), run.prettify());
        assertEquals(3, run.getInt("errors_by_code.BUDGET_EXCEEDED"), run.prettify());
        assertEquals(2, FakeProviders.server.batches("budget-batch").size() - batchesBefore, "one judgment per batch while the room is held");
        List<FakeOpenAiServer.FakeBatch> sent = FakeProviders.server.batches("budget-batch");
        assertEquals(2, sent.subList(batchesBefore, sent.size()).stream().mapToInt(FakeOpenAiServer.FakeBatch::lines).sum(),
                "calls sent for the judgments made only");
        assertEquals(0, FakeProviders.server.received().stream().filter(r -> ids.stream().anyMatch(id -> r.userMessage().contains(id))).count(),
                "no online call");
        List<String> messages = new java.util.ArrayList<>();
        double cost = 0;
        for (Map<String, Object> a : RunTestSupport.assessments(runId)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> error = (Map<String, Object>) ((Map<String, Object>) a.get("feedback")).get("error");
            if (error == null) {
                @SuppressWarnings("unchecked")
                Map<String, String> metadata = (Map<String, String>) a.get("metadata");
                cost += Double.parseDouble(metadata.get("mlflow.assessment.judgeCost"));
            } else {
                messages.add((String) error.get("error_message"));
            }
        }
        assertEquals(2 * BATCH_CALL_COST, cost, 1e-12);
        assertTrue(messages.stream().allMatch(m -> m.startsWith("the judge 'batch_capped' budget of 0.00003 per day is spent: ")), messages.toString());

        // the spend is the judgments' batch cost on the judge's budget and the global one, and nothing stays reserved
        JsonPath budgets = budgetsNow();
        int judge = budgets.getList("budgets.name").indexOf("batch_capped");
        assertEquals(2 * BATCH_CALL_COST, budgets.getDouble("budgets[" + judge + "].spent_today"), 1e-12);
        assertEquals(true, budgets.getBoolean("budgets[" + judge + "].exhausted"));
        assertEquals(2 * BATCH_CALL_COST, budgets.getDouble("budgets[0].spent_today"), 1e-12);
        assertEquals(0.0, budgets.getDouble("budgets[" + judge + "].reserved_now"), 1e-12);
        assertEquals(0.0, budgets.getDouble("budgets[0].reserved_now"), 1e-12);
    }

    /** The reservations of judgments a batch left unanswered are handed back: a failed batch spends nothing and holds nothing. */
    @Test
    void whatAFailedBatchReservedIsHandedBack() {
        List<String> ids = RunTestSupport.traces(2, null);
        String runId = startBatch("batch_capped", ids, "fake-batch:/batch-fail");
        JsonPath run = RunTestSupport.awaitCompleted(runId, WAIT);
        assertEquals(2, run.getInt("errors_by_code.PROVIDER_ERROR"), run.prettify());
        JsonPath budgets = budgetsNow();
        int judge = budgets.getList("budgets.name").indexOf("batch_capped");
        assertEquals(0.0, budgets.getDouble("budgets[" + judge + "].spent_today"), 1e-12);
        assertEquals(0.0, budgets.getDouble("budgets[" + judge + "].reserved_now"), 1e-12);
        assertEquals(0.0, budgets.getDouble("budgets[0].reserved_now"), 1e-12);
    }

    @Test
    void readingTheBudgetsTakesTheReadRole() {
        String reader = dev.tribunal.TestSecurity.key("budget-reader", "read");
        given().header("Authorization", "Bearer " + reader).get("/api/budgets").then().statusCode(200);
        given().header("Authorization", "Bearer nope").get("/api/budgets").then().statusCode(401);
    }

    private static void ingest(int count, String sweepTag) {
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < count; i++) {
            String id = "tr-" + java.util.UUID.randomUUID().toString().replace("-", "");
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"q").append(i)
                    .append("\", \"outputs\": \"a\", \"tags\": {\"sweep\": \"").append(sweepTag).append("\"}}");
        }
        given().contentType(io.restassured.http.ContentType.JSON).body(body.append("]}").toString()).post("/api/traces")
                .then().statusCode(200);
    }

    private static JsonPath sweep(String name) {
        return given().get("/api/sweeps/" + name).then().statusCode(200).extract().jsonPath();
    }

    /** Triggers a sweep's tick and waits for it; returns the sweep's run of that tick. */
    private static String tick(String name) throws InterruptedException {
        long ticks = sweep(name).getLong("ticks");
        given().post("/api/sweeps/" + name + "/trigger").then().statusCode(202);
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath state = sweep(name);
            if (state.getLong("ticks") > ticks) {
                return state.getString("last_run_id");
            }
            Thread.sleep(100);
        }
        throw new AssertionError("sweep " + name + " did not tick");
    }

    private static boolean started(Map<String, Integer> tasks) {
        return tasks.keySet().stream().anyMatch(state -> !state.equals("PENDING"));
    }

    /**
     * The run's tasks by state once none is being judged and none has changed for two seconds (eight while every task
     * is still pending).
     */
    private Map<String, Integer> settledTasks(String runId) throws InterruptedException {
        Map<String, Integer> last = null;
        long stableSince = System.nanoTime();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Map<String, Integer> now = new java.util.TreeMap<>();
            pool.preparedQuery("select status, count(*) as n from judge_task where run_id = $1 group by status")
                    .execute(io.vertx.mutiny.sqlclient.Tuple.of(runId)).await().indefinitely()
                    .forEach(row -> now.put(row.getString("status"), row.getInteger("n")));
            if (!now.equals(last)) {
                last = now;
                stableSince = System.nanoTime();
            } else if (!now.containsKey("RUNNING") && System.nanoTime() - stableSince > (started(now) ? 2_000_000_000L : 8_000_000_000L)) {
                // until a task was claimed, a still state may only be workers that have not polled yet
                return now;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the tasks of run " + runId + " did not settle: " + last);
    }

    /**
     * A sweep that waits once its budget is spent: the judgments that fit are made, the others stay pending (no error, no
     * call) and the sweep's ticks start no new work; on a new day (nothing spent yet) they go on.
     */
    @Test
    void aWaitingSweepLeavesItsJudgmentsPendingUntilTheNextDay() throws InterruptedException {
        int callsBefore = FakeProviders.server.requestCount("budget-sweep-wait");
        ingest(8, "budget-waiting");
        String runId = tick("waiting");

        assertEquals(Map.of("DONE", 3, "PENDING", 5), settledTasks(runId), "3 judgments fit in 0.0001; the rest wait");
        assertEquals(3, FakeProviders.server.requestCount("budget-sweep-wait") - callsBefore);
        List<Map<String, Object>> written = RunTestSupport.assessments(runId);
        assertEquals(3, written.size());
        assertTrue(written.stream().allMatch(a -> ((Map<?, ?>) a.get("feedback")).get("error") == null), "none errored: " + written);
        assertEquals("RUNNING", given().get("/api/judge-runs/" + runId).then().extract().path("status"));

        // a tick while the budget is spent takes no traces and makes no run
        JsonPath before = sweep("waiting");
        ingest(2, "budget-waiting");
        given().post("/api/sweeps/waiting/trigger").then().statusCode(202);
        Thread.sleep(2500);
        JsonPath after = sweep("waiting");
        assertEquals(before.getLong("ticks"), after.getLong("ticks"), "no tick while the budget is spent");
        assertEquals(runId, after.getString("last_run_id"));
        // the sweep says why it waits: its budget and today's spend on it
        assertEquals("online", after.getString("mode"));
        assertEquals(0.0001, after.getDouble("budget.per_day"), 1e-12);
        assertEquals("wait", after.getString("budget.on_exhausted"));
        assertEquals(3 * CALL_COST, after.getDouble("budget.spent_today"), 1e-12);
        assertEquals(true, after.getBoolean("budget.exhausted"));

        // the next day's budget: the waiting judgments are made, as many as fit again
        freshDay();
        Map<String, Integer> resumed = settledTasks(runId);
        assertTrue(resumed.get("DONE") > 3, "judging went on: " + resumed);
        assertTrue(FakeProviders.server.requestCount("budget-sweep-wait") - callsBefore <= 6, "at most 3 more calls on the new day");

        // what still waits would go on with the next test's fresh day
        pool.query("select run_id from judge_run where sweep = 'waiting' and status in ('QUEUED', 'RUNNING')").execute().await()
                .indefinitely().forEach(row -> given().post("/api/judge-runs/" + row.getString("run_id") + "/cancel").then().statusCode(200));
    }

    /**
     * A sweep in batch mode whose budget is spent waits like an online one: the judgments that fit go in batches, the
     * others stay pending (no error, nothing sent) until the next day. Its budget of 0.00003 affords two batch calls.
     */
    @Test
    void aWaitingSweepInBatchModeLeavesItsJudgmentsPendingUntilTheNextDay() throws InterruptedException {
        ingest(4, "budget-batch-waiting");
        String runId = tick("batch_waiting");
        assertEquals(Map.of("DONE", 2, "PENDING", 2), settledTasks(runId), "2 batch calls fit in 0.00003; the rest wait");
        List<FakeOpenAiServer.FakeBatch> sent = FakeProviders.server.batches("budget-batch-sweep");
        assertEquals(2, sent.stream().mapToInt(FakeOpenAiServer.FakeBatch::lines).sum(), "nothing sent for the waiting judgments");
        assertTrue(RunTestSupport.assessments(runId).stream().allMatch(a -> ((Map<?, ?>) a.get("feedback")).get("error") == null));
        JsonPath state = sweep("batch_waiting");
        assertEquals("batch", state.getString("mode"));
        assertEquals(true, state.getBoolean("budget.exhausted"));
        assertEquals(2 * BATCH_CALL_COST, state.getDouble("budget.spent_today"), 1e-12);

        // the next day's budget: the waiting judgments go on in batches
        freshDay();
        assertEquals(Map.of("DONE", 4), settledTasks(runId), "the two left fit in the new day's budget");
        assertEquals(0, FakeProviders.server.received().stream().filter(r -> r.model().equals("budget-batch-sweep")).count(), "no online call");
    }

    /** A sweep whose budget says {@code on_exhausted: error}: the judgments past it end as BUDGET_EXCEEDED errors. */
    @Test
    @SuppressWarnings("unchecked")
    void anErroringSweepEndsItsJudgmentsPastTheBudgetAsErrors() throws InterruptedException {
        int callsBefore = FakeProviders.server.requestCount("budget-sweep-error");
        ingest(8, "budget-erroring");
        String runId = tick("erroring");
        RunTestSupport.awaitCompleted(runId, WAIT);

        List<Map<String, Object>> written = RunTestSupport.assessments(runId);
        List<Map<String, Object>> errors = written.stream().map(a -> (Map<String, Object>) ((Map<String, Object>) a.get("feedback")).get("error"))
                .filter(java.util.Objects::nonNull).toList();
        assertEquals(8, written.size());
        assertEquals(5, errors.size(), "3 judgments fit in 0.0001");
        assertTrue(errors.stream().allMatch(e -> "BUDGET_EXCEEDED".equals(e.get("error_code"))
                && ((String) e.get("error_message")).startsWith("the sweep 'erroring' budget of 0.0001 per day is spent")), errors.toString());
        assertEquals(3, FakeProviders.server.requestCount("budget-sweep-error") - callsBefore);
    }

    @Inject
    BudgetLedger ledger;

    /** A reservation whose judgment is never written (its process died) is handed back once it expires. */
    @Test
    void aReservationNeverSettledExpires() {
        Limit capped = new Limit(Limit.Scope.JUDGE, "capped", 0.0001);
        BudgetLedger.Outcome first = ledger.reserve(List.of(capped), 0.0003).await().indefinitely();
        assertTrue(first instanceof BudgetLedger.Reserved, first.toString());
        assertTrue(ledger.reserve(List.of(capped), 0.0003).await().indefinitely() instanceof BudgetLedger.Busy,
                "the room is held by the call in flight");
        assertEquals(0.0003, reservedNow("capped"), 1e-12);

        pool.query("update budget_reservation set expires_at = now() - interval '1 second'").execute().await().indefinitely();
        ledger.expire().await().indefinitely();
        assertEquals(0.0, reservedNow("capped"), 1e-12, "handed back");
        assertTrue(ledger.reserve(List.of(capped), 0.0003).await().indefinitely() instanceof BudgetLedger.Reserved,
                "the budget has room again");
    }

    private static double reservedNow(String judge) {
        JsonPath budgets = given().get("/api/budgets").then().statusCode(200).extract().jsonPath()
                .using(new JsonPathConfig(JsonPathConfig.NumberReturnType.DOUBLE));
        return budgets.getDouble("budgets.find { it.scope == 'judge' && it.name == '" + judge + "' }.reserved_now");
    }

    /** Judgments answered from the judgment cache cost nothing and are made even once the budget is spent. */
    @Test
    void cachedJudgmentsPassASpentBudget() {
        List<String> traces = RunTestSupport.traces(4, null);
        int callsBefore = FakeProviders.server.requestCount("budget-cached");
        Outcome first = judge("cached_capped", traces);
        assertEquals(3, first.made(), "3 calls fit in 0.0001");
        assertEquals(1, first.refused());

        Outcome again = judge("cached_capped", traces);
        assertEquals(3, again.made(), "the three answered before come from the cache");
        assertEquals(3, again.cached());
        assertEquals(0.0, again.cost(), 1e-12);
        assertEquals(1, again.refused(), "the one never answered still needs a call, which the spent budget refuses");
        assertEquals(3, FakeProviders.server.requestCount("budget-cached") - callsBefore, "no call for the cached ones");
    }
}
