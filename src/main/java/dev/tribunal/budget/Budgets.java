package dev.tribunal.budget;

import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.llm.ModelId;
import dev.tribunal.llm.ProvidersConfig;
import dev.tribunal.sweep.SweepCatalog;
import dev.tribunal.sweep.SweepDefinition;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every budget set: the global one, providers', judges' and sweeps'. Checked at start: a budget must be a number of at
 * least 0, and every model its judgments may call must have prices, or their cost could not be counted against it.
 */
@Startup
@ApplicationScoped
public class Budgets {

    private static final Logger LOG = Logger.getLogger(Budgets.class);

    private final List<Limit> all;

    Budgets(BudgetConfig config, ProvidersConfig providers, JudgeCatalog judges, SweepCatalog sweeps) {
        Map<String, Optional<BigDecimal>> providerBudgets = new java.util.TreeMap<>();
        Set<String> priced = new java.util.HashSet<>();
        providers.providers().forEach((name, provider) -> {
            providerBudgets.put(name, provider.budget().perDay());
            if (provider.inputPricePerMillion().isPresent() || provider.outputPricePerMillion().isPresent()) {
                priced.add(name);
            }
        });
        Checked checked = check(config.perDay().orElse(null), providerBudgets, priced, judges.all(), sweeps.all());
        if (!checked.problems().isEmpty()) {
            throw new IllegalStateException("Budgets that cannot hold:\n  " + String.join("\n  ", checked.problems()));
        }
        this.all = checked.limits();
        if (!all.isEmpty()) {
            LOG.infof("Budgets per UTC day: %s", String.join(", ", all.stream().map(l -> l.key() + " " + Limit.money(l.perDay())).toList()));
        }
    }

    /** The budgets set, and what keeps them from holding. */
    record Checked(List<Limit> limits, List<String> problems) {
    }

    /**
     * Every budget set, each checked: at least 0, and prices for every model it counts.
     *
     * @param global {@code tribunal.budget.per-day}; null when unset
     * @param providerBudgets each provider's {@code budget.per-day}
     * @param priced the providers that have prices
     */
    static Checked check(BigDecimal global, Map<String, Optional<BigDecimal>> providerBudgets, Set<String> priced,
                         java.util.Collection<JudgeDefinition> judges, java.util.Collection<SweepDefinition> sweeps) {
        List<String> problems = new ArrayList<>();
        List<Limit> limits = new ArrayList<>();
        if (global != null) {
            if (global.signum() < 0) {
                problems.add("tribunal.budget.per-day must be at least 0, not " + global.toPlainString());
            } else {
                limits.add(new Limit(Limit.Scope.GLOBAL, "", global.doubleValue()));
                providerBudgets.keySet().stream().filter(name -> !priced.contains(name)).forEach(name -> problems.add(
                        "tribunal.budget.per-day is set, but provider '" + name + "' has no prices (tribunal.providers." + name
                                + ".input-price-per-million / output-price-per-million): the cost of its judgments cannot be counted"));
            }
        }
        providerBudgets.forEach((name, budget) -> budget.ifPresent(perDay -> {
            String property = "tribunal.providers." + name + ".budget.per-day";
            if (perDay.signum() < 0) {
                problems.add(property + " must be at least 0, not " + perDay.toPlainString());
            } else if (!priced.contains(name)) {
                problems.add(property + " is set, but provider '" + name + "' has no prices (input-price-per-million / "
                        + "output-price-per-million): the cost of its judgments cannot be counted");
            } else {
                limits.add(new Limit(Limit.Scope.PROVIDER, name, perDay.doubleValue()));
            }
        }));
        for (JudgeDefinition judge : judges) {
            if (judge.budget() != null) {
                unpriced(judge.ownModels(), priced).forEach(model -> problems.add("judge '" + judge.name() + "' (" + judge.file()
                        + ") has a budget, but its model " + model + " has no prices: the cost of its judgments cannot be counted"));
                limits.add(judge.budget());
            }
        }
        for (SweepDefinition sweep : sweeps) {
            if (sweep.budget() != null) {
                Set<ModelId> models = new LinkedHashSet<>(sweep.models());
                sweep.judges().forEach(judge -> models.addAll(sweep.models().isEmpty() || judge.kind() != JudgeDefinition.Kind.LLM
                        ? judge.ownModels() : List.of()));
                unpriced(models, priced).forEach(model -> problems.add("sweep '" + sweep.name() + "' (" + sweep.file()
                        + ") has a budget, but model " + model + " of its judges has no prices: the cost of its judgments cannot be counted"));
                limits.add(sweep.budget());
            }
        }
        return new Checked(List.copyOf(limits), List.copyOf(problems));
    }

    private static List<ModelId> unpriced(java.util.Collection<ModelId> models, Set<String> priced) {
        return models.stream().filter(model -> !priced.contains(model.provider())).distinct().toList();
    }

    /** Every budget: global first, then providers', judges' and sweeps'. */
    public List<Limit> all() {
        return all;
    }

    /** What a judgment of a run holds of the budgets: its sweep's budget, when it is a sweep's run and the sweep has one. */
    public Spending spending(String sweep) {
        return sweep == null ? Spending.outsideSweeps() : Spending.ofSweep(ofSweep(sweep).orElse(null));
    }

    /** A sweep's budget, when it has one. */
    public Optional<Limit> ofSweep(String sweep) {
        return all.stream().filter(l -> l.scope() == Limit.Scope.SWEEP && l.name().equals(sweep)).findFirst();
    }
}
