package dev.tribunal.budget;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Hands back reservations whose judgments were never written (their process died or gave the write up), so that no
 * reservation holds a budget forever. Every process runs it; each takes rows the others have not locked.
 */
@ApplicationScoped
public class ReservationExpiry {

    private static final Logger LOG = Logger.getLogger(ReservationExpiry.class);

    private final BudgetLedger ledger;

    ReservationExpiry(BudgetLedger ledger) {
        this.ledger = ledger;
    }

    // the default repeats BudgetConfig's: the scheduler reads the property, not the mapping
    @Scheduled(every = "${tribunal.budget.expire-every:1m}", delayed = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> tick() {
        return ledger.expire()
                .invoke(expired -> {
                    if (expired > 0) {
                        LOG.infof("Handed back %d expired budget reservations", expired);
                    }
                })
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Handing back expired budget reservations failed; trying again at the next tick: %s", failure.toString());
                    return 0;
                })
                .replaceWithVoid();
    }
}
