package dev.tribunal.batch;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Every second, in each process: sends batches of the tasks waiting in batch-mode runs, then polls the batches that are
 * due. The processes share the work through the database (tasks and batches are taken with {@code FOR UPDATE SKIP LOCKED}),
 * so any number of them may tick at once.
 */
@ApplicationScoped
class BatchTick {

    private static final Logger LOG = Logger.getLogger(BatchTick.class);
    /** Batches sent per tick at most, so that polling is never starved by a large backlog. */
    private static final int ROUNDS = 20;

    private final BatchSubmitter submitter;
    private final BatchPoller poller;
    private final BatchConfig config;

    BatchTick(BatchSubmitter submitter, BatchPoller poller, BatchConfig config) {
        this.submitter = submitter;
        this.poller = poller;
        this.config = config;
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> tick() {
        if (!config.enabled()) {
            return Uni.createFrom().voidItem();
        }
        return submitter.submit(ROUNDS)
                // a step that never answers (a connection lost without an error) must not stop every later tick
                .ifNoItem().after(config.lease()).fail()
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Sending batches failed; trying again within a second: %s", failure.toString());
                    return false;
                })
                .chain(ignored -> poller.poll()
                        .ifNoItem().after(config.lease()).fail())
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Polling batches failed; trying again within a second: %s", failure.toString());
                    return null;
                });
    }
}
