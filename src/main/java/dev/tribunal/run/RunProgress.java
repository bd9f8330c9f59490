package dev.tribunal.run;

import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/** Logs a progress line for every running run, periodically. */
@ApplicationScoped
class RunProgress {

    private static final Logger LOG = Logger.getLogger(RunProgress.class);

    private final RunRepository runs;
    private final TaskRepository tasks;

    RunProgress(RunRepository runs, TaskRepository tasks) {
        this.runs = runs;
        this.tasks = tasks;
    }

    @Scheduled(every = "${tribunal.worker.progress-interval:10s}", delayed = "${tribunal.worker.progress-interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    @WithSession
    Uni<Void> log() {
        return runs.running()
                .chain(running -> running.isEmpty() ? Uni.createFrom().voidItem()
                        : tasks.counts(running.stream().map(r -> r.runId).toList())
                        .invoke(counts -> running.forEach(run -> {
                            RunRequests.RunView view = RunService.view(run, counts.stream().filter(c -> c.runId().equals(run.runId)).toList());
                            LOG.infof("Run %s: %d/%d judged (%d%%), %d errored %s, %.1f/s, ETA %ss", run.runId, view.completed(), view.total(),
                                    view.total() == 0 ? 100 : view.completed() * 100 / view.total(), view.errored(), view.errorsByCode(),
                                    view.judgmentsPerSecond() == null ? 0.0 : view.judgmentsPerSecond(),
                                    view.etaSeconds() == null ? "?" : view.etaSeconds().toString());
                        }))
                        .replaceWithVoid());
    }
}
