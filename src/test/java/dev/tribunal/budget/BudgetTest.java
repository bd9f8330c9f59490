package dev.tribunal.budget;

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
    record Outcome(int made, int refused, double cost, List<String> messages) {
    }

    @SuppressWarnings("unchecked")
    static Outcome judge(String judge, int traces) {
        String runId = RunTestSupport.startRun(List.of(judge), RunTestSupport.traces(traces, null), null);
        RunTestSupport.awaitCompleted(runId, WAIT);
        int made = 0;
        int refused = 0;
        double cost = 0;
        List<String> messages = new java.util.ArrayList<>();
        for (Map<String, Object> a : RunTestSupport.assessments(runId)) {
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
        return new Outcome(made, refused, cost, messages);
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
        assertEquals(List.of("global", "provider", "judge", "sweep", "sweep"), budgets.getList("budgets.scope"));
        assertEquals(List.of("", "fake-budget", "capped", "erroring", "waiting"), budgets.getList("budgets.name"));

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

        Map<String, Object> judge = budgets.getMap("budgets[2]");
        assertEquals(capped.cost(), ((Number) judge.get("spent_today")).doubleValue(), 1e-12);
        assertEquals(0.0, ((Number) budgets.getMap("budgets[1]").get("spent_today")).doubleValue());
        assertEquals("wait", budgets.getString("budgets[4].on_exhausted"));
        assertEquals("error", budgets.getString("budgets[3].on_exhausted"));
    }

    /** The budgets can be read with the read role, like every other GET, and not without a key. */
    @Test
    void readingTheBudgetsTakesTheReadRole() {
        String reader = dev.tribunal.TestSecurity.key("budget-reader", "read");
        given().header("Authorization", "Bearer " + reader).get("/api/budgets").then().statusCode(200);
        given().header("Authorization", "Bearer nope").get("/api/budgets").then().statusCode(401);
    }
}
