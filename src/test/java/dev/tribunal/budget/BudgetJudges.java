package dev.tribunal.budget;

import io.quarkus.test.junit.QuarkusTestProfile;

import java.util.Map;

/**
 * The judges of src/test/resources/budget-judges and the sweeps of src/test/resources/budget-sweeps, under daily budgets
 * small enough for a few simulated calls (each costs {@link BudgetTest#CALL_COST}): a global one of 0.0005 and one of
 * 0.0002 on provider {@code fake-budget}. Every provider has prices, as a global budget requires.
 */
public class BudgetJudges implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("tribunal.judges.dir", "src/test/resources/budget-judges",
                "tribunal.sweeps.dir", "src/test/resources/budget-sweeps",
                "tribunal.budget.per-day", "0.0005",
                "tribunal.providers.fake-budget.budget.per-day", "0.0002",
                "tribunal.providers.openai.input-price-per-million", "2.50",
                "tribunal.providers.fake-keyless.input-price-per-million", "0.15",
                "tribunal.providers.fake-open.input-price-per-million", "0.15");
    }
}
