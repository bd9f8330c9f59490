package dev.tribunal.run;

import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeVersions;
import dev.tribunal.judge.OutputSpec;
import dev.tribunal.llm.JudgeModelClient;
import dev.tribunal.llm.ModelId;
import dev.tribunal.llm.ProvidersConfig;
import dev.tribunal.run.RunPlan.InlineTraces;
import dev.tribunal.run.RunPlan.StoredTraces;
import dev.tribunal.run.RunPlan.Target;
import dev.tribunal.run.RunRequests.JudgeRunRequest;
import dev.tribunal.security.Caller;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.PermissionDeniedException;
import dev.tribunal.trace.CheckedTraceBatch;
import dev.tribunal.trace.TraceRequests.TraceBatchRequest;
import dev.tribunal.trace.TraceService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Checks a judge-run request, once: its judges and models, its size, the providers' keys and its traces. The answer is
 * the {@link RunPlan} that the dry run, the cost check and the creation all read, or why the request is refused.
 */
@ApplicationScoped
class RunPlanner {

    /** Trace ids per run request; larger batches go in several runs. */
    static final int MAX_TRACES = 100_000;
    static final int MAX_TASKS = 1_000_000;
    private static final int NAMES_SHOWN = 20;

    private final JudgeCatalog catalog;
    private final ProvidersConfig providers;
    private final JudgeModelClient modelClient;
    private final TraceService traces;
    private final JudgeVersions versions;
    private final dev.tribunal.judge.JudgeChampions champions;

    RunPlanner(JudgeCatalog catalog, ProvidersConfig providers, JudgeModelClient modelClient, TraceService traces, JudgeVersions versions,
               dev.tribunal.judge.JudgeChampions champions) {
        this.versions = versions;
        this.champions = champions;
        this.catalog = catalog;
        this.providers = providers;
        this.modelClient = modelClient;
        this.traces = traces;
    }

    /** The request's judges and models, checked before any trace is read. */
    private record Selection(List<JudgeDefinition> judges, List<ModelId> models, Integer samples, RunMode mode) {
    }

    /**
     * The plan of a run, or why it is refused. Everything that needs no trace is checked first (the run's size
     * included), then the traces: stored ones must exist, inline ones must be fit to store.
     *
     * @param storedBy in whose name inline traces would be stored: their HUMAN expectations are held to that name
     */
    Uni<RunOutcome<RunPlan>> check(JudgeRunRequest request, Caller storedBy) {
        if (request == null) {
            return Uni.createFrom().item(RunOutcome.invalid("The body must be a JSON object with judges and trace_ids or traces"));
        }
        boolean confirmed = Boolean.TRUE.equals(request.confirmCost());
        return judges(request.judges())
                .chain(judges -> judges.chain(found -> Uni.createFrom().item(selection(request, found))))
                .chain(checked -> checked.chain(selection -> traces(request, storedBy)
                        .map(traces -> traces.map(ok -> new RunPlan(selection.judges(), selection.models(), selection.samples(), ok,
                                confirmed, selection.mode())))));
    }

    private Uni<RunOutcome<RunPlan.Traces>> traces(JudgeRunRequest request, Caller storedBy) {
        return request.traces() != null
                ? Uni.createFrom().item(inline(request, storedBy))
                : storedTraces(request.traceIds());
    }

    private RunOutcome<Selection> selection(JudgeRunRequest request, List<JudgeDefinition> judges) {
        if (request.samples() != null && (request.samples() < 1 || request.samples() > JudgeDefinition.MAX_SAMPLES)) {
            return RunOutcome.invalid("samples must be 1 to " + JudgeDefinition.MAX_SAMPLES + " (calls per judgment), not " + request.samples());
        }
        RunMode mode = RunMode.parse(request.mode()).orElse(null);
        if (mode == null) {
            return RunOutcome.invalid("mode must be online or batch, not '" + request.mode() + "'");
        }
        return models(request.models())
                        .map(models -> new Selection(judges, models, request.samples(), mode))
                        .flatMap(this::batchable)
                .flatMap(selection -> {
                    boolean inline = request.traces() != null;
                    if (inline == (request.traceIds() != null)) {
                        return RunOutcome.invalid("Give either trace_ids or traces, not both and not neither");
                    }
                    int traceCount = inline ? request.traces().size() : request.traceIds().size();
                    return size(traceCount, selection).flatMap(this::keys);
                });
    }

    /**
     * The judges a run names: each loaded one, or one at a version (a past version read back from its stored file).
     */
    private Uni<RunOutcome<List<JudgeDefinition>>> judges(List<RunRequests.JudgeRef> refs) {
        if (refs == null || refs.isEmpty()) {
            return Uni.createFrom().item(RunOutcome.invalid("judges must name at least one judge; known judges: " + known()));
        }
        if (!refs.stream().allMatch(r -> r != null && r.name() != null && !r.name().isBlank())) {
            return Uni.createFrom().item(RunOutcome.invalid("each of judges is a judge's name, or {\"name\": ..., \"version\": ...}"));
        }
        List<RunRequests.JudgeRef> distinct = List.copyOf(new LinkedHashSet<>(refs));
        List<String> unknown = distinct.stream().filter(r -> r.version() == null && catalog.find(r.name()).isEmpty())
                .map(RunRequests.JudgeRef::name).distinct().toList();
        if (!unknown.isEmpty()) {
            return Uni.createFrom().item(RunOutcome.invalid("Unknown judge" + (unknown.size() == 1 ? " " : "s ") + String.join(", ", unknown)
                    + "; known judges: " + known()));
        }
        // a judge named without a version runs as its champion
        return Uni.join().all(distinct.stream().map(r -> r.version() == null ? champions.champion(r.name()) : versions.find(r.name(), r.version()))
                .toList()).andFailFast().map(found -> {
            List<String> problems = found.stream().map(JudgeVersions.Found::problem).filter(java.util.Objects::nonNull).toList();
            if (!problems.isEmpty()) {
                return RunOutcome.<List<JudgeDefinition>>invalid(String.join("; ", problems));
            }
            List<JudgeDefinition> judges = found.stream().map(JudgeVersions.Found::judge).distinct().toList();
            List<String> pairwise = judges.stream().filter(j -> j.output() instanceof OutputSpec.PairwiseOutput).map(JudgeDefinition::name)
                    .distinct().toList();
            if (!pairwise.isEmpty()) {
                return RunOutcome.invalid("Judge" + (pairwise.size() == 1 ? " " : "s ") + String.join(", ", pairwise) + (pairwise.size() == 1
                        ? " is" : " are") + " pairwise: it compares two traces; start it with POST /api/comparisons");
            }
            return RunOutcome.done(judges);
        });
    }

    private String known() {
        return catalog.all().stream().map(JudgeDefinition::name).collect(Collectors.joining(", "));
    }

    /**
     * What a run of these judges on these models (none: each its own) needs before it can start: models that parse and
     * name configured providers, providers that have their keys. Empty when nothing is missing.
     */
    java.util.Optional<String> problem(List<JudgeDefinition> judges, List<String> models) {
        RunOutcome<Selection> checked = models(models).map(parsed -> new Selection(judges, parsed, null, RunMode.ONLINE)).flatMap(this::keys);
        return checked instanceof RunOutcome.Refused<Selection> refused ? java.util.Optional.of(refused.message()) : java.util.Optional.empty();
    }

    RunOutcome<List<ModelId>> models(List<String> texts) {
        if (texts == null) {
            return RunOutcome.done(List.of());
        }
        if (texts.isEmpty()) {
            return RunOutcome.invalid("models, when given, must name at least one model");
        }
        List<ModelId> models = new ArrayList<>();
        for (String text : new LinkedHashSet<>(texts)) {
            ModelId model = ModelId.parse(text).orElse(null);
            if (model == null) {
                return RunOutcome.invalid("model '" + text + "' must look like <provider>:/<model>, e.g. openai:/gpt-4o-mini");
            }
            if (!providers.providers().containsKey(model.provider())) {
                return RunOutcome.invalid("model '" + text + "' names provider '" + model.provider() + "', which is not configured; configured: "
                        + String.join(", ", new TreeMap<>(providers.providers()).keySet()));
            }
            models.add(model);
        }
        return RunOutcome.done(models);
    }

    /**
     * A run in batch mode sends each LLM judge's calls through its provider's Batch API: every provider it calls must
     * have one ({@code batch: true}), and a jury, whose members' verdicts are combined at once, is not sent in batches.
     * Code judges call nothing: they are judged as the run's batches are prepared.
     */
    private RunOutcome<Selection> batchable(Selection selection) {
        if (selection.mode() != RunMode.BATCH) {
            return RunOutcome.done(selection);
        }
        return batchProblem(selection.judges(), selection.models()).<RunOutcome<Selection>>map(RunOutcome::invalid)
                .orElse(RunOutcome.done(selection));
    }

    /** Why these judges on these models (none: each its own) cannot run in batch mode; empty when they can. */
    java.util.Optional<String> batchProblem(List<JudgeDefinition> judges, List<ModelId> models) {
        List<String> juries = judges.stream().filter(j -> j.kind() == JudgeDefinition.Kind.JURY).map(JudgeDefinition::name).distinct().toList();
        if (!juries.isEmpty()) {
            return java.util.Optional.of("Judge" + (juries.size() == 1 ? " " : "s ") + String.join(", ", juries) + (juries.size() == 1
                    ? " is a jury" : " are juries") + ": batch mode sends LLM judges (and judges code judges at once), not juries; "
                    + "run juries in mode online");
        }
        Map<String, Set<String>> judgesByProvider = new TreeMap<>();
        for (Target target : RunPlan.targets(judges, models)) {
            for (ModelId model : target.called()) {
                ProvidersConfig.Provider provider = providers.providers().get(model.provider());
                if (provider != null && !provider.batch()) {
                    judgesByProvider.computeIfAbsent(model.provider(), p -> new TreeSet<>()).add(target.judge().name() + " on " + model);
                }
            }
        }
        if (!judgesByProvider.isEmpty()) {
            return java.util.Optional.of("mode batch needs the providers' Batch API: " + judgesByProvider.entrySet().stream()
                    .map(e -> "provider '" + e.getKey() + "' has none configured (set tribunal.providers." + e.getKey()
                            + ".batch=true if it offers one), for " + String.join(", ", e.getValue()))
                    .collect(Collectors.joining("; ")));
        }
        return java.util.Optional.empty();
    }

    /** A run is refused for its size before a trace is read or stored. */
    private static RunOutcome<Selection> size(int traceCount, Selection selection) {
        long count = (long) traceCount * RunPlan.targets(selection.judges(), selection.models()).size();
        // that many judgments, whatever their samples: each is one task
        if (count > MAX_TASKS) {
            return RunOutcome.invalid("The run would hold " + count + " judgments; at most " + MAX_TASKS
                    + " per run: split the traces over several runs");
        }
        return RunOutcome.done(selection);
    }

    /**
     * A run whose model's provider needs a key and has none could not make a single call: every judgment would end
     * AUTHENTICATION_FAILED. It is refused, naming the provider and the setting that gives it its key.
     */
    private RunOutcome<Selection> keys(Selection selection) {
        Map<String, Set<String>> judgesByProblem = new LinkedHashMap<>();
        for (Target target : RunPlan.targets(selection.judges(), selection.models())) {
            for (ModelId model : target.called()) {
                modelClient.missingKey(model.provider()).ifPresent(why -> judgesByProblem
                        .computeIfAbsent(why, w -> new TreeSet<>()).add(target.judge().name() + " on " + model));
            }
        }
        if (!judgesByProblem.isEmpty()) {
            return RunOutcome.invalid("The run could not make a single call: " + judgesByProblem.entrySet().stream()
                    .map(e -> e.getKey() + ", for " + String.join(", ", e.getValue())).collect(Collectors.joining("; ")));
        }
        return RunOutcome.done(selection);
    }

    /**
     * Inline traces checked as the trace feature stores them. That feature reports a broken rule by throwing, as its
     * ingest endpoint needs; here the refusal becomes the plan's outcome, in the same words.
     */
    private RunOutcome<RunPlan.Traces> inline(JudgeRunRequest request, Caller storedBy) {
        CheckedTraceBatch checked;
        try {
            checked = traces.check(new TraceBatchRequest(request.traces()), storedBy);
        } catch (InvalidRequestException e) {
            return RunOutcome.invalid(e.getMessage());
        } catch (PermissionDeniedException e) {
            return RunOutcome.forbidden(e.getMessage());
        }
        return RunOutcome.done(new InlineTraces(request.traces(), checked));
    }

    /** Stored traces: at least one id, at most {@link #MAX_TRACES}, none empty, each naming a trace that exists. */
    private Uni<RunOutcome<RunPlan.Traces>> storedTraces(List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(RunOutcome.invalid("trace_ids must name at least one trace"));
        }
        if (ids.size() > MAX_TRACES) {
            return Uni.createFrom().item(RunOutcome.invalid("trace_ids holds " + ids.size() + " ids; at most " + MAX_TRACES + " per run"));
        }
        if (!ids.stream().allMatch(id -> id != null && !id.isBlank())) {
            return Uni.createFrom().item(RunOutcome.invalid("trace_ids must not hold empty ids"));
        }
        List<String> distinct = List.copyOf(new LinkedHashSet<>(ids));
        return traces.missingIds(distinct)
                .map(missing -> missing.isEmpty() ? RunOutcome.done(new StoredTraces(distinct))
                        : RunOutcome.invalid("Unknown trace id" + (missing.size() == 1 ? " " : "s ")
                                + missing.stream().limit(NAMES_SHOWN).collect(Collectors.joining(", "))
                                + (missing.size() > NAMES_SHOWN ? " and " + (missing.size() - NAMES_SHOWN) + " more" : "")));
    }
}
