package dev.tribunal.run;

import dev.tribunal.budget.BudgetLedger;
import dev.tribunal.budget.Budgets;
import dev.tribunal.budget.Limit;
import dev.tribunal.budget.Spending;
import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.judge.Judgment;
import dev.tribunal.judge.TraceData;
import dev.tribunal.llm.ErrorCode;
import dev.tribunal.llm.JudgeModelClient;
import dev.tribunal.llm.ModelId;
import dev.tribunal.system.Times;
import dev.tribunal.trace.TraceDataLoader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.ShutdownEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * The worker loop: claims pending tasks from the {@link TaskQueue} while this process has room, loads their traces
 * (the connection is returned before any judge runs), starts their judgments and hands each finished one to the
 * {@link ResultSink}. One claiming stream per process; a wake-up that comes while it claims makes it look once more
 * when done. Nothing here touches a Hibernate session, so it runs on any thread.
 */
@ApplicationScoped
class WorkerLoop {

    private static final Logger LOG = Logger.getLogger(WorkerLoop.class);
    /** Tasks claimed per transaction. */
    private static final int CLAIM_BATCH = 200;
    /** Claims of one task (its processes died or stopped) before it ends as an error instead of being judged again. */
    static final int MAX_CLAIMS = 5;

    private final WorkerConfig config;
    private final TaskQueue queue;
    private final HeldTasks held;
    private final TraceDataLoader loader;
    private final JudgeCatalog catalog;
    private final dev.tribunal.judge.JudgeVersions versions;
    private final JudgeRunner runner;
    private final ResultSink sink;
    private final JudgeModelClient models;
    private final Workers workers;
    private final BudgetLedger ledger;
    private final Budgets budgets;
    private final Counter leaseExpiries;
    /** Judgments started and not yet handed to the sink. */
    private final AtomicInteger inFlight = new AtomicInteger();
    private volatile MultiEmitter<? super Boolean> wakeUps;
    private volatile boolean stopping;

    WorkerLoop(WorkerConfig config, TaskQueue queue, HeldTasks held, TraceDataLoader loader, JudgeCatalog catalog, JudgeRunner runner,
               ResultSink sink, JudgeModelClient models, Workers workers, MeterRegistry metrics, dev.tribunal.judge.JudgeVersions versions,
               BudgetLedger ledger, Budgets budgets) {
        this.ledger = ledger;
        this.budgets = budgets;
        this.versions = versions;
        this.config = config;
        this.queue = queue;
        this.held = held;
        this.loader = loader;
        this.catalog = catalog;
        this.runner = runner;
        this.sink = sink;
        this.models = models;
        this.workers = workers;
        this.leaseExpiries = metrics.counter("tribunal.worker.lease.expiries");
        metrics.gauge("tribunal.worker.tasks", Tags.of("state", "judging"), inFlight, AtomicInteger::get);
        metrics.gauge("tribunal.worker.tasks", Tags.of("state", "writing"), sink, ResultSink::pending);
        // written results make room: look for more work then too; they are no longer held
        sink.whenWritten(tasks -> {
            held.remove(tasks);
            poll();
        });
        // the claiming stream: while one round claims, the latest wake-up waits and starts the next round
        Multi.createFrom().<Boolean>emitter(emitter -> wakeUps = emitter, BackPressureStrategy.LATEST)
                .onItem().transformToUniAndConcatenate(ignored -> claimWhileRoom())
                .subscribe().with(
                        ignored -> {
                        },
                        failure -> LOG.errorf(failure, "The claiming loop stopped; no more tasks are claimed by this process"));
    }

    /**
     * Claims tasks while this process has room: called every second ({@link ClaimTick}), when a run is created here and
     * whenever judgments have finished or been written.
     */
    void poll() {
        if (config.enabled() && !stopping && workers.ready()) {
            wakeUps.emit(Boolean.TRUE);
        }
    }

    /** One round: claims until there is no room or no more work. A failure is logged; the next wake-up tries again. */
    private Uni<Void> claimWhileRoom() {
        return Multi.createBy().repeating().uni(this::claimOnce).whilst(filled -> filled)
                .collect().last()
                .replaceWithVoid()
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Claiming judge tasks failed, trying again within a second: %s", failure.toString());
                    return null;
                });
    }

    /** Claims as many tasks as there is room for; true when as many came as were asked for (more may be waiting). */
    private Uni<Boolean> claimOnce() {
        // judgments waiting to be written count too: the sink must keep up before more is claimed
        int room = config.maxInFlight() - inFlight.get() - sink.pending();
        if (stopping || room < Math.min(CLAIM_BATCH, config.maxInFlight()) / 4) {
            // no room: the next finished judgment asks again
            return Uni.createFrom().item(false);
        }
        int wanted = Math.min(room, CLAIM_BATCH);
        return waitingSweeps()
                .chain(waiting -> queue.claim(wanted, Times.now(), config.lease(), waiting))
                .map(claimed -> {
                    if (claimed.expired() > 0) {
                        leaseExpiries.increment(claimed.expired());
                        LOG.infof("Claimed %d tasks whose holder's lease had expired", claimed.expired());
                    }
                    if (!claimed.tasks().isEmpty()) {
                        start(claimed.tasks());
                    }
                    return claimed.tasks().size() == wanted;
                });
    }

    /** Sweeps that wait for the next UTC day: their budget for today is spent, so their tasks are not claimed. */
    private Uni<Set<String>> waitingSweeps() {
        List<Limit> waiting = budgets.all().stream()
                .filter(limit -> limit.scope() == Limit.Scope.SWEEP && limit.onExhausted() == Limit.OnExhausted.WAIT)
                .toList();
        if (waiting.isEmpty()) {
            return Uni.createFrom().item(Set.of());
        }
        return ledger.exhausted(waiting).map(spent -> spent.stream().map(Limit::name).collect(Collectors.toSet()));
    }

    private void start(List<JudgeTask> all) {
        inFlight.addAndGet(all.size());
        held.add(all);
        // a task whose process died every time it judged it (a trace too big for memory, say) ends as an error
        List<JudgeTask> claimed = new ArrayList<>();
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
        Set<String> traceIds = claimed.stream().map(JudgeTask::traceId).collect(Collectors.toCollection(LinkedHashSet::new));
        // a pairwise judge's baselines are read with the candidates
        claimed.stream().map(JudgeTask::baselineTraceId).filter(java.util.Objects::nonNull).forEach(traceIds::add);
        loader.load(traceIds).subscribe().with(
                // prompts are built off the event loop, which the database connections share
                data -> Infrastructure.getDefaultWorkerPool().execute(() -> claimed.forEach(task -> judgeSafely(task, data))),
                failure -> {
                    LOG.errorf("Loading traces for %d claimed tasks failed (%s); they go back to pending", claimed.size(), failure.toString());
                    queue.release(claimed).subscribe().with(
                            released -> {
                                held.remove(claimed);
                                inFlight.addAndGet(-claimed.size());
                                poll();
                            },
                            releaseFailure -> {
                                // no longer renewed: another process (or this one) takes them once their lease ends
                                held.remove(claimed);
                                inFlight.addAndGet(-claimed.size());
                                LOG.errorf("Releasing %d claimed tasks failed too (%s); they are claimed again when their lease ends",
                                        claimed.size(), releaseFailure.toString());
                            });
                });
    }

    /** Tells this process's providers that a run was cancelled: its calls not yet sent are not sent. */
    void cancelRun(String runId) {
        if (held.markCancelled(runId)) {
            models.cancelScope(runId);
        }
    }

    /**
     * On SIGTERM: claims nothing more, lets judgments in progress finish and be written for up to
     * {@code tribunal.worker.shutdown-grace}, then gives every task still held back to pending, so that
     * another process (or this one, restarted) takes them at once instead of after their lease.
     */
    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        // calls already sent finish; those not sent yet are not sent, their tasks given back below
        models.stopSending();
        if (held.isEmpty()) {
            return;
        }
        LOG.infof("Stopping: %d judge tasks held, waiting up to %d s for the calls in progress", held.size(),
                config.shutdownGrace().toSeconds());
        long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
        while ((inFlight.get() > 0 || !sink.idle()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // results that arrive from now on are dropped: their tasks are given back below
        sink.close();
        List<JudgeTask> left = held.all();
        if (left.isEmpty()) {
            LOG.info("Stopping: every judge task in progress was finished and written");
            return;
        }
        try {
            int released = queue.release(left).await().atMost(java.time.Duration.ofSeconds(10));
            LOG.infof("Stopping: %d judge tasks not finished in time went back to pending", released);
        } catch (RuntimeException e) {
            LOG.warnf("Stopping: giving back %d judge tasks failed (%s); they are claimed again when their lease ends", left.size(),
                    e.toString());
        }
    }

    /** Every claimed task ends in a judgment, whatever fails on the way. */
    private void judgeSafely(JudgeTask task, Map<String, TraceData> traces) {
        judgeSafely(() -> judge(task, traces), task);
    }

    /**
     * Judges a task with the judge at the version the task was made for: the loaded one, or a past version read back
     * from its stored file (a run that names it, or tasks made before the file changed).
     */
    private void judge(JudgeTask task, Map<String, TraceData> traces) {
        JudgeDefinition loaded = catalog.find(task.judgeName()).filter(j -> j.version().equals(task.judgeVersion())).orElse(null);
        if (loaded != null) {
            judge(task, loaded, null, traces);
            return;
        }
        versions.forTask(task.judgeName(), task.judgeVersion())
                // prompts are built off the event loop
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .subscribe().with(
                        found -> judgeSafely(() -> judge(task, found.judge(), found.problem(), traces), task),
                        failure -> finished(task, unavailable(task, "its judge's version could not be read: " + failure)));
    }

    private void judgeSafely(Runnable judging, JudgeTask task) {
        try {
            judging.run();
        } catch (RuntimeException e) {
            LOG.errorf(e, "Judging task %s failed before it started", task.taskId());
            finished(task, unavailable(task, "could not be started: " + e));
        }
    }

    private void judge(JudgeTask task, JudgeDefinition judge, String missingJudge, Map<String, TraceData> traces) {
        TraceData trace = traces.get(task.traceId());
        Spending spending = budgets.spending(task.sweep());
        boolean pairwise = judge != null && judge.output() instanceof dev.tribunal.judge.OutputSpec.PairwiseOutput;
        Uni<Judgment> judgment;
        if (judge == null || trace == null) {
            judgment = Uni.createFrom().item(unavailable(task, judge == null
                    ? (missingJudge != null ? missingJudge : "judge '" + task.judgeName() + "' is no longer loaded")
                    : "trace " + task.traceId() + " no longer exists"));
        } else if (pairwise != (task.baselineTraceId() != null)) {
            judgment = Uni.createFrom().item(unavailable(task, pairwise ? "judge '" + task.judgeName() + "' is a pairwise judge now; the "
                    + "task has no baseline to compare with" : "judge '" + task.judgeName() + "' is no longer a pairwise judge"));
        } else if (pairwise && traces.get(task.baselineTraceId()) == null) {
            judgment = Uni.createFrom().item(unavailable(task, "baseline trace " + task.baselineTraceId() + " no longer exists"));
        } else if (pairwise) {
            ModelId model = ModelId.parse(task.modelId()).orElse(null);
            judgment = model == null ? Uni.createFrom().item(unavailable(task, "the task names no model: " + task.modelId()))
                    : runner.comparePair(judge, model, trace, traces.get(task.baselineTraceId()), task.runId(), spending);
        } else {
            ModelId model = judge.kind() == JudgeDefinition.Kind.LLM ? ModelId.parse(task.modelId()).orElse(null) : null;
            judgment = judge.kind() == JudgeDefinition.Kind.LLM && model == null
                    ? Uni.createFrom().item(unavailable(task, "judge '" + task.judgeName() + "' is an LLM judge now; the task was made for "
                    + task.modelId()))
                    : runner.run(judge, model, trace, task.runId(), task.samples() != null ? task.samples() : judge.samples(), spending);
        }
        judgment.subscribe().with(
                result -> finished(task, result, spending),
                failure -> finished(task, unavailable(task, failure.toString()), spending));
    }

    private void finished(JudgeTask task, Judgment judgment) {
        finished(task, judgment, Spending.outsideSweeps());
    }

    /** @param spending the budget reservations of the judgment's calls, settled with its write or handed back when none follows */
    private void finished(JudgeTask task, Judgment judgment, Spending spending) {
        if (judgment.errorCode() == ErrorCode.SHUTTING_DOWN || judgment.errorCode() == ErrorCode.CANCELLED
                || judgment.errorCode() == ErrorCode.BUDGET_DEFERRED) {
            // no judgment is written: what the calls reserved goes back now (what a jury's members that did answer cost is spent)
            ledger.settle(spending.reservations()).subscribe().with(
                    ignored -> {
                    },
                    failure -> LOG.warnf("Handing back the budget reservations of task %s failed; they expire: %s", task.taskId(),
                            failure.toString()));
        }
        if (judgment.errorCode() == ErrorCode.BUDGET_DEFERRED) {
            // its sweep's budget for the day is spent: the task waits, pending, and is not claimed again until the next day
            inFlight.decrementAndGet();
            queue.defer(List.of(task)).subscribe().with(
                    ignored -> held.remove(List.of(task)),
                    failure -> {
                        held.remove(List.of(task));
                        LOG.warnf("Giving back task %s to wait for its sweep's budget failed; it is claimed again when its lease ends: %s",
                                task.taskId(), failure.toString());
                    });
            return;
        }
        if (judgment.errorCode() == ErrorCode.SHUTTING_DOWN) {
            // not sent because this process is stopping: still held, given back at the end of the grace
            inFlight.decrementAndGet();
            return;
        }
        if (judgment.errorCode() == ErrorCode.CANCELLED) {
            // its run was cancelled before the call went out: no assessment, the task is CANCELLED
            inFlight.decrementAndGet();
            queue.cancelled(List.of(task)).subscribe().with(
                    ignored -> held.remove(List.of(task)),
                    failure -> {
                        // left to its lease; the cancelled run's left-overs are settled then
                        held.remove(List.of(task));
                        LOG.warnf("Marking task %s cancelled failed: %s", task.taskId(), failure.toString());
                    });
            return;
        }
        sink.add(task, judgment, spending.reservations());
        inFlight.decrementAndGet();
        poll();
    }

    private static Judgment unavailable(JudgeTask task, String message) {
        return failed(task, ErrorCode.JUDGE_UNAVAILABLE, message);
    }

    private static Judgment failed(JudgeTask task, ErrorCode code, String message) {
        // the judge may be gone: an LLM judge's task names a model, a jury's jury:<name>, a code judge's its own name
        JudgeDefinition.Kind kind = ModelId.parse(task.modelId()).isPresent() ? JudgeDefinition.Kind.LLM
                : task.modelId().startsWith(JudgeDefinition.JURY_PREFIX) ? JudgeDefinition.Kind.JURY : JudgeDefinition.Kind.CODE;
        return new Judgment(task.judgeName(), task.judgeVersion(), kind, task.modelId(), null, null, null,
                code, message, Map.of(JudgeRunner.VERSION_KEY, task.judgeVersion()), new Judgment.Outcome(0, 0, 0, 0, null));
    }

}
