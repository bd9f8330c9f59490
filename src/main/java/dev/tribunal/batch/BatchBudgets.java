package dev.tribunal.batch;

import dev.tribunal.budget.BudgetGate;
import dev.tribunal.budget.BudgetLedger;
import dev.tribunal.budget.Budgets;
import dev.tribunal.budget.Reservation;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.llm.ModelId;
import dev.tribunal.llm.ProviderBatches;
import dev.tribunal.llm.ProvidersConfig;
import dev.tribunal.run.JudgeTask;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cost budgets in batch mode. Each judgment's calls reserve their largest cost at the batch prices before they go into
 * a batch file, on every budget that counts them (as online calls do), held as long as the batch's answers may take. The
 * reservation is recorded with the judgment in its batch, so that whichever process writes the answer settles it to the
 * judgment's cost in the same transaction, and a judgment that goes back to wait or ends unanswered hands it back.
 */
@ApplicationScoped
class BatchBudgets {

    private static final Pattern WINDOW = Pattern.compile("(\\d+)\\s*([smhd])");

    private final BudgetGate gate;
    private final BudgetLedger ledger;
    private final Budgets budgets;
    private final BatchStore store;
    private final ProviderBatches providers;

    BatchBudgets(BudgetGate gate, BudgetLedger ledger, Budgets budgets, BatchStore store, ProviderBatches providers) {
        this.gate = gate;
        this.ledger = ledger;
        this.budgets = budgets;
        this.store = store;
        this.providers = providers;
    }

    /** Whether a judgment's calls may go into a batch now (see {@link BudgetGate#admitBatch}). */
    Uni<BudgetGate.Admission> admit(JudgeTask task, JudgeDefinition judge, ModelId model, JudgeRunner.BatchCalls calls) {
        return gate.admitBatch(budgets.spending(task.sweep()), judge.budget(), model, calls.requests().size(), calls.callCost());
    }

    /** Holds the reservations of a batch's judgments, recorded with it, until its answers may come ({@link #hold}). */
    Uni<Void> holdUntilAnswered(Collection<Reservation> reservations, ProvidersConfig.Provider settings) {
        return gate.holdFor(reservations, hold(settings));
    }

    /**
     * How long a batch's reservations are held before they are handed back unsettled: its completion window, the longest
     * wait between two polls, and an hour for the answers to be read and written.
     */
    static Duration hold(ProvidersConfig.Provider settings) {
        return window(settings.batchCompletionWindow()).plus(settings.batchPollMax()).plusHours(1);
    }

    /** A completion window such as {@code 24h}; a day when it is not written so. */
    static Duration window(String window) {
        Matcher m = WINDOW.matcher(window == null ? "" : window.trim());
        if (!m.matches()) {
            return Duration.ofDays(1);
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** The reservations a batch's judgments still hold, by task id. */
    Uni<Map<UUID, Reservation>> held(UUID batchId) {
        return store.reservations(batchId).chain(byTask -> gate.held(byTask.values()).map(held -> {
            Map<UUID, Reservation> byId = new HashMap<>();
            held.forEach(r -> byId.put(r.id(), r));
            Map<UUID, Reservation> result = new HashMap<>();
            byTask.forEach((task, reservation) -> {
                if (byId.containsKey(reservation)) {
                    result.put(task, byId.get(reservation));
                }
            });
            return result;
        }));
    }

    /** Hands back what a batch's judgments still hold: those whose answers were written settled theirs already. */
    Uni<Void> handBack(UUID batchId) {
        return held(batchId).chain(held -> handBack(held.values()));
    }

    /** Hands back reservations this process made and holds (their calls were never sent, or went back to wait). */
    Uni<Void> handBack(Collection<Reservation> reservations) {
        return ledger.settle(List.copyOf(reservations));
    }
}
