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

    RunProgress(RunRepository runs) {
        this.runs = runs;
    }

    @Scheduled(every = "${tribunal.worker.progress-interval:10s}", delayed = "${tribunal.worker.progress-interval:10s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    @WithSession
    Uni<Void> log() {
        return runs.running()
                .invoke(running -> running.forEach(RunProgress::log))
                .replaceWithVoid();
    }

    private static void log(JudgeRun run) {
        RunRequests.RunView view = RunService.view(run, null);
        LOG.infof("Run %s: %d/%d judged (%d%%), %d errored %s, %.1f/s, ETA %ss", run.runId, view.completed(), view.total(),
                view.total() == 0 ? 100 : view.completed() * 100 / view.total(), view.errored(), view.errorsByCode(),
                view.judgmentsPerSecond() == null ? 0.0 : view.judgmentsPerSecond(),
                view.etaSeconds() == null ? "?" : view.etaSeconds().toString());
    }
}
