package dev.tribunal.run;

import dev.tribunal.security.Caller;
import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.llm.ModelId;
import dev.tribunal.llm.ProvidersConfig;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.judge.TraceData;
import dev.tribunal.run.RunRequests.DryRunView;
import dev.tribunal.run.RunRequests.JudgeRunRequest;
import dev.tribunal.run.RunRequests.ModelEstimateView;
import dev.tribunal.run.RunRequests.RetryRequest;
import dev.tribunal.run.RunRequests.RetryView;
import dev.tribunal.system.ApiConfig;
import dev.tribunal.system.ConflictException;
import dev.tribunal.system.LeftOut;
import dev.tribunal.system.PageReader;
import dev.tribunal.run.RunRequests.RunCreatedView;
import dev.tribunal.run.RunRequests.RunView;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.Json;
import dev.tribunal.system.Page;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.ResourceNotFoundException;
import dev.tribunal.system.Times;
import dev.tribunal.trace.TraceRequests.TraceBatchRequest;
import dev.tribunal.trace.TraceService;
import dev.tribunal.trace.TraceDataLoader;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/** Creates judge runs as persisted tasks and reports their progress. */
@ApplicationScoped
public class RunService {

    /** Trace ids per run request; larger batches go in several runs. */
    static final int MAX_TRACES = 100_000;
    static final int MAX_TASKS = 1_000_000;
    private static final int NAMES_SHOWN = 20;

    private final JudgeCatalog catalog;
    private final ProvidersConfig providers;
    private final TraceService traces;
    private final RunRepository runs;
    private final TaskWorker worker;
    private final TaskRows rows;
    private final JudgeRunner runner;
    private final TraceDataLoader loader;
    private final ApiConfig api;
    private final dev.tribunal.llm.JudgeModelClient modelClient;

    RunService(JudgeCatalog catalog, ProvidersConfig providers, TraceService traces, RunRepository runs,
               TaskWorker worker, TaskRows rows, JudgeRunner runner, TraceDataLoader loader, ApiConfig api,
               dev.tribunal.llm.JudgeModelClient modelClient) {
        this.api = api;
        this.modelClient = modelClient;
        this.worker = worker;
        this.rows = rows;
        this.runner = runner;
        this.loader = loader;
        this.catalog = catalog;
        this.providers = providers;
        this.traces = traces;
        this.runs = runs;
    }

    /** A run request's judges and models, checked, and whether its traces come inline. */
    private record Checked(List<JudgeDefinition> judges, List<ModelId> models, boolean inline) {
    }

    /** Everything that can be checked before a trace is read or stored, a run refused for its size included. */
    private Checked check(JudgeRunRequest request) {
        InvalidRequestException.require(request != null, "The body must be a JSON object with judges and trace_ids or traces");
        List<JudgeDefinition> judges = judges(request.judges());
        List<ModelId> models = models(request.models());
        boolean inline = request.traces() != null;
        InvalidRequestException.require(inline != (request.traceIds() != null), "Give either trace_ids or traces, not both and not neither");
        checkSize(inline ? request.traces().size() : request.traceIds().size(), judges, models);
        checkKeys(judges, models);
        return new Checked(judges, models, inline);
    }

    /**
     * A run whose model's provider needs a key and has none could not make a single call: every judgment would end
     * AUTHENTICATION_FAILED. It is refused, naming the provider and the setting that gives it its key.
     */
    private void checkKeys(List<JudgeDefinition> judges, List<ModelId> models) {
        Map<String, java.util.Set<String>> judgesByProblem = new java.util.LinkedHashMap<>();
        for (JudgeDefinition judge : judges) {
            if (judge.kind() != JudgeDefinition.Kind.LLM) {
                continue;
            }
            for (ModelId model : models.isEmpty() ? List.of(judge.model()) : models) {
                modelClient.missingKey(model.provider()).ifPresent(why -> judgesByProblem
                        .computeIfAbsent(why, w -> new java.util.TreeSet<>()).add(judge.name() + " on " + model));
            }
        }
        if (!judgesByProblem.isEmpty()) {
            throw new InvalidRequestException("The run could not make a single call: " + judgesByProblem.entrySet().stream()
                    .map(e -> e.getKey() + ", for " + String.join(", ", e.getValue())).collect(Collectors.joining("; ")));
        }
    }

    /** Checks the request, stores inline traces, then the run and all its tasks in one transaction. */
    public Uni<RunCreatedView> create(JudgeRunRequest request, Caller caller) {
        Checked checked = check(request);
        List<JudgeDefinition> judges = checked.judges();
        List<ModelId> models = checked.models();
        boolean inline = checked.inline();
        Uni<List<String>> traceIds = inline
                ? traces.ingest(new TraceBatchRequest(request.traces()), caller).map(result -> result.traceIds())
                : checkedTraceIds(request.traceIds());
        return traceIds.chain(ids -> {
            String runId = HexFormat.of().formatHex(uuidBytes());
            Instant now = Times.now();
            List<JudgeTask> newTasks = tasks(runId, ids, judges, models);
            JudgeRun run = new JudgeRun();
            run.runId = runId;
            run.status = RunStatus.QUEUED;
            run.judges = Json.write(judges.stream().map(JudgeDefinition::name).toList());
            run.models = models.isEmpty() ? null : Json.write(models.stream().map(ModelId::toString).toList());
            run.total = newTasks.size();
            run.createdAt = now;
            run.createdBy = caller.name();
            return rows.create(run, newTasks)
                    // committed: this process starts on it at once, others within their next second
                    .invoke(worker::poll)
                    .map(ignored -> new RunCreatedView(runId, RunStatus.QUEUED, run.total));
        });
    }

    /**
     * A sweep's run, created on the sweep's connection inside its tick's transaction: each judge over
     * its own traces (on the given models, or its own), as one run with trigger SWEEP. Empty when there
     * is nothing to judge.
     */
    public Uni<java.util.Optional<String>> createForSweep(io.vertx.mutiny.sqlclient.SqlConnection connection, String sweep,
                                                          Map<JudgeDefinition, List<String>> traceIdsByJudge, List<ModelId> models) {
        String runId = HexFormat.of().formatHex(uuidBytes());
        List<JudgeTask> newTasks = new ArrayList<>();
        traceIdsByJudge.forEach((judge, traceIds) -> newTasks.addAll(tasks(runId, traceIds, List.of(judge), models)));
        if (newTasks.isEmpty()) {
            return Uni.createFrom().item(java.util.Optional.empty());
        }
        JudgeRun run = new JudgeRun();
        run.runId = runId;
        run.status = RunStatus.QUEUED;
        run.judges = Json.write(traceIdsByJudge.keySet().stream().map(JudgeDefinition::name).toList());
        run.models = models.isEmpty() ? null : Json.write(models.stream().map(ModelId::toString).toList());
        run.total = newTasks.size();
        run.createdAt = Times.now();
        run.trigger = "SWEEP";
        run.sweep = sweep;
        run.createdBy = "sweep:" + sweep;
        return rows.insert(connection, run, newTasks).map(ignored -> java.util.Optional.of(runId));
    }

    /** Starts on new work in this process now (other processes find it within their next second). */
    public void poll() {
        worker.poll();
    }

    /** Traces loaded per query for a dry run. */
    private static final int DRY_RUN_CHUNK = 1000;

    /**
     * Whether the run's cost can be estimated: it has LLM judgments and every model they use has prices (a
     * request that fails its checks answers true, so that the estimate reports the problem).
     */
    public boolean costKnown(JudgeRunRequest request) {
        Checked checked;
        try {
            checked = check(request);
        } catch (RuntimeException e) {
            return true;
        }
        List<ModelId> targets = checked.judges().stream().filter(j -> j.kind() != JudgeDefinition.Kind.CODE)
                .flatMap(j -> checked.models().isEmpty() ? java.util.stream.Stream.of(j.model()) : checked.models().stream())
                .toList();
        return !targets.isEmpty() && targets.stream().allMatch(runner::priced);
    }

    /**
     * A dry run: checks the request like a real one, then renders every prompt to count tokens and cost.
     * Nothing is stored (inline traces included) and no provider is called.
     */
    public Uni<DryRunView> estimate(JudgeRunRequest request) {
        Checked checked = check(request);
        List<JudgeDefinition> judges = checked.judges();
        List<ModelId> models = checked.models();
        boolean inline = checked.inline();
        DryRunTally tally = new DryRunTally();
        java.util.function.Consumer<Collection<TraceData>> count = batch -> batch.forEach(trace -> judges.forEach(judge -> {
            List<ModelId> targets = judge.kind() == JudgeDefinition.Kind.CODE ? java.util.Collections.singletonList(null)
                    : models.isEmpty() ? List.of(judge.model()) : models;
            for (ModelId model : targets) {
                tally.add(model == null ? judge.name() : model.toString(), runner.estimate(judge, model, trace));
            }
        }));
        Uni<Void> counted;
        if (inline) {
            traces.validate(new TraceBatchRequest(request.traces()));
            counted = Uni.createFrom().item(() -> {
                count.accept(request.traces().stream().map(RunService::traceData).toList());
                return null;
            }).replaceWithVoid();
        } else {
            counted = checkedTraceIds(request.traceIds()).chain(ids -> {
                Uni<Void> chain = Uni.createFrom().voidItem();
                for (int from = 0; from < ids.size(); from += DRY_RUN_CHUNK) {
                    List<String> chunk = ids.subList(from, Math.min(ids.size(), from + DRY_RUN_CHUNK));
                    chain = chain.chain(() -> loader.load(chunk).invoke(found -> count.accept(found.values())).replaceWithVoid());
                }
                return chain;
            });
        }
        return counted.map(ignored -> tally.view());
    }

    /** A dry run's sums per model (or code judge). */
    private static final class DryRunTally {
        private final Map<String, long[]> sums = new TreeMap<>();
        private final Map<String, Double> costs = new TreeMap<>();

        void add(String model, JudgeRunner.Estimate e) {
            long[] s = sums.computeIfAbsent(model, k -> new long[5]);
            s[0]++;
            s[1] += e.call() ? 1 : 0;
            s[2] += e.missingInput() ? 1 : 0;
            s[3] += e.promptTokens();
            s[4] += e.maxCompletionTokens();
            // a model without prices has no cost at all, not a cost of zero
            if (e.call() && e.cost() == null) {
                costs.put(model, null);
            } else if (!costs.containsKey(model) || costs.get(model) != null) {
                costs.merge(model, e.cost() == null ? 0.0 : e.cost(), Double::sum);
            }
        }

        DryRunView view() {
            List<ModelEstimateView> models = new ArrayList<>();
            long[] total = new long[5];
            Double cost = 0.0;
            for (Map.Entry<String, long[]> entry : sums.entrySet()) {
                long[] s = entry.getValue();
                Double modelCost = costs.get(entry.getKey());
                models.add(new ModelEstimateView(entry.getKey(), s[0], s[1], s[2], s[3], s[4], round(modelCost)));
                for (int i = 0; i < 5; i++) {
                    total[i] += s[i];
                }
                cost = cost == null || modelCost == null ? null : cost + modelCost;
            }
            return new DryRunView(true, (int) total[0], total[1], total[2], total[3], total[4], round(cost), models);
        }

        private static Double round(Double cost) {
            return cost == null ? null : java.math.BigDecimal.valueOf(cost).round(new java.math.MathContext(6)).doubleValue();
        }
    }

    /** What a judge would see of a trace sent inline, without storing it. */
    private static TraceData traceData(dev.tribunal.trace.TraceRequests.TraceRequest t) {
        List<TraceData.SpanData> spans = t.spans() == null ? List.of() : t.spans().stream()
                .map(s -> new TraceData.SpanData(s.spanId(), s.name(),
                        s.spanType() == null || s.spanType().isBlank() ? "UNKNOWN" : s.spanType().toUpperCase(java.util.Locale.ROOT),
                        s.inputs(), s.outputs()))
                .toList();
        return new TraceData(t.traceId(), t.inputs(), t.outputs(), t.expectations() == null ? Map.of() : t.expectations(),
                t.tags() == null ? Map.of() : t.tags(), spans);
    }

    /** Cancels an open run: pending tasks are not started, tasks in progress finish. */
    public Uni<RunView> cancel(String runId) {
        return rows.cancel(runId)
                .invoke(cancelled -> {
                    if (cancelled) {
                        worker.cancelRun(runId);
                    }
                })
                .chain(cancelled -> get(runId)
                        .invoke(run -> {
                            if (!cancelled) {
                                throw new ConflictException("Run " + runId + " is " + run.status() + "; only a QUEUED or RUNNING run can be cancelled");
                            }
                        }));
    }

    /** Judges a run's errored tasks again (optionally only some error codes), each as its next attempt. */
    public Uni<RetryView> retry(String runId, RetryRequest request) {
        List<String> codes = request == null || request.errorCodes() == null ? List.of() : request.errorCodes();
        InvalidRequestException.require(codes.stream().allMatch(c -> c != null && !c.isBlank()), "error_codes must not hold empty codes");
        return get(runId)
                .invoke(run -> {
                    if (run.status() == RunStatus.CANCELLED) {
                        throw new ConflictException("Run " + runId + " was cancelled; start a new run for its traces instead");
                    }
                })
                .chain(() -> rows.requeueErrored(runId, codes))
                .invoke(requeued -> worker.poll())
                .chain(requeued -> get(runId).map(run -> new RetryView(runId, run.status(),
                        requeued.values().stream().mapToInt(Integer::intValue).sum(), requeued)));
    }

    /** A run's progress; a run naming more models than an answer may hold comes without them, saying so. */
    public Uni<RunView> get(String runId) {
        return runs.sized(runId)
                .chain(run -> run == null ? Uni.createFrom().<RunView>nullItem()
                        : PageReader.read(List.of(run), 1, api.maxAnswerBytes().asLongValue(), views())
                                .map(page -> page.items().isEmpty() ? null : page.items().get(0)))
                .onItem().ifNull().failWith(() -> new ResourceNotFoundException("No judge run '" + runId + "'"));
    }

    /** A page of runs, newest first: at most {@code maxResults} and tribunal.api.max-answer-bytes. */
    public Uni<Page<RunView>> list(PageToken after, Integer maxResults) {
        int limit = PageToken.maxResults(maxResults);
        return runs.candidates(after, limit)
                .chain(candidates -> PageReader.read(candidates, limit, api.maxAnswerBytes().asLongValue(), views()));
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

    private List<JudgeDefinition> judges(List<String> names) {
        InvalidRequestException.require(names != null && !names.isEmpty(), "judges must name at least one judge; known judges: " + known());
        List<String> unknown = names.stream().filter(n -> catalog.find(n).isEmpty()).distinct().toList();
        InvalidRequestException.require(unknown.isEmpty(), "Unknown judge" + (unknown.size() == 1 ? " " : "s ")
                + String.join(", ", unknown) + "; known judges: " + known());
        return new LinkedHashSet<>(names).stream().map(catalog::require).toList();
    }

    private String known() {
        return catalog.all().stream().map(JudgeDefinition::name).collect(Collectors.joining(", "));
    }

    private List<ModelId> models(List<String> texts) {
        if (texts == null) {
            return List.of();
        }
        InvalidRequestException.require(!texts.isEmpty(), "models, when given, must name at least one model");
        List<ModelId> models = new ArrayList<>();
        for (String text : new LinkedHashSet<>(texts)) {
            ModelId model = ModelId.parse(text).orElseThrow(() -> new InvalidRequestException(
                    "model '" + text + "' must look like <provider>:/<model>, e.g. openai:/gpt-4o-mini"));
            InvalidRequestException.require(providers.providers().containsKey(model.provider()),
                    "model '" + text + "' names provider '" + model.provider() + "', which is not configured; configured: "
                            + String.join(", ", new TreeMap<>(providers.providers()).keySet()));
            models.add(model);
        }
        return models;
    }

    private Uni<List<String>> checkedTraceIds(List<String> ids) {
        InvalidRequestException.require(!ids.isEmpty(), "trace_ids must name at least one trace");
        InvalidRequestException.require(ids.size() <= MAX_TRACES, "trace_ids holds " + ids.size() + " ids; at most " + MAX_TRACES + " per run");
        InvalidRequestException.require(ids.stream().allMatch(id -> id != null && !id.isBlank()), "trace_ids must not hold empty ids");
        List<String> distinct = List.copyOf(new LinkedHashSet<>(ids));
        return traces.missingIds(distinct)
                .map(missing -> {
                    InvalidRequestException.require(missing.isEmpty(), "Unknown trace id" + (missing.size() == 1 ? " " : "s ")
                            + missing.stream().limit(NAMES_SHOWN).collect(Collectors.joining(", "))
                            + (missing.size() > NAMES_SHOWN ? " and " + (missing.size() - NAMES_SHOWN) + " more" : ""));
                    return distinct;
                });
    }

    private static void checkSize(int traceCount, List<JudgeDefinition> judges, List<ModelId> models) {
        long count = 0;
        for (JudgeDefinition judge : judges) {
            count += (long) traceCount * (judge.kind() == JudgeDefinition.Kind.CODE || models.isEmpty() ? 1 : models.size());
        }
        InvalidRequestException.require(count <= MAX_TASKS, "The run would hold " + count + " judgments; at most " + MAX_TASKS
                + " per run: split the traces over several runs");
    }

    /** One task per trace × LLM judge × model (the judge's own when no models are given), and per trace × code judge. */
    private static List<JudgeTask> tasks(String runId, List<String> traceIds, List<JudgeDefinition> judges, List<ModelId> models) {
        List<JudgeTask> result = new ArrayList<>();
        for (String traceId : traceIds) {
            for (JudgeDefinition judge : judges) {
                List<String> targets = judge.kind() == JudgeDefinition.Kind.CODE
                        ? List.of(judge.name())
                        : models.isEmpty() ? List.of(judge.model().toString()) : models.stream().map(ModelId::toString).toList();
                for (String model : targets) {
                    JudgeTask task = new JudgeTask(UUID.randomUUID(), runId, traceId, judge.name(), judge.version(), model);
                    result.add(task);
                }
            }
        }
        return result;
    }

    static RunView view(JudgeRun run, List<String> truncated) {
        long completed = run.completed;
        long errored = run.errored;
        Map<String, Long> byCode = new TreeMap<>();
        Json.read(run.errorsByCode).fields().forEachRemaining(e -> byCode.put(e.getKey(), e.getValue().asLong()));
        Double rate = null;
        Long eta = null;
        if (run.startedAt != null) {
            Instant end = run.finishedAt != null ? run.finishedAt : Instant.now();
            double seconds = Math.max(0.001, Duration.between(run.startedAt, end).toMillis() / 1000.0);
            rate = Math.round(completed / seconds * 100) / 100.0;
            if (run.finishedAt == null && completed > 0) {
                eta = Math.round((run.total - completed) / (completed / seconds));
            }
        }
        if (run.finishedAt != null) {
            eta = run.status == RunStatus.COMPLETED ? 0L : null;
        }
        return new RunView(run.runId, run.status, run.judges == null ? null : readList(run.judges), run.models == null ? null : readList(run.models),
                run.total, completed, completed - errored, errored, new LinkedHashMap<>(byCode), run.cancelled, run.trigger, run.sweep, run.createdBy, run.createdAt, run.startedAt,
                run.finishedAt, eta, rate, truncated);
    }

    private static List<String> readList(String json) {
        List<String> values = new ArrayList<>();
        Json.read(json).forEach(node -> values.add(node.asText()));
        return values;
    }

    private static byte[] uuidBytes() {
        byte[] bytes = new byte[16];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }
}
