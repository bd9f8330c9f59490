package dev.tribunal.probe;

import dev.tribunal.assessment.AssessmentRepository;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.judge.Judgment;
import dev.tribunal.judge.TraceData;
import dev.tribunal.probe.ProbeRequests.ProbeFigures;
import dev.tribunal.system.Times;
import dev.tribunal.trace.TraceDataLoader;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs a stored probe in the background: loads its traces, asks the judge's model every perturbed prompt (at most
 * {@code tribunal.probes.concurrency} at once, each within its provider's limits), records progress on a heartbeat, and
 * stores the figures ({@link ProbeFigures}) or the problem. Nothing it does writes an assessment.
 */
@ApplicationScoped
class ProbeJob {

    private static final Logger LOG = Logger.getLogger(ProbeJob.class);

    private final TraceDataLoader loader;
    private final JudgeRunner runner;
    private final AssessmentRepository assessments;
    private final ProbeRows rows;
    private final ProbesConfig config;

    ProbeJob(TraceDataLoader loader, JudgeRunner runner, AssessmentRepository assessments, ProbeRows rows, ProbesConfig config) {
        this.loader = loader;
        this.runner = runner;
        this.assessments = assessments;
        this.rows = rows;
        this.config = config;
    }

    /** One judge call of a probe: which probe and trace (or pair) it serves, and the call itself. */
    record Call(Probe probe, int index, String traceId, boolean padded, int weight, Supplier<Uni<Judgment>> ask) {
    }

    /** A call answered. */
    record Answer(Call call, Judgment judgment) {
    }

    /** Starts a stored probe; it ends as completed or failed, never silently. */
    void start(ProbePlan plan, int total) {
        AtomicInteger done = new AtomicInteger();
        Cancellable heartbeat = Multi.createFrom().ticks().every(config.heartbeat())
                .onItem().transformToUniAndConcatenate(tick -> rows.progress(plan.id(),
                        new ProbeResults(plan.traceIds().size(), done.get(), total, null), Times.now()))
                .subscribe().with(ignored -> {
                }, failure -> LOG.warnf("Probe %s: recording its progress failed: %s", plan.id(), failure.toString()));
        run(plan, done, total)
                .onTermination().invoke(heartbeat::cancel)
                .subscribe().with(
                        ignored -> LOG.infof("Probe %s of judge %s (version %s) completed: %d calls", plan.id(), plan.judge().name(),
                                plan.judge().version(), done.get()),
                        failure -> {
                            LOG.errorf(failure, "Probe %s of judge %s failed", plan.id(), plan.judge().name());
                            rows.finish(plan.id(), "failed", null, failure.getClass().getSimpleName() + ": " + failure.getMessage(), Times.now())
                                    .subscribe().with(v -> {
                                    }, again -> LOG.errorf("Probe %s: recording its failure failed too: %s", plan.id(), again.toString()));
                        });
    }

    private Uni<Void> run(ProbePlan plan, AtomicInteger done, int total) {
        boolean self = plan.probes().stream().anyMatch(p -> p instanceof Probe.SelfPreference);
        return loader.load(plan.traceIds())
                .chain(data -> (self ? assessments.latestHumanFeedback(plan.judge().name(), plan.traceIds())
                        : Uni.createFrom().item(Map.<String, String>of()))
                        .chain(human -> {
                            List<TraceData> traces = plan.traceIds().stream().map(data::get).filter(java.util.Objects::nonNull).toList();
                            List<Call> calls = calls(plan, traces);
                            return Multi.createFrom().iterable(calls)
                                    .onItem().transformToUni(call -> call.ask().get()
                                            .map(judgment -> new Answer(call, judgment))
                                            .invoke(() -> done.addAndGet(call.weight())))
                                    .merge(config.concurrency())
                                    .collect().asList()
                                    .map(answers -> new ProbeResults(plan.traceIds().size(), done.get(), total,
                                            ProbeFigureMaker.figures(plan, traces, answers, human)));
                        }))
                .chain(results -> rows.finish(plan.id(), "completed", results, null, Times.now()));
    }

    /** Every call of every probe of the plan. */
    private List<Call> calls(ProbePlan plan, List<TraceData> traces) {
        JudgeDefinition judge = plan.judge();
        String scope = "probe:" + plan.id();
        List<Call> calls = new ArrayList<>();
        for (Probe probe : plan.probes()) {
            if (probe instanceof Probe.Repeat repeat) {
                for (TraceData trace : traces) {
                    for (int i = 0; i < repeat.k(); i++) {
                        calls.add(new Call(probe, i, trace.traceId(), false, 1,
                                () -> runner.run(judge, plan.model(), trace, scope, judge.samples())));
                    }
                }
            } else if (probe instanceof Probe.Verbosity) {
                for (TraceData trace : traces) {
                    TraceData padded = new TraceData(trace.traceId(), trace.inputs(), Padding.pad(trace.outputs(), trace.traceId().hashCode()),
                            trace.expectations(), trace.tags(), trace.spans());
                    calls.add(new Call(probe, 0, trace.traceId(), false, 1, () -> runner.run(judge, plan.model(), trace, scope, judge.samples())));
                    calls.add(new Call(probe, 0, trace.traceId(), true, 1, () -> runner.run(judge, plan.model(), padded, scope, judge.samples())));
                }
            } else if (probe instanceof Probe.Position) {
                for (int i = 0; i + 1 < traces.size(); i += 2) {
                    TraceData candidate = traces.get(i);
                    TraceData baseline = traces.get(i + 1);
                    calls.add(new Call(probe, i / 2, candidate.traceId(), false, 2,
                            () -> runner.comparePair(judge, plan.model(), candidate, baseline, scope)));
                }
            } else {
                for (TraceData trace : traces) {
                    if (ProbeFigureMaker.writer(trace) != null) {
                        calls.add(new Call(probe, 0, trace.traceId(), false, 1, () -> runner.run(judge, plan.model(), trace, scope, judge.samples())));
                    }
                }
            }
        }
        return calls;
    }
}
