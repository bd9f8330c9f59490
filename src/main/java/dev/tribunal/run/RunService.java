package dev.tribunal.run;

import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.llm.ModelId;
import dev.tribunal.llm.ProvidersConfig;
import dev.tribunal.run.RunRequests.JudgeRunRequest;
import dev.tribunal.run.RunRequests.RetryRequest;
import dev.tribunal.run.RunRequests.RetryView;
import dev.tribunal.system.ConflictException;
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
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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

    RunService(JudgeCatalog catalog, ProvidersConfig providers, TraceService traces, RunRepository runs,
               TaskWorker worker, TaskRows rows) {
        this.worker = worker;
        this.rows = rows;
        this.catalog = catalog;
        this.providers = providers;
        this.traces = traces;
        this.runs = runs;
    }

    /** Checks the request, stores inline traces, then the run and all its tasks in one transaction. */
    public Uni<RunCreatedView> create(JudgeRunRequest request) {
        InvalidRequestException.require(request != null, "The body must be a JSON object with judges and trace_ids or traces");
        List<JudgeDefinition> judges = judges(request.judges());
        List<ModelId> models = models(request.models());
        boolean inline = request.traces() != null;
        InvalidRequestException.require(inline != (request.traceIds() != null), "Give either trace_ids or traces, not both and not neither");
        // checked before inline traces are stored, so that a run refused for its size stores nothing
        checkSize(inline ? request.traces().size() : request.traceIds().size(), judges, models);
        Uni<List<String>> traceIds = inline
                ? traces.ingest(new TraceBatchRequest(request.traces())).map(result -> result.traceIds())
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
            return rows.create(run, newTasks)
                    // committed: this process starts on it at once, others within their next second
                    .invoke(worker::poll)
                    .map(ignored -> new RunCreatedView(runId, RunStatus.QUEUED, run.total));
        });
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

    @WithSession
    public Uni<RunView> get(String runId) {
        return runs.findById(runId)
                .onItem().ifNull().failWith(() -> new ResourceNotFoundException("No judge run '" + runId + "'"))
                .map(RunService::view);
    }

    @WithSession
    public Uni<Page<RunView>> list(PageToken after, Integer maxResults) {
        int limit = PageToken.maxResults(maxResults);
        return runs.page(after, limit)
                .map(rows -> Page.of(rows, limit, r -> new PageToken(r.createdAt, r.runId)).map(RunService::view));
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

    static RunView view(JudgeRun run) {
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
        return new RunView(run.runId, run.status, readList(run.judges), run.models == null ? null : readList(run.models),
                run.total, completed, completed - errored, errored, new LinkedHashMap<>(byCode), run.cancelled, run.createdAt, run.startedAt,
                run.finishedAt, eta, rate);
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
