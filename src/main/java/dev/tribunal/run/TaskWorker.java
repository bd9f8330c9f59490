package dev.tribunal.run;

import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.judge.Judgment;
import dev.tribunal.judge.TraceData;
import dev.tribunal.llm.JudgeModelClient;
import dev.tribunal.llm.ErrorCode;
import dev.tribunal.llm.ModelId;
import dev.tribunal.system.Times;
import dev.tribunal.trace.TraceDataLoader;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Claims pending tasks while this process has room, loads their traces (the connection is returned
 * before any judge runs), and starts their judgments; each finished judgment goes to the
 * {@link ResultWriter}. Nothing here touches a Hibernate session, so it runs on any thread.
 */
@ApplicationScoped
class TaskWorker {

    private static final Logger LOG = Logger.getLogger(TaskWorker.class);
    /** Tasks claimed per transaction. */
    private static final int CLAIM_BATCH = 200;
    /** Claims of one task (its processes died or stopped) before it ends as an error instead of being judged again. */
    static final int MAX_CLAIMS = 5;

    private final WorkerConfig config;
    private final TaskRows rows;
    private final TraceDataLoader loader;
    private final JudgeCatalog catalog;
    private final JudgeRunner runner;
    private final ResultWriter writer;
    private final JudgeModelClient models;
    private final Workers workers;
    private final io.micrometer.core.instrument.MultiGauge heldByJudge;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean claiming = new AtomicBoolean();
    private final AtomicBoolean pollAgain = new AtomicBoolean();
    /** Tasks this process has claimed and not yet written or given back, by id. */
    private final Map<java.util.UUID, JudgeTask> held = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean stopping;
    private final Set<String> cancelledRuns = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile long lastRenewalNanos = System.nanoTime();

    TaskWorker(WorkerConfig config, TaskRows rows, TraceDataLoader loader, JudgeCatalog catalog, JudgeRunner runner, ResultWriter writer,
               JudgeModelClient models, Workers workers, io.micrometer.core.instrument.MeterRegistry metrics) {
        this.models = models;
        this.workers = workers;
        metrics.gauge("tribunal.worker.tasks", io.micrometer.core.instrument.Tags.of("state", "judging"), inFlight, AtomicInteger::get);
        this.heldByJudge = io.micrometer.core.instrument.MultiGauge.builder("tribunal.worker.held")
                .description("Tasks this process holds (claimed, not yet written), by judge and model").register(metrics);
        metrics.gauge("tribunal.worker.tasks", io.micrometer.core.instrument.Tags.of("state", "writing"), writer, ResultWriter::pending);
        // written results make room: look for more work then too; they are no longer held
        writer.whenWritten(tasks -> {
            tasks.forEach(task -> held.remove(task.taskId()));
            poll();
        });
        this.config = config;
        this.rows = rows;
        this.loader = loader;
        this.catalog = catalog;
        this.runner = runner;
        this.writer = writer;
    }

    /** Looks for work at least once a second: runs created by other processes, tasks left pending. */
    @Scheduled(every = "1s", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        poll();
    }

    /**
     * Claims tasks while this process has room, without waiting for the next tick: called when a run
     * is created here and whenever enough judgments have finished. One claim loop at a time.
     */
    void poll() {
        if (!config.enabled() || stopping || !workers.ready()) {
            return;
        }
        // a request during a claim loop is remembered: that loop may have looked before the new tasks existed
        pollAgain.set(true);
        if (claiming.compareAndSet(false, true)) {
            claimWhileRoom();
        }
    }

    private void stopClaiming() {
        claiming.set(false);
        if (pollAgain.get() && claiming.compareAndSet(false, true)) {
            claimWhileRoom();
        }
    }

    private void claimWhileRoom() {
        // judgments waiting to be written count too: the writer must keep up before more is claimed
        pollAgain.set(false);
        int room = config.maxInFlight() - inFlight.get() - writer.pending();
        if (room < Math.min(CLAIM_BATCH, config.maxInFlight()) / 4) {
            // no room: the next finished judgment asks again
            claiming.set(false);
            return;
        }
        int wanted = Math.min(room, CLAIM_BATCH);
        rows.claim(wanted, Times.now(), config.lease()).subscribe().with(
                claimed -> {
                    if (!claimed.isEmpty()) {
                        start(claimed);
                    }
                    if (claimed.size() == wanted) {
                        claimWhileRoom();
                    } else {
                        stopClaiming();
                    }
                },
                failure -> {
                    pollAgain.set(false);
                    claiming.set(false);
                    LOG.warnf("Claiming judge tasks failed, trying again within a second: %s", failure.toString());
                });
    }

    private void start(List<JudgeTask> all) {
        inFlight.addAndGet(all.size());
        all.forEach(task -> held.put(task.taskId(), task));
        // a task whose process died every time it judged it (a trace too big for memory, say) ends as an error
        List<JudgeTask> claimed = new java.util.ArrayList<>();
        for (JudgeTask task : all) {
            if (task.claims() > MAX_CLAIMS) {
                finished(task, failed(task, ErrorCode.INTERNAL_ERROR, "claimed " + task.claims() + " times without a result: each process "
                        + "judging it stopped before writing one"));
            } else {
                claimed.add(task);
            }
        }
        if (claimed.isEmpty()) {
            return;
        }
        Set<String> traceIds = claimed.stream().map(t -> t.traceId()).collect(Collectors.toCollection(LinkedHashSet::new));
        loader.load(traceIds).subscribe().with(
                // prompts are built off the event loop, which the database connections share
                data -> Infrastructure.getDefaultWorkerPool().execute(() -> claimed.forEach(task -> judgeSafely(task, data.get(task.traceId())))),
                failure -> {
                    LOG.errorf("Loading traces for %d claimed tasks failed (%s); they go back to pending", claimed.size(), failure.toString());
                    rows.release(claimed).subscribe().with(
                            released -> {
                                claimed.forEach(task -> held.remove(task.taskId()));
                                inFlight.addAndGet(-claimed.size());
                                poll();
                            },
                            releaseFailure -> {
                                // no longer renewed: another process (or this one) takes them once their lease ends
                                claimed.forEach(task -> held.remove(task.taskId()));
                                inFlight.addAndGet(-claimed.size());
                                LOG.errorf("Releasing %d claimed tasks failed too (%s); they are claimed again when their lease ends",
                                        claimed.size(), releaseFailure.toString());
                            });
                });
    }

    /**
     * Keeps the leases of held tasks alive, a third of a lease at a time: a task waiting behind a slow
     * provider stays this process's; a task of a process that died is free once its lease ends.
     */
    @Scheduled(every = "1s", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void renewLeases() {
        if (System.nanoTime() - lastRenewalNanos < config.lease().toNanos() / 3 || held.isEmpty()) {
            return;
        }
        lastRenewalNanos = System.nanoTime();
        List<JudgeTask> tasks = List.copyOf(held.values());
        rows.renew(tasks, config.lease()).subscribe().with(
                renewed -> LOG.debugf("Renewed the leases of %d of %d held tasks", (Object) renewed, tasks.size()),
                failure -> LOG.warnf("Renewing the leases of %d tasks failed: %s", tasks.size(), failure.toString()));
    }

    /** Tells this process's providers that a run was cancelled: its calls not yet sent are not sent. */
    void cancelRun(String runId) {
        if (cancelledRuns.add(runId)) {
            models.cancelScope(runId);
        }
    }

    /** The tasks held here by judge and model, for tribunal_worker_held. */
    @Scheduled(every = "1s", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void countHeld() {
        Map<List<String>, Long> counts = held.values().stream()
                .collect(Collectors.groupingBy(t -> List.of(t.judgeName(), t.modelId()), Collectors.counting()));
        List<io.micrometer.core.instrument.MultiGauge.Row<?>> rows = new java.util.ArrayList<>();
        counts.forEach((key, n) -> rows.add(io.micrometer.core.instrument.MultiGauge.Row.of(
                io.micrometer.core.instrument.Tags.of("judge", key.get(0), "model", key.get(1)), n)));
        heldByJudge.register(rows, true);
    }

    /** Runs cancelled by another process: their tasks held here stop too, within a second. */
    @Scheduled(every = "1s", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void followCancellations() {
        Set<String> runs = held.values().stream().map(JudgeTask::runId).filter(id -> !cancelledRuns.contains(id))
                .collect(Collectors.toSet());
        if (runs.isEmpty()) {
            return;
        }
        rows.cancelledAmong(runs).subscribe().with(
                cancelled -> cancelled.forEach(this::cancelRun),
                failure -> LOG.debugf("Looking for cancelled runs failed: %s", failure.toString()));
    }

    /**
     * On SIGTERM: claims nothing more, lets judgments in progress finish and be written for up to
     * {@code tribunal.worker.shutdown-grace}, then gives every task still held back to pending, so that
     * another process (or this one, restarted) takes them at once instead of after their lease.
     */
    void onStop(@jakarta.enterprise.event.Observes io.quarkus.runtime.ShutdownEvent event) {
        stopping = true;
        // calls already sent finish; those not sent yet are not sent, their tasks given back below
        models.stopSending();
        if (held.isEmpty()) {
            return;
        }
        LOG.infof("Stopping: %d judge tasks held, waiting up to %d s for the calls in progress", held.size(),
                config.shutdownGrace().toSeconds());
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while ((inFlight.get() > 0 || !writer.idle()) && System.nanoTime() < deadline) {
            writer.flush();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // results that arrive from now on are dropped: their tasks are given back below
        writer.close();
        List<JudgeTask> left = List.copyOf(held.values());
        if (left.isEmpty()) {
            LOG.info("Stopping: every judge task in progress was finished and written");
            return;
        }
        try {
            int released = rows.release(left).await().atMost(java.time.Duration.ofSeconds(10));
            LOG.infof("Stopping: %d judge tasks not finished in time went back to pending", released);
        } catch (RuntimeException e) {
            LOG.warnf("Stopping: giving back %d judge tasks failed (%s); they are claimed again when their lease ends", left.size(),
                    e.toString());
        }
    }

    /** Every claimed task ends in a judgment, whatever fails on the way. */
    private void judgeSafely(JudgeTask task, TraceData trace) {
        try {
            judge(task, trace);
        } catch (RuntimeException e) {
            LOG.errorf(e, "Judging task %s failed before it started", task.taskId());
            finished(task, unavailable(task, "could not be started: " + e));
        }
    }

    private void judge(JudgeTask task, TraceData trace) {
        JudgeDefinition judge = catalog.find(task.judgeName()).orElse(null);
        Uni<Judgment> judgment;
        if (judge == null || trace == null) {
            judgment = Uni.createFrom().item(unavailable(task, judge == null
                    ? "judge '" + task.judgeName() + "' is no longer loaded" : "trace " + task.traceId() + " no longer exists"));
        } else {
            ModelId model = judge.kind() == JudgeDefinition.Kind.CODE ? null : ModelId.parse(task.modelId()).orElse(null);
            judgment = judge.kind() == JudgeDefinition.Kind.LLM && model == null
                    ? Uni.createFrom().item(unavailable(task, "judge '" + task.judgeName() + "' is an LLM judge now; the task was made for "
                    + task.modelId()))
                    : runner.run(judge, model, trace, task.runId());
        }
        judgment.subscribe().with(
                result -> finished(task, result),
                failure -> finished(task, unavailable(task, failure.toString())));
    }

    private void finished(JudgeTask task, Judgment judgment) {
        if (judgment.errorCode() == ErrorCode.SHUTTING_DOWN) {
            // not sent because this process is stopping: still held, given back at the end of the grace
            inFlight.decrementAndGet();
            return;
        }
        if (judgment.errorCode() == ErrorCode.CANCELLED) {
            // its run was cancelled before the call went out: no assessment, the task is CANCELLED
            inFlight.decrementAndGet();
            rows.cancelled(List.of(task)).subscribe().with(
                    ignored -> held.remove(task.taskId()),
                    failure -> {
                        // left to its lease; the cancelled run's left-overs are settled then
                        held.remove(task.taskId());
                        LOG.warnf("Marking task %s cancelled failed: %s", task.taskId(), failure.toString());
                    });
            return;
        }
        writer.add(task, judgment);
        inFlight.decrementAndGet();
        poll();
    }

    private static Judgment unavailable(JudgeTask task, String message) {
        return failed(task, ErrorCode.JUDGE_UNAVAILABLE, message);
    }

    private static Judgment failed(JudgeTask task, ErrorCode code, String message) {
        // the judge may be gone: an LLM judge's task names a model, a code judge's its own name
        JudgeDefinition.Kind kind = ModelId.parse(task.modelId()).isPresent() ? JudgeDefinition.Kind.LLM : JudgeDefinition.Kind.CODE;
        return new Judgment(task.judgeName(), task.judgeVersion(), kind, task.modelId(), null, null, null,
                code, message, Map.of(JudgeRunner.VERSION_KEY, task.judgeVersion()), new Judgment.Outcome(0, 0, 0, 0, null));
    }

    /** Judgments started and not yet handed to the writer. */
    int inFlight() {
        return inFlight.get();
    }
}
