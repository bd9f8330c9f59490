package dev.tribunal.budget;

import dev.tribunal.llm.ErrorCode;
import dev.tribunal.llm.ModelId;
import dev.tribunal.llm.ProvidersConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lets a judgment's calls go only with room on every budget that counts them (global, the model's provider, the
 * judge, the sweep): their largest possible cost is reserved first. A judgment whose calls are all answered from the
 * judgment cache costs nothing and is never stopped here.
 */
@ApplicationScoped
public class BudgetGate {

    /** The first pause of a call whose budget's room is held by calls in flight; doubled up to {@link #LONGEST_PAUSE}. */
    private static final Duration FIRST_PAUSE = Duration.ofMillis(100);
    /** Calls in flight settle within a write batch or two; waiting longer between looks only delays the next call. */
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(1);

    private final BudgetLedger ledger;
    private final ProvidersConfig providers;
    private final Limit global;
    private final MeterRegistry metrics;
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();

    BudgetGate(BudgetLedger ledger, ProvidersConfig providers, BudgetConfig config, MeterRegistry metrics) {
        this.ledger = ledger;
        this.providers = providers;
        this.global = config.perDay().map(perDay -> new Limit(Limit.Scope.GLOBAL, "", perDay.doubleValue())).orElse(null);
        this.metrics = metrics;
    }

    /** Whether the calls may go. */
    public sealed interface Admission permits Admitted, Refused, Deferred {
    }

    /** They may: {@code reservation} is null when no budget counts them. */
    public record Admitted(Reservation reservation) implements Admission {
    }

    /** They may not; the judgment ends as an error of this code. */
    public record Refused(ErrorCode code, String message) implements Admission {
    }

    /** A waiting sweep's budget is spent: the judgment waits for the next UTC day, its task pending. */
    public record Deferred(String message) implements Admission {
    }

    /** The global budget and the provider's, those that are set. */
    public List<Limit> standing(String provider) {
        List<Limit> limits = new ArrayList<>();
        if (global != null) {
            limits.add(global);
        }
        ProvidersConfig.Provider config = providers.providers().get(provider);
        if (config != null) {
            config.budget().perDay().ifPresent(perDay -> limits.add(new Limit(Limit.Scope.PROVIDER, provider, perDay.doubleValue())));
        }
        return limits;
    }

    /**
     * @param judgeBudget the judge's own budget; null when it has none
     * @param calls the calls about to be sent (those not answered from the cache)
     * @param callCost the largest cost of one call; null when the provider has no prices
     */
    public Uni<Admission> admit(Spending spending, Limit judgeBudget, ModelId model, int calls, Double callCost) {
        List<Limit> limits = standing(model.provider());
        if (judgeBudget != null) {
            limits.add(judgeBudget);
        }
        if (spending.sweep() != null) {
            limits.add(spending.sweep());
        }
        if (limits.isEmpty() || calls == 0) {
            return Uni.createFrom().item(new Admitted(null));
        }
        if (callCost == null) {
            return Uni.createFrom().item(new Refused(ErrorCode.JUDGE_UNAVAILABLE, "its cost cannot be counted against "
                    + limits.get(0).describe() + ": provider " + model.provider() + " has no prices"));
        }
        return reserve(spending, limits, calls * callCost, FIRST_PAUSE);
    }

    private Uni<Admission> reserve(Spending spending, List<Limit> limits, double amount, Duration pause) {
        return ledger.reserve(limits, amount).chain(outcome -> {
            if (outcome instanceof BudgetLedger.Reserved reserved) {
                spending.add(reserved.reservation());
                return Uni.createFrom().item(new Admitted(reserved.reservation()));
            }
            if (outcome instanceof BudgetLedger.Exhausted exhausted) {
                return Uni.createFrom().item(refuse(exhausted));
            }
            // the room is held by calls in flight: look again once some may have settled
            Duration next = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
            return Uni.createFrom().voidItem()
                    .onItem().delayIt().by(pause)
                    .chain(() -> reserve(spending, limits, amount, next));
        });
    }

    private Admission refuse(BudgetLedger.Exhausted exhausted) {
        Limit limit = exhausted.limit();
        String message = limit.describe() + " is spent: " + Limit.money(round(exhausted.spent())) + " spent on " + BudgetLedger.today()
                + " (UTC)";
        if (limit.onExhausted() == Limit.OnExhausted.WAIT) {
            return new Deferred(message + "; the sweep's judgments wait for the next UTC day");
        }
        refused.computeIfAbsent(limit.key(), k -> metrics.counter("tribunal.budget.refused", "scope", limit.scope().label(),
                "name", limit.name())).increment();
        return new Refused(ErrorCode.BUDGET_EXCEEDED, message + "; judgments in its scope resume on the next UTC day");
    }

    private static double round(double amount) {
        return new java.math.BigDecimal(amount).round(new java.math.MathContext(6)).doubleValue();
    }
}
