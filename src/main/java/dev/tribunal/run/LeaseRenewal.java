package dev.tribunal.run;

import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.List;

/**
 * Keeps the leases of held tasks alive, a third of a lease at a time: a task waiting behind a slow provider stays
 * this process's; a task of a process that died is free once its lease ends.
 */
@ApplicationScoped
class LeaseRenewal {

    private static final Logger LOG = Logger.getLogger(LeaseRenewal.class);

    private final HeldTasks held;
    private final TaskQueue queue;
    private final WorkerConfig config;
    private volatile long lastRenewalNanos = System.nanoTime();

    LeaseRenewal(HeldTasks held, TaskQueue queue, WorkerConfig config) {
        this.held = held;
        this.queue = queue;
        this.config = config;
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void renew() {
        if (System.nanoTime() - lastRenewalNanos < config.lease().toNanos() / 3 || held.isEmpty()) {
            return;
        }
        lastRenewalNanos = System.nanoTime();
        List<JudgeTask> tasks = held.all();
        queue.renew(tasks, config.lease()).subscribe().with(
                renewed -> LOG.debugf("Renewed the leases of %d of %d held tasks", (Object) renewed, tasks.size()),
                failure -> LOG.warnf("Renewing the leases of %d tasks failed: %s", tasks.size(), failure.toString()));
    }
}
