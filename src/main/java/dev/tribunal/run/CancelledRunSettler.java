package dev.tribunal.run;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Every ten seconds, the tasks of cancelled runs that nobody will judge (given back at a shutdown, re-queued just as
 * the run was cancelled, or held by a process that died) are marked CANCELLED and counted on their runs.
 */
@ApplicationScoped
class CancelledRunSettler {

    private static final Logger LOG = Logger.getLogger(CancelledRunSettler.class);

    private final TaskQueue queue;

    CancelledRunSettler(TaskQueue queue) {
        this.queue = queue;
    }

    @Scheduled(every = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> settle() {
        return queue.settleCancelledRuns()
                .invoke(runs -> {
                    if (runs > 0) {
                        LOG.infof("Settled the left-over tasks of %d cancelled runs", runs);
                    }
                })
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("Settling the tasks of cancelled runs failed, trying again in 10 s: %s", e.toString()))
                .onFailure().recoverWithNull();
    }
}
