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
    private final Budgets budgets;
    private final Map<String, Counter> refused = new ConcurrentHashMap<>();

    BudgetGate(BudgetLedger ledger, ProvidersConfig providers, BudgetConfig config, MeterRegistry metrics, Budgets budgets) {
        this.ledger = ledger;
        this.budgets = budgets;
        this.providers = providers;
        this.global = config.perDay().map(perDay -> new Limit(Limit.Scope.GLOBAL, "", perDay.doubleValue())).orElse(null);
        this.metrics = metrics;
    }

    /** Whether the calls may go. */
    public sealed interface Admission permits Admitted, Refused, Deferred, Held {
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

    /**
     * The budget's room is held by calls sent and not yet answered (in batch mode, for hours): the judgment is not sent
     * now, and is asked for again once some of them may have settled.
     */
    public record Held(String message) implements Admission {
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
        List<Limit> limits = counting(spending, judgeBudget, model);
        Admission without = withoutReserving(limits, model, calls, callCost);
        return without != null ? Uni.createFrom().item(without) : reserve(spending, limits, calls * callCost, FIRST_PAUSE);
    }

    /**
     * As {@link #admit}, for calls about to go into a provider's batch: a budget whose room is held by calls in flight
     * does not wait for it, the calls are {@link Held} back, to be asked for again later. The reservation is held as an
     * online call's until {@link #holdFor} holds it as long as the batch's answers may take.
     */
    public Uni<Admission> admitBatch(Spending spending, Limit judgeBudget, ModelId model, int calls, Double callCost) {
        List<Limit> limits = counting(spending, judgeBudget, model);
        Admission without = withoutReserving(limits, model, calls, callCost);
        if (without != null) {
            return Uni.createFrom().item(without);
        }
        return ledger.reserve(limits, calls * callCost).map(outcome -> {
            if (outcome instanceof BudgetLedger.Reserved reserved) {
                spending.add(reserved.reservation());
                return new Admitted(reserved.reservation());
            }
            if (outcome instanceof BudgetLedger.Exhausted exhausted) {
                return refuse(exhausted);
            }
            return new Held(((BudgetLedger.Busy) outcome).limit().describe() + " is held by calls sent and not answered yet");
        });
    }

    /** The budgets that count a judgment's calls: the global one, its provider's, its judge's and its sweep's. */
    private List<Limit> counting(Spending spending, Limit judgeBudget, ModelId model) {
        List<Limit> limits = standing(model.provider());
        if (judgeBudget != null) {
            limits.add(judgeBudget);
        }
        if (spending.sweep() != null) {
            limits.add(spending.sweep());
        }
        return limits;
    }

    /** The admission of calls that reserve nothing: no budget counts them, none are sent, or their cost is unknown. */
    private static Admission withoutReserving(List<Limit> limits, ModelId model, int calls, Double callCost) {
        if (limits.isEmpty() || calls == 0) {
            return new Admitted(null);
        }
        if (callCost == null) {
            return new Refused(ErrorCode.JUDGE_UNAVAILABLE, "its cost cannot be counted against " + limits.get(0).describe()
                    + ": provider " + model.provider() + " has no prices");
        }
        return null;
    }

    /** Holds these reservations (those not settled or expired yet) for {@code hold} from now. */
    public Uni<Void> holdFor(java.util.Collection<Reservation> reservations, Duration hold) {
        return ledger.extend(reservations.stream().map(Reservation::id).toList(), hold);
    }

    /**
     * The reservations of these ids still held, for settling them here (a batch's answers are written by whichever
     * process polls it, not the one that reserved): each with its budgets as set now.
     */
    public Uni<List<Reservation>> held(java.util.Collection<java.util.UUID> ids) {
        Map<String, Limit> byKey = new java.util.HashMap<>();
        budgets.all().forEach(limit -> byKey.put(limit.key(), limit));
        return ledger.held(ids, byKey::get);
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
        String message = limit.describe() + " is spent: " + Limit.money(dev.tribunal.llm.Prices.rounded(exhausted.spent()).doubleValue()) + " spent on " + BudgetLedger.today()
                + " (UTC)";
        if (limit.onExhausted() == Limit.OnExhausted.WAIT) {
            return new Deferred(message + "; the sweep's judgments wait for the next UTC day");
        }
        refused.computeIfAbsent(limit.key(), k -> metrics.counter("tribunal.budget.refused", "scope", limit.scope().label(),
                "name", limit.name())).increment();
        return new Refused(ErrorCode.BUDGET_EXCEEDED, message + "; judgments in its scope resume on the next UTC day");
    }
}
