package dev.tribunal.sweep;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** Keeps {@code tribunal_sweep_lag_seconds} current every ten seconds, even when nobody reads {@code /api/sweeps}. */
@ApplicationScoped
class SweepLagRefresh {

    private static final Logger LOG = Logger.getLogger(SweepLagRefresh.class);

    private final SweepCatalog catalog;
    private final SweepService sweeps;

    SweepLagRefresh(SweepCatalog catalog, SweepService sweeps) {
        this.catalog = catalog;
        this.sweeps = sweeps;
    }

    @Scheduled(every = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> refresh() {
        if (catalog.all().isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return sweeps.list().replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("Refreshing the sweeps' lag failed, the gauge keeps its last value: %s", e.toString()))
                .onFailure().recoverWithNull();
    }
}
