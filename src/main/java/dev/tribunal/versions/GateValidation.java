package dev.tribunal.versions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tribunal.assessment.AssessmentKind;
import dev.tribunal.assessment.AssessmentRepository;
import dev.tribunal.judge.JudgeChampions;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeDefinition.Gate;
import dev.tribunal.judge.JudgeVersions;
import dev.tribunal.judge.JudgeVersions.GateState;
import dev.tribunal.metaeval.Agreement;
import dev.tribunal.metaeval.MetaEvalRequests;
import dev.tribunal.metaeval.MetaEvalService;
import dev.tribunal.run.RunRequests.RunView;
import dev.tribunal.run.RunService;
import dev.tribunal.run.RunStatus;
import dev.tribunal.system.Times;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Validates gated judge versions. Every pending version is checked on a schedule (and when a validation is asked for):
 * while its reference has fewer labelled traces than the gate's min_traces it waits; then, if the dry-run estimate of
 * judging them is within max_cost (or a person confirmed the cost), a run judges them with that version; once the run
 * is over its figures are computed by the meta-evaluation over that run's judgments, and the version passes or fails.
 * A version that passes becomes champion when it is the newest that passed.
 * <p>
 * Each check holds the pending versions' rows ({@code for update skip locked}) until it has written what it did, so
 * replicas never start two validations of one version; the validation run is durable like any run, so a process that
 * dies mid-validation leaves it to the others (or to itself after a restart) to finish and decide, once.
 */
@ApplicationScoped
public class GateValidation {

    private static final Logger LOG = Logger.getLogger(GateValidation.class);
    /** Pending versions checked per transaction; more wait for the next check. */
    private static final int BATCH = 20;
    /** Labelled traces a validation judges at most (the most recently labelled). */
    static final int MAX_TRACES = 5_000;

    private final JudgeVersions versions;
    private final JudgeChampions champions;
    private final AssessmentRepository assessments;
    private final RunService runs;
    private final MetaEvalService metaEval;
    private final Pool pool;
    private final AtomicBoolean checking = new AtomicBoolean();

    GateValidation(JudgeVersions versions, JudgeChampions champions, AssessmentRepository assessments, RunService runs, MetaEvalService metaEval,
                   Pool pool) {
        this.versions = versions;
        this.champions = champions;
        this.assessments = assessments;
        this.runs = runs;
        this.metaEval = metaEval;
        this.pool = pool;
    }

    /** At least every minute, so that a version waiting for labels is validated soon after the last one arrives. */
    @Scheduled(every = "${tribunal.gates.check-every:30s}", delayed = "5s", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void onSchedule() {
        check().subscribe().with(ignored -> { }, failure -> LOG.warnf("Checking the judges' gates failed: %s; tried again at the next check",
                failure.toString()));
    }

    /** Checks every pending version once (one check at a time per process; replicas split them by row locks). */
    public Uni<Void> check() {
        if (!checking.compareAndSet(false, true)) {
            return Uni.createFrom().voidItem();
        }
        List<String> started = new ArrayList<>();
        return pool.withTransaction(connection -> versions.lockPending(connection, BATCH).chain(pending -> {
                    Uni<Void> done = Uni.createFrom().voidItem();
                    for (JudgeVersions.Version version : pending) {
                        done = done.chain(() -> step(connection, version, started));
                    }
                    return done;
                }))
                .invoke(() -> {
                    if (!started.isEmpty()) {
                        runs.poll();
                    }
                })
                .eventually(() -> checking.set(false));
    }

    /** One pending version: wait, start its run, or decide it. */
    private Uni<Void> step(SqlConnection connection, JudgeVersions.Version version, List<String> started) {
        return versions.find(version.name(), version.version()).chain(found -> {
            if (found.judge() == null) {
                return set(connection, version, pending(version, "it cannot run here: " + found.problem()));
            }
            Gate gate = found.judge().gate();
            if (gate == null) {
                return set(connection, version, new GateState(null, null, null, null, null, false, null));
            }
            if (version.gateRunId() != null) {
                return runs.progress(version.gateRunId()).chain(run -> afterRun(connection, version, found.judge(), gate, run));
            }
            return start(connection, version, found.judge(), gate, started);
        });
    }

    private Uni<Void> start(SqlConnection connection, JudgeVersions.Version version, JudgeDefinition judge, Gate gate, List<String> started) {
        Gate.Reference reference = gate.reference();
        boolean human = reference.humanFeedback() != null;
        return assessments.references(human ? reference.humanFeedback() : reference.expectation(),
                human ? AssessmentKind.FEEDBACK : AssessmentKind.EXPECTATION).chain(found -> {
            // the most recently labelled traces, each once
            LinkedHashSet<String> ids = new LinkedHashSet<>();
            for (int i = found.size() - 1; i >= 0 && ids.size() < MAX_TRACES; i--) {
                ids.add(found.get(i).traceId());
            }
            if (ids.size() < gate.minTraces()) {
                return set(connection, version, pending(version, String.format(Locale.ROOT, "waiting for labels: %d of the %d traces its "
                        + "gate needs have %s", ids.size(), gate.minTraces(), describe(reference))));
            }
            List<String> traceIds = List.copyOf(ids);
            return runs.estimate(judge, traceIds).chain(estimate -> {
                Double cost = estimate.estimatedCost();
                boolean confirmed = cost != null && version.gateConfirmedCost() != null && version.gateConfirmedCost() >= cost;
                if (cost != null && cost > gate.maxCost() && !confirmed) {
                    return set(connection, version, new GateState("pending", String.format(Locale.ROOT, "waiting for a confirmation: "
                            + "judging the %d labelled traces would cost about %.4f, over its gate's max_cost %.2f; POST "
                            + "/api/judges/%s/versions/%s/validate with {\"confirm_cost\": %.4f} to validate it", traceIds.size(), cost,
                            gate.maxCost(), version.name(), version.version(), cost), null, null, cost, version.gateRequested(), null));
                }
                return runs.createForValidation(connection, judge, traceIds, "gate:" + version.name() + "@" + version.version())
                        .invoke(started::add)
                        .chain(runId -> set(connection, version, new GateState("pending", String.format(Locale.ROOT, "validating: run %s "
                                + "judges %d traces labelled with %s%s", runId, traceIds.size(), describe(reference), cost == null ? ""
                                : String.format(Locale.ROOT, " (about %.4f)", cost)), null, runId, cost, false, null)))
                        .invoke(() -> LOG.infof("Judge %s version %s: validating against %s over %d traces", version.name(),
                                version.version(), describe(reference), traceIds.size()));
            });
        });
    }

    private Uni<Void> afterRun(SqlConnection connection, JudgeVersions.Version version, JudgeDefinition judge, Gate gate, RunView run) {
        if (run == null) {
            return set(connection, version, pending(version, "its validation run " + version.gateRunId() + " is gone; validated again"));
        }
        if (run.status() == RunStatus.CANCELLED) {
            return set(connection, version, new GateState("failed", "its validation run " + run.runId() + " was cancelled; POST /api/judges/"
                    + version.name() + "/versions/" + version.version() + "/validate to validate it again", null, run.runId(),
                    version.gateEstimate(), false, Times.now()));
        }
        if (run.status() != RunStatus.COMPLETED) {
            return set(connection, version, new GateState("pending", String.format(Locale.ROOT, "validating: run %s has judged %d of %d "
                    + "traces", run.runId(), run.completed(), run.total()), null, run.runId(), version.gateEstimate(), false, null));
        }
        return figures(judge, gate, run).chain(figures -> {
            boolean passed = figures.path("passed").asBoolean();
            String reason = figures.path("summary").asText();
            GateState state = new GateState(passed ? "passed" : "failed", reason, figures.toString(), run.runId(), version.gateEstimate(), false,
                    Times.now());
            LOG.infof("Judge %s version %s %s its gate: %s", version.name(), version.version(), passed ? "passed" : "failed", reason);
            Uni<Void> written = set(connection, version, state);
            return passed ? written.chain(() -> champions.passed(connection, version.name(), version.version(), "passed its gate: " + reason)
                    .invoke(chosen -> LOG.infof("Judge %s version %s %s", version.name(), version.version(), chosen
                            ? "is champion now: runs and sweeps that name no version use it" : "passed, but a newer version is champion"))
                    .replaceWithVoid()) : written;
        });
    }

    /**
     * The version's figures against its reference, computed by the meta-evaluation over the validation run's judgments:
     * the gate's metric with its 95 % interval (bootstrap for kappa and Spearman, Wilson for accuracy), the traces
     * compared, and whether it passed.
     */
    private Uni<ObjectNode> figures(JudgeDefinition judge, Gate gate, RunView run) {
        Gate.Reference reference = gate.reference();
        MetaEvalRequests.MetaEvalRequest request = new MetaEvalRequests.MetaEvalRequest(judge.name(),
                List.of(new MetaEvalRequests.JudgeSelector(sourceId(judge), judge.version())),
                new MetaEvalRequests.ReferenceRequest(reference.humanFeedback(), reference.expectation()), null, List.of(run.runId()), null);
        return metaEval.evaluate(request).map(report -> {
            ObjectNode figures = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
            figures.put("metric", gate.metric().name().toLowerCase(Locale.ROOT));
            figures.put("threshold", gate.threshold());
            figures.put("min_traces", gate.minTraces());
            figures.put("run_id", run.runId());
            figures.put("judged", run.total());
            figures.put("errored", run.errored());
            MetaEvalRequests.JudgeReportView judged = report.judges().isEmpty() ? null : report.judges().get(0);
            int compared = judged == null ? 0 : judged.coverage().compared();
            figures.put("compared", compared);
            Double value = null;
            List<Double> ci = null;
            if (judged != null && judged.statistics() != null) {
                MetaEvalRequests.StatisticsView s = judged.statistics();
                putNumber(figures, "accuracy", s.accuracy());
                putNumber(figures, "kappa", s.kappa());
                putInterval(figures, "kappa_ci", s.kappaCi());
                putNumber(figures, "spearman", s.spearman());
                putInterval(figures, "spearman_ci", s.spearmanCi());
                switch (gate.metric()) {
                    case KAPPA -> {
                        value = s.kappa();
                        ci = s.kappaCi();
                    }
                    case SPEARMAN -> {
                        value = s.spearman();
                        ci = s.spearmanCi();
                    }
                    case ACCURACY -> {
                        value = s.accuracy();
                        ci = value == null ? null : Agreement.wilson(value, compared);
                        putInterval(figures, "accuracy_ci", ci);
                    }
                }
            }
            putNumber(figures, "value", value);
            putInterval(figures, "ci", ci);
            Double low = ci == null || ci.isEmpty() ? null : ci.get(0);
            String metric = gate.metric().name().toLowerCase(Locale.ROOT);
            boolean passed = compared >= gate.minTraces() && low != null && low >= gate.threshold();
            String summary;
            if (compared < gate.minTraces()) {
                summary = String.format(Locale.ROOT, "%d traces compared, fewer than its gate's min_traces %d (%d of %d judgments errored)",
                        compared, gate.minTraces(), run.errored(), run.total());
            } else if (low == null) {
                summary = String.format(Locale.ROOT, "%s has no interval over the %d traces compared (%s)", metric, compared,
                        judged == null || judged.warning() == null ? "its values never vary" : judged.warning());
            } else {
                summary = String.format(Locale.ROOT, "%s %.3f (95 %% interval %.3f to %.3f) over %d traces: the lower bound is %s %.2f", metric,
                        value, low, ci.get(1), compared, passed ? "at least" : "below", gate.threshold());
            }
            figures.put("passed", passed);
            figures.put("summary", summary);
            return figures;
        });
    }

    /** The source id a judge's verdicts carry: its model, its jury's {@code jury:<name>}, or a code judge's name. */
    static String sourceId(JudgeDefinition judge) {
        return switch (judge.kind()) {
            case LLM -> judge.model().toString();
            case JURY -> judge.jurySourceId();
            case CODE -> judge.name();
        };
    }

    private static void putNumber(ObjectNode node, String field, Double value) {
        if (value != null && !value.isNaN()) {
            node.put(field, value);
        }
    }

    private static void putInterval(ObjectNode node, String field, List<Double> ci) {
        if (ci != null && ci.size() == 2 && ci.get(0) != null && ci.get(1) != null) {
            node.putArray(field).add(ci.get(0)).add(ci.get(1));
        }
    }

    private static String describe(Gate.Reference reference) {
        return reference.humanFeedback() != null ? "people's feedback '" + reference.humanFeedback() + "'"
                : "the expectation '" + reference.expectation() + "'";
    }

    private static GateState pending(JudgeVersions.Version version, String reason) {
        return new GateState("pending", reason, null, null, version.gateEstimate(), version.gateRequested(), null);
    }

    private Uni<Void> set(SqlConnection connection, JudgeVersions.Version version, GateState state) {
        return versions.setGate(connection, version.name(), version.version(), state);
    }
}
