package dev.tribunal.probe;

import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeChampions;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeVersions;
import dev.tribunal.judge.OutputSpec;
import dev.tribunal.llm.ModelId;
import dev.tribunal.probe.ProbeRequests.ProbeListView;
import dev.tribunal.probe.ProbeRequests.ProbeRequest;
import dev.tribunal.probe.ProbeRequests.ProbeView;
import dev.tribunal.probe.ProbeRequests.Progress;
import dev.tribunal.probe.ProbeRequests.TraceSelector;
import dev.tribunal.run.RunService;
import dev.tribunal.security.Caller;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.Json;
import dev.tribunal.system.ResourceNotFoundException;
import dev.tribunal.system.Times;
import dev.tribunal.trace.ComparableTraces;
import dev.tribunal.trace.ComparableTraces.Keyed;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Bias probes of judges: a request checked once (every 4xx before anything is written), stored as running, then run in
 * the background by {@link ProbeJob}. Probes ask the judge's model directly and write no assessment.
 */
@ApplicationScoped
public class ProbeService {

    /** Traces one probe may select. */
    static final int MAX_TRACES = 500;
    /** Probes one list answer shows, at most. */
    static final int MAX_LISTED = 200;
    /** The tag that says which model wrote a trace's response. */
    static final String MODEL_TAG = "tribunal.model";

    private final JudgeCatalog catalog;
    private final JudgeVersions versions;
    private final JudgeChampions champions;
    private final RunService runs;
    private final ComparableTraces traces;
    private final ProbeRows rows;
    private final ProbeJob job;
    private final Duration interruptedAfter;

    ProbeService(JudgeCatalog catalog, JudgeVersions versions, JudgeChampions champions, RunService runs, ComparableTraces traces,
                 ProbeRows rows, ProbeJob job, ProbesConfig config) {
        this.catalog = catalog;
        this.versions = versions;
        this.champions = champions;
        this.runs = runs;
        this.traces = traces;
        this.rows = rows;
        this.job = job;
        this.interruptedAfter = config.interruptedAfter();
    }

    /** Checks a probe request, stores it as running and starts it; 4xx for what is wrong with it, with nothing stored. */
    public Uni<ProbeView> start(String name, ProbeRequest request, Caller caller) {
        requireJudge(name);
        InvalidRequestException.require(request != null, "The body must be a JSON object with traces and probes");
        List<Probe> probes = Probe.parse(request.probes());
        check(request.traces());
        InvalidRequestException.require(request.version() == null || !request.version().isBlank(), "version, when given, must not be blank");
        Uni<JudgeVersions.Found> found = request.version() == null ? champions.champion(name) : versions.find(name, request.version());
        return found.chain(f -> {
            InvalidRequestException.require(f.judge() != null, f.problem());
            JudgeDefinition judge = f.judge();
            ModelId model = model(judge, request.model(), probes);
            return traces.select(new ComparableTraces.Selector(request.traces().traceIds(), request.traces().tags(), null, null), MODEL_TAG,
                            MAX_TRACES + 1)
                    .chain(selected -> create(judge, model, probes, request, selected, caller));
        });
    }

    private void requireJudge(String name) {
        if (catalog.find(name).isEmpty()) {
            throw new ResourceNotFoundException("No judge named '" + name + "' is loaded; loaded judges: "
                    + String.join(", ", catalog.all().stream().map(JudgeDefinition::name).toList()));
        }
    }

    private static void check(TraceSelector selector) {
        InvalidRequestException.require(selector != null, "traces must select traces: {\"trace_ids\": [...]} or {\"tags\": {...}}");
        boolean ids = selector.traceIds() != null;
        boolean tags = selector.tags() != null;
        InvalidRequestException.require(ids != tags, "traces selects by trace_ids or by tags, one of the two");
        if (ids) {
            InvalidRequestException.require(!selector.traceIds().isEmpty() && selector.traceIds().size() <= MAX_TRACES,
                    "traces.trace_ids must hold 1 to " + MAX_TRACES + " ids");
            InvalidRequestException.require(selector.traceIds().stream().allMatch(id -> id != null && !id.isBlank()),
                    "traces.trace_ids must not hold empty ids");
        } else {
            InvalidRequestException.require(!selector.tags().isEmpty(), "traces.tags must hold at least one tag");
            InvalidRequestException.require(selector.tags().entrySet().stream().allMatch(e -> e.getKey() != null && !e.getKey().isBlank()
                    && e.getValue() != null), "traces.tags must map tag keys to values (text), none of them null");
        }
    }

    /** The model the probe asks, after checking the probes fit the judge; null for a jury. */
    private ModelId model(JudgeDefinition judge, String asked, List<Probe> probes) {
        InvalidRequestException.require(judge.kind() != JudgeDefinition.Kind.CODE, "Judge " + judge.name()
                + " is a code judge: it computes its verdict the same way every time, so there is nothing to probe");
        boolean pairwise = judge.output() instanceof OutputSpec.PairwiseOutput;
        for (Probe probe : probes) {
            if (probe instanceof Probe.Position) {
                InvalidRequestException.require(pairwise, "position probes a pairwise judge; judge " + judge.name()
                        + " gives " + judge.output().type() + " verdicts on one trace");
            } else {
                InvalidRequestException.require(!pairwise, probe.type() + " probes a judge of one trace; judge " + judge.name()
                        + " is pairwise: probe it with position");
            }
            if (probe instanceof Probe.Verbosity) {
                InvalidRequestException.require(judge.spanTarget() == null, "verbosity pads the trace's outputs; judge " + judge.name()
                        + " judges a span's");
            }
        }
        if (judge.kind() == JudgeDefinition.Kind.JURY) {
            InvalidRequestException.require(asked == null, "Judge " + judge.name() + " is a jury: its members are its models, so a probe "
                    + "names no model");
            InvalidRequestException.require(probes.stream().noneMatch(p -> p instanceof Probe.SelfPreference), "self_preference needs "
                    + "one judging model; judge " + judge.name() + " is a jury of several");
            runs.modelsFor(List.of(judge), null);
            return null;
        }
        List<ModelId> models = runs.modelsFor(List.of(judge), asked == null ? null : List.of(asked));
        return models.isEmpty() ? judge.model() : models.get(0);
    }

    private Uni<ProbeView> create(JudgeDefinition judge, ModelId model, List<Probe> probes, ProbeRequest request, List<Keyed> selected,
                                  Caller caller) {
        InvalidRequestException.require(selected.size() <= MAX_TRACES, "traces selects more than " + MAX_TRACES + " traces; a probe "
                + "takes at most " + MAX_TRACES);
        if (request.traces().traceIds() != null) {
            Set<String> present = new HashSet<>();
            selected.forEach(k -> present.add(k.traceId()));
            List<String> missing = request.traces().traceIds().stream().distinct().filter(id -> !present.contains(id)).toList();
            InvalidRequestException.require(missing.isEmpty(), "traces.trace_ids names " + missing.size() + " trace(s) that do not exist: "
                    + String.join(", ", missing.stream().limit(10).toList()));
        }
        InvalidRequestException.require(!selected.isEmpty(), "traces selects no trace: nothing to probe");
        InvalidRequestException.require(selected.size() >= 2 || probes.stream().noneMatch(p -> p instanceof Probe.Position),
                "position pairs consecutive traces: select at least 2");
        String id = dev.tribunal.system.Ids.newRunId();
        ProbePlan plan = new ProbePlan(id, judge, model, selected.stream().map(Keyed::traceId).toList(), probes);
        int attributed = (int) selected.stream().filter(k -> k.key() != null && !k.key().isBlank()).count();
        ProbeResults progress = new ProbeResults(selected.size(), 0, total(plan, attributed), null);
        Map<String, Object> asked = new LinkedHashMap<>();
        asked.put("version", judge.version());
        asked.put("model", model == null ? null : model.toString());
        asked.put("traces", request.traces().traceIds() != null ? Map.of("trace_ids", request.traces().traceIds())
                : Map.of("tags", request.traces().tags()));
        asked.put("probes", probes.stream().map(p -> p instanceof Probe.Repeat r ? Map.of("type", p.type(), "k", r.k())
                : Map.of("type", p.type())).toList());
        Instant now = Times.now();
        return rows.insert(id, judge.name(), judge.version(), model == null ? null : model.toString(), Json.write(asked), progress,
                        now, caller.name())
                .invoke(() -> job.start(plan, progress.total()))
                .chain(() -> get(judge.name(), id));
    }

    /** Judge calls a plan makes: a pair's two orders count two. */
    static int total(ProbePlan plan, int attributed) {
        int n = plan.traceIds().size();
        int total = 0;
        for (Probe probe : plan.probes()) {
            if (probe instanceof Probe.Repeat r) {
                total += r.k() * n;
            } else if (probe instanceof Probe.Verbosity) {
                total += 2 * n;
            } else if (probe instanceof Probe.Position) {
                total += 2 * plan.pairs();
            } else {
                total += attributed;
            }
        }
        return total;
    }

    /** One probe of a judge; 404 when there is none of that id. */
    public Uni<ProbeView> get(String name, String id) {
        return rows.find(name, id).map(stored -> {
            if (stored == null) {
                throw new ResourceNotFoundException("No probe '" + id + "' of judge '" + name + "'");
            }
            return view(stored);
        });
    }

    /** A judge's probes, newest first (of one version, unless none is named). */
    public Uni<ProbeListView> list(String name, String version, int maxResults) {
        return rows.ofJudge(name, version, maxResults).map(found -> {
            if (found.isEmpty()) {
                requireJudge(name);
            }
            return new ProbeListView(found.stream().map(this::view).toList());
        });
    }

    private ProbeView view(ProbeRows.Stored s) {
        ProbeResults results = s.results();
        String status = s.status().equals("running") && s.updatedAt().isBefore(Times.now().minus(interruptedAfter)) ? "interrupted"
                : s.status();
        return new ProbeView(s.id(), s.judge(), s.version(), s.model(), status, Json.read(s.request()), results == null ? 0 : results.traces(),
                results == null ? null : new Progress(results.done(), results.total()), results == null ? null : results.probes(),
                s.problem(), s.createdAt(), s.createdBy(), s.finishedAt(), s.updatedAt());
    }
}
