package dev.tribunal.run;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.Set;

/** Runs cancelled by another process: the tasks this process holds of them stop too, within a second. */
@ApplicationScoped
class CancellationWatch {

    private static final Logger LOG = Logger.getLogger(CancellationWatch.class);

    private final HeldTasks held;
    private final TaskQueue queue;
    private final WorkerLoop loop;

    CancellationWatch(HeldTasks held, TaskQueue queue, WorkerLoop loop) {
        this.held = held;
        this.queue = queue;
        this.loop = loop;
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void look() {
        Set<String> runs = held.runsNotKnownCancelled();
        if (runs.isEmpty()) {
            return;
        }
        queue.cancelledAmong(runs).subscribe().with(
                cancelled -> cancelled.forEach(loop::cancelRun),
                failure -> LOG.warnf("Looking for cancelled runs among %d failed, trying again in a second: %s", runs.size(),
                        failure.toString()));
    }
}
