package dev.tribunal.budget;

import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeDefinition.Inference;
import dev.tribunal.judge.JudgeDefinition.Kind;
import dev.tribunal.llm.ModelId;
import dev.tribunal.sweep.SweepDefinition;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What keeps Tribunal from starting with a budget: a negative amount, or a model it counts without prices; each problem
 * names the budget's setting or file.
 */
class BudgetsCheckTest {

    private static JudgeDefinition judge(String name, String model, Limit budget) {
        return new JudgeDefinition(name, null, Kind.LLM, ModelId.parse(model).orElseThrow(), null, null, new Inference(null, null), null,
                null, null, 1, null, null, "v1", "judges/" + name + ".yaml", budget);
    }

    private static SweepDefinition sweep(String name, List<JudgeDefinition> judges, Limit budget) {
        return new SweepDefinition(name, judges, List.of(), Duration.ofMinutes(10), null, Map.of(), null, 1.0, Duration.ZERO,
                Duration.ofHours(1), 10, false, true, List.of(), "sweeps/" + name + ".yaml", budget, null);
    }

    @Test
    void budgetsOnPricedModelsHold() {
        JudgeDefinition capped = judge("capped", "paid:/m", new Limit(Limit.Scope.JUDGE, "capped", 5));
        Budgets.Checked checked = Budgets.check(new BigDecimal("50"), Map.of("paid", Optional.of(new BigDecimal("20"))), Set.of("paid"),
                List.of(capped), List.of(sweep("nightly", List.of(capped), new Limit(Limit.Scope.SWEEP, "nightly", 10,
                        Limit.OnExhausted.WAIT))));
        assertEquals(List.of(), checked.problems());
        assertEquals(List.of("global", "provider:paid", "judge:capped", "sweep:nightly"), checked.limits().stream().map(Limit::key).toList());
    }

    @Test
    void aBudgetOverAModelWithoutPricesOrBelowZeroIsNamed() {
        JudgeDefinition free = judge("free", "local:/llama", new Limit(Limit.Scope.JUDGE, "free", 1));
        JudgeDefinition plain = judge("plain", "local:/llama", null);
        Budgets.Checked checked = Budgets.check(new BigDecimal("-1"), Map.of("local", Optional.of(new BigDecimal("2")),
                        "paid", Optional.of(new BigDecimal("-3"))), Set.of("paid"), List.of(free, plain),
                List.of(sweep("nightly", List.of(plain), new Limit(Limit.Scope.SWEEP, "nightly", 10, Limit.OnExhausted.ERROR))));
        assertEquals(List.of(
                "tribunal.budget.per-day must be at least 0, not -1",
                "tribunal.providers.local.budget.per-day is set, but provider 'local' has no prices (input-price-per-million / "
                        + "output-price-per-million): the cost of its judgments cannot be counted",
                "tribunal.providers.paid.budget.per-day must be at least 0, not -3",
                "judge 'free' (judges/free.yaml) has a budget, but its model local:/llama has no prices: the cost of its judgments cannot "
                        + "be counted",
                "sweep 'nightly' (sweeps/nightly.yaml) has a budget, but model local:/llama of its judges has no prices: the cost of its "
                        + "judgments cannot be counted"), checked.problems().stream().sorted(BudgetsCheckTest::inOrder).toList());
    }

    @Test
    void aGlobalBudgetNeedsPricesOnEveryProvider() {
        Budgets.Checked checked = Budgets.check(new BigDecimal("10"), Map.of("paid", Optional.empty(), "local", Optional.empty()),
                Set.of("paid"), List.of(), List.of());
        assertEquals(List.of("tribunal.budget.per-day is set, but provider 'local' has no prices (tribunal.providers.local"
                + ".input-price-per-million / output-price-per-million): the cost of its judgments cannot be counted"), checked.problems());
    }

    @Test
    void aSweepInBatchModeMayBeCountedByBudgets() {
        JudgeDefinition plain = judge("plain", "paid:/m", null);
        SweepDefinition batch = new SweepDefinition("nightly", List.of(plain), List.of(), Duration.ofMinutes(10), null, Map.of(), null, 1.0,
                Duration.ZERO, Duration.ofHours(1), 10, false, true, List.of(), "sweeps/nightly.yaml", null, dev.tribunal.run.RunMode.BATCH);
        assertEquals(List.of(), Budgets.check(null, Map.of("paid", Optional.empty()), Set.of("paid"), List.of(plain), List.of(batch))
                .problems(), "no budget counts it");
        assertEquals(List.of(), Budgets.check(new BigDecimal("10"), Map.of("paid", Optional.of(new BigDecimal("5"))), Set.of("paid"),
                List.of(plain), List.of(batch)).problems(), "batch calls are counted like online ones");
    }

    /** Problems in the order they are found: global, providers by name, judges, sweeps. */
    private static int inOrder(String a, String b) {
        return Integer.compare(rank(a), rank(b)) != 0 ? Integer.compare(rank(a), rank(b)) : a.compareTo(b);
    }

    private static int rank(String problem) {
        return problem.startsWith("tribunal.budget") ? 0 : problem.startsWith("tribunal.providers") ? 1 : problem.startsWith("judge") ? 2 : 3;
    }
}
