package dev.tribunal.run;

import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.concurrent.atomic.AtomicLong;

/** {@code tribunal_tasks_pending}: the tasks waiting to be claimed by any process, counted every ten seconds. */
@ApplicationScoped
class PendingTasksGauge {

    private static final Logger LOG = Logger.getLogger(PendingTasksGauge.class);

    private final TaskQueue queue;
    private final AtomicLong pending = new AtomicLong();

    PendingTasksGauge(TaskQueue queue, MeterRegistry metrics) {
        this.queue = queue;
        metrics.gauge("tribunal.tasks.pending", pending);
    }

    @Scheduled(every = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> count() {
        return queue.pendingCount()
                .invoke(pending::set)
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("Counting the pending tasks failed, the gauge keeps its last value: %s", e.toString()))
                .onFailure().recoverWithNull();
    }
}
