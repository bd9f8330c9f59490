package dev.tribunal.run;

import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.llm.ModelId;
import dev.tribunal.run.RunPlan.InlineTraces;
import dev.tribunal.run.RunPlan.StoredTraces;
import dev.tribunal.run.RunRequests.DryRunView;
import dev.tribunal.run.RunRequests.JudgeRunRequest;
import dev.tribunal.run.RunRequests.RetryRequest;
import dev.tribunal.run.RunRequests.RetryView;
import dev.tribunal.run.RunRequests.RunCreatedView;
import dev.tribunal.run.RunRequests.RunView;
import dev.tribunal.security.Caller;
import dev.tribunal.system.ApiConfig;
import dev.tribunal.system.Ids;
import dev.tribunal.system.Json;
import dev.tribunal.system.LeftOut;
import dev.tribunal.system.Page;
import dev.tribunal.system.PageReader;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.Times;
import dev.tribunal.trace.TraceRequests.TraceBatchResult;
import dev.tribunal.trace.TraceService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Creates judge runs as persisted tasks and reports their progress. A request is checked once, into a {@link RunPlan};
 * a request that cannot be carried out comes back as a refusal ({@link RunOutcome}), not as an exception.
 */
@ApplicationScoped
public class RunService {

    /**
     * A dry run stores nothing: its inline traces are checked as anyone's, since whose name their expectations would
     * carry matters only once they are stored.
     */
    private static final Caller DRY_RUN = Caller.of(null);

    private final RunPlanner planner;
    private final RunEstimator estimator;
    private final TraceService traces;
    private final RunRepository runs;
    private final WorkerLoop worker;
    private final TaskQueue queue;
    private final ApiConfig api;

    RunService(RunPlanner planner, RunEstimator estimator, TraceService traces, RunRepository runs, WorkerLoop worker,
               TaskQueue queue, ApiConfig api) {
        this.planner = planner;
        this.estimator = estimator;
        this.traces = traces;
        this.runs = runs;
        this.worker = worker;
        this.queue = queue;
        this.api = api;
    }

    /**
     * A dry run: the request checked like a real one, then every prompt rendered to count tokens and cost. Nothing is
     * stored (inline traces included) and no provider is called.
     */
    Uni<RunOutcome<DryRunView>> estimate(JudgeRunRequest request) {
        return planner.check(request, DRY_RUN)
                .chain(planned -> planned.chain(plan -> estimator.estimate(plan)
                        .map(RunOutcome::done)));
    }

    /**
     * Starts a run: the request checked, its cost checked, then its inline traces stored and the run with all its tasks
     * created in one transaction.
     */
    Uni<RunOutcome<RunCreatedView>> start(JudgeRunRequest request, Caller caller) {
        return planner.check(request, caller)
                .chain(planned -> planned.chain(estimator::checkCost))
                .chain(affordable -> affordable.chain(plan -> create(plan, caller)
                        .map(RunOutcome::done)));
    }

    private Uni<RunCreatedView> create(RunPlan plan, Caller caller) {
        Uni<List<String>> traceIds = plan.traces() instanceof InlineTraces inline
                ? traces.ingest(inline.checked()).map(TraceBatchResult::traceIds)
                : Uni.createFrom().item(((StoredTraces) plan.traces()).ids());
        return traceIds.chain(ids -> {
            TaskQueue.NewTasks newTasks = new TaskQueue.NewTasks(ids, plan.targets());
            JudgeRun run = newRun(plan.judges(), plan.models(), newTasks.count(), caller.name());
            run.samples = plan.samples();
            run.mode = plan.mode().name();
            return queue.create(run, List.of(newTasks))
                    // committed: this process starts on it at once, others within their next second
                    .invoke(worker::poll)
                    .map(ignored -> new RunCreatedView(run.runId, RunStatus.QUEUED, run.total));
        });
    }

    /**
     * A sweep's run, created on the sweep's connection inside its tick's transaction: each judge over
     * its own traces (on the given models, or its own), as one run with trigger SWEEP. Empty when there
     * is nothing to judge.
     */
    public Uni<Optional<String>> createForSweep(io.vertx.mutiny.sqlclient.SqlConnection connection, String sweep, RunMode mode,
                                                 Map<JudgeDefinition, List<String>> traceIdsByJudge, List<ModelId> models,
                                                 List<ChallengerTasks> challengers) {
        List<TaskQueue.NewTasks> newTasks = new ArrayList<>();
        traceIdsByJudge.forEach((judge, traceIds) -> newTasks.add(new TaskQueue.NewTasks(traceIds, RunPlan.targets(List.of(judge), models))));
        for (ChallengerTasks c : challengers) {
            newTasks.add(TaskQueue.NewTasks.challenger(c.traceIds(), c.model() != null ? List.of(new RunPlan.Target(c.judge(), c.model()))
                    : RunPlan.targets(List.of(c.judge()), models)));
        }
        int total = newTasks.stream().mapToInt(TaskQueue.NewTasks::count).sum();
        if (total == 0) {
            return Uni.createFrom().item(Optional.empty());
        }
        JudgeRun run = newRun(List.copyOf(traceIdsByJudge.keySet()), models, total, "sweep:" + sweep);
        run.trigger = "SWEEP";
        run.sweep = sweep;
        run.mode = mode.name();
        return queue.insert(connection, run, newTasks).map(ignored -> Optional.of(run.runId));
    }

    /**
     * A sweep's challenger for one tick: a judge (at its version) over the traces its champion judges, on a model of its
     * own ({@code model}) or as the champion runs (null).
     */
    public record ChallengerTasks(JudgeDefinition judge, ModelId model, List<String> traceIds) {
    }

    /**
     * A pairwise judge's run over pairs, created on the caller's connection (inside its transaction): each candidate
     * trace with its baseline, on each model (none: the judge's own). Started once the transaction commits and
     * {@link #poll()} is called.
     *
     * @return the run's id
     */
    public Uni<String> createPairs(io.vertx.mutiny.sqlclient.SqlConnection connection, JudgeDefinition judge, List<ModelId> models,
                                   List<String> candidates, List<String> baselines, String createdBy) {
        List<RunPlan.Target> targets = RunPlan.targets(List.of(judge), models);
        TaskQueue.NewTasks pairs = TaskQueue.NewTasks.pairs(candidates, baselines, targets);
        JudgeRun run = newRun(List.of(judge), models, pairs.count(), createdBy);
        run.trigger = "COMPARISON";
        return queue.insert(connection, run, List.of(pairs)).map(ignored -> run.runId);
    }

    /**
     * What judging these stored traces with one judge (on its own models) would cost: the dry run's estimate, null
     * when a model it calls has no prices.
     */
    public Uni<DryRunView> estimate(JudgeDefinition judge, List<String> traceIds) {
        return estimator.estimate(new RunPlan(List.of(judge), List.of(), null, new StoredTraces(traceIds), true, RunMode.ONLINE));
    }

    /**
     * A gate's validation run, created on the caller's connection (inside its transaction): the judge at its version over
     * the reference's traces, trigger VALIDATION. Started once the transaction commits and {@link #poll()} is called.
     *
     * @return the run's id
     */
    public Uni<String> createForValidation(io.vertx.mutiny.sqlclient.SqlConnection connection, JudgeDefinition judge, List<String> traceIds,
                                           String createdBy) {
        TaskQueue.NewTasks tasks = new TaskQueue.NewTasks(traceIds, RunPlan.targets(List.of(judge), List.of()));
        JudgeRun run = newRun(List.of(judge), List.of(), tasks.count(), createdBy);
        run.trigger = "VALIDATION";
        return queue.insert(connection, run, List.of(tasks)).map(ignored -> run.runId);
    }

    /** The models a request names, parsed, or why they cannot be used by these judges (an unknown provider, a missing key). */
    public List<ModelId> modelsFor(List<JudgeDefinition> judges, List<String> models) {
        planner.problem(judges, models).ifPresent(problem -> {
            throw new dev.tribunal.system.InvalidRequestException(problem);
        });
        return models == null ? List.of() : ((RunOutcome.Done<List<ModelId>>) planner.models(models)).value();
    }

    /** The ids of a sweep's newest runs (at most {@code limit}), newest first. */
    public Uni<List<String>> sweepRuns(String sweep, int limit) {
        return runs.ofSweep(sweep, limit);
    }

    /** A run's progress, or null when there is no such run. */
    public Uni<RunView> progress(String runId) {
        return get(runId).map(outcome -> outcome instanceof RunOutcome.Done<RunView> done ? done.value() : null);
    }

    /** Starts on new work in this process now (other processes find it within their next second). */
    public void poll() {
        worker.poll();
    }

    /** Cancels an open run: pending tasks are not started, tasks in progress finish. */
    Uni<RunOutcome<RunView>> cancel(String runId) {
        return queue.cancel(runId)
                .invoke(cancelled -> {
                    if (cancelled) {
                        worker.cancelRun(runId);
                    }
                })
                .chain(cancelled -> get(runId)
                        .map(found -> found.flatMap(run -> cancelled ? RunOutcome.done(run)
                                : RunOutcome.conflict("Run " + runId + " is " + run.status() + "; only a QUEUED or RUNNING run can be cancelled"))));
    }

    /** Judges a run's errored tasks again (optionally only some error codes), each as its next attempt. */
    Uni<RunOutcome<RetryView>> retry(String runId, RetryRequest request) {
        List<String> codes = request == null || request.errorCodes() == null ? List.of() : request.errorCodes();
        if (!codes.stream().allMatch(c -> c != null && !c.isBlank())) {
            return Uni.createFrom().item(RunOutcome.invalid("error_codes must not hold empty codes"));
        }
        return get(runId)
                .map(found -> found.flatMap(run -> run.status() == RunStatus.CANCELLED
                        ? RunOutcome.<RunView>conflict("Run " + runId + " was cancelled; start a new run for its traces instead")
                        : RunOutcome.done(run)))
                .chain(found -> found.chain(run -> queue.requeueErrored(runId, codes)
                        .invoke(requeued -> worker.poll())
                        .chain(requeued -> get(runId)
                                .map(after -> after.map(latest -> new RetryView(runId, latest.status(),
                                        requeued.values().stream().mapToInt(Integer::intValue).sum(), requeued))))));
    }

    /**
     * A run's progress, with a few examples of each of its error codes; a run naming more models than an answer may hold
     * comes without them, saying so.
     */
    Uni<RunOutcome<RunView>> get(String runId) {
        return runs.sized(runId)
                .chain(run -> run == null ? Uni.createFrom().<RunView>nullItem()
                        : PageReader.read(List.of(run), 1, api.maxAnswerBytes().asLongValue(), views())
                                .map(page -> page.items().isEmpty() ? null : page.items().get(0)))
                .chain(view -> view == null || view.errorsByCode().isEmpty() ? Uni.createFrom().item(view) : withErrorExamples(view))
                .map(view -> view == null ? RunOutcome.notFound("No judge run '" + runId + "'") : RunOutcome.done(view));
    }

    /** Errored judgments shown per error code: enough to see what went wrong, few enough to read every second. */
    private static final int EXAMPLES_PER_CODE = 3;
    /** An example's message is cut here: the start of an error says what it is. */
    private static final int EXAMPLE_MESSAGE_CHARS = 300;

    private Uni<RunView> withErrorExamples(RunView view) {
        return queue.errorExamples(view.runId(), view.errorsByCode().keySet(), EXAMPLES_PER_CODE, EXAMPLE_MESSAGE_CHARS)
                .map(byCode -> {
                    Map<String, List<RunRequests.ErrorExampleView>> examples = new TreeMap<>();
                    byCode.forEach((code, list) -> examples.put(code, list.stream()
                            .map(e -> new RunRequests.ErrorExampleView(e.traceId(), e.judge(), e.model(), e.message())).toList()));
                    return view.withErrorExamples(examples);
                });
    }

    /**
     * Starts a run as {@code POST /api/judge-runs} does, for a page's form: a refusal is thrown as the API's error (400,
     * 403, 404 or 409 with the refusal's words).
     */
    public Uni<RunCreatedView> startFromPage(JudgeRunRequest request, Caller caller) {
        return start(request, caller)
                .map(RunOutcome::orThrow);
    }

    /** A page of runs, newest first: at most {@code maxResults} and tribunal.api.max-answer-bytes. */
    Uni<Page<RunView>> list(PageToken after, int maxResults) {
        return runs.candidates(after, maxResults)
                .chain(candidates -> PageReader.read(candidates, maxResults, api.maxAnswerBytes().asLongValue(), views()));
    }

    private PageReader.Rows<RunView> views() {
        return new PageReader.Rows<>() {
            @Override
            public Uni<List<RunView>> load(List<String> ids, LeftOut leftOut) {
                return runs.load(ids, leftOut).map(found -> found.stream().map(run -> view(run, leftOut.truncated())).toList());
            }

            @Override
            public Uni<Map<String, Long>> fieldBytes(String id) {
                return runs.fieldBytes(id);
            }
        };
    }

    static RunView view(JudgeRun run, List<String> truncated) {
        long completed = run.completed;
        long errored = run.errored;
        Map<String, Long> byCode = new TreeMap<>();
        Json.read(run.errorsByCode).fields().forEachRemaining(e -> byCode.put(e.getKey(), e.getValue().asLong()));
        Double rate = null;
        Long eta = null;
        if (run.startedAt != null) {
            // measured from the start, or from the last time its errored judgments were sent again
            Instant from = run.resumedAt != null ? run.resumedAt : run.startedAt;
            long done = run.resumedAt != null ? Math.max(0, completed - run.completedBeforeResume) : completed;
            Instant end = run.finishedAt != null ? run.finishedAt : Instant.now();
            double seconds = Math.max(0.001, Duration.between(from, end).toMillis() / 1000.0);
            rate = Math.round(done / seconds * 100) / 100.0;
            if (run.finishedAt == null && done > 0) {
                eta = Math.round((run.total - completed) / (done / seconds));
            }
        }
        if (run.finishedAt != null) {
            eta = run.status == RunStatus.COMPLETED ? 0L : null;
        }
        return new RunView(run.runId, run.status, run.judges == null ? null : readList(run.judges), run.models == null ? null : readList(run.models),
                run.samples, run.total, completed, completed - errored, errored, new LinkedHashMap<>(byCode), run.cancelled, run.trigger, run.sweep, run.createdBy, run.createdAt, run.startedAt,
                run.finishedAt, eta, rate, run.cost, run.cached, null, truncated);
    }

    private static List<String> readList(String json) {
        List<String> values = new ArrayList<>();
        Json.read(json).forEach(node -> values.add(node.asText()));
        return values;
    }

    /** A new, queued run's row: its judges and models (none: each judge's own) as JSON, created now by {@code createdBy}. */
    private static JudgeRun newRun(List<JudgeDefinition> judges, List<ModelId> models, int total, String createdBy) {
        JudgeRun run = new JudgeRun();
        run.runId = Ids.newRunId();
        run.status = RunStatus.QUEUED;
        run.judges = Json.write(judges.stream().map(JudgeDefinition::name).toList());
        run.models = models.isEmpty() ? null : Json.write(models.stream().map(ModelId::toString).toList());
        run.total = total;
        run.createdAt = Times.now();
        run.createdBy = createdBy;
        return run;
    }
}
