package dev.tribunal.comparison;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.AssessmentRepository;
import dev.tribunal.assessment.AssessmentRepository.RunVerdict;
import dev.tribunal.comparison.ComparisonRequests.ComparisonCreatedView;
import dev.tribunal.comparison.ComparisonRequests.ComparisonDryRunView;
import dev.tribunal.comparison.ComparisonRequests.ComparisonRequest;
import dev.tribunal.comparison.ComparisonRequests.ComparisonView;
import dev.tribunal.comparison.ComparisonRequests.ModelFigures;
import dev.tribunal.comparison.ComparisonRequests.PairView;
import dev.tribunal.comparison.ComparisonRequests.Selector;
import dev.tribunal.comparison.ComparisonRequests.Unmatched;
import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.judge.OutputSpec;
import dev.tribunal.judge.Pairs;
import dev.tribunal.judge.TraceData;
import dev.tribunal.llm.ModelId;
import dev.tribunal.run.RunRequests.RunView;
import dev.tribunal.run.RunService;
import dev.tribunal.run.RunsConfig;
import dev.tribunal.security.Caller;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.Json;
import dev.tribunal.system.ResourceNotFoundException;
import dev.tribunal.system.Times;
import dev.tribunal.trace.ComparableTraces;
import dev.tribunal.trace.ComparableTraces.Keyed;
import dev.tribunal.trace.TraceDataLoader;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Comparisons: a pairwise judge over pairs of traces, made a run of one task per pair and model. Traces are paired by
 * their key (inputs, or a tag's value): the i-th candidate of a key, oldest first, with the i-th baseline of the same
 * key; a trace without a partner (or paired with itself) is counted and listed, never dropped silently.
 */
@ApplicationScoped
public class ComparisonService {

    /** Traces per side of a comparison. */
    static final int MAX_TRACES = 100_000;
    /** Unmatched ids listed in an answer (all are counted). */
    static final int UNMATCHED_SHOWN = 100;
    private static final int CHUNK = 500;

    private final JudgeCatalog catalog;
    private final JudgeRunner runner;
    private final RunService runs;
    private final ComparableTraces traces;
    private final TraceDataLoader loader;
    private final ComparisonRows rows;
    private final AssessmentRepository assessments;
    private final Pool pool;
    private final double confirmCostAbove;
    private final dev.tribunal.judge.JudgeChampions champions;

    ComparisonService(dev.tribunal.judge.JudgeChampions champions, JudgeCatalog catalog, JudgeRunner runner, RunService runs, ComparableTraces traces, TraceDataLoader loader,
                      ComparisonRows rows, AssessmentRepository assessments, Pool pool, RunsConfig config) {
        this.champions = champions;
        this.catalog = catalog;
        this.runner = runner;
        this.runs = runs;
        this.traces = traces;
        this.loader = loader;
        this.rows = rows;
        this.assessments = assessments;
        this.pool = pool;
        this.confirmCostAbove = config.confirmCostAbove();
    }

    /** A request checked: its judge, models, the tag matched on (null: the inputs) and the pairs. */
    private record Plan(JudgeDefinition judge, List<ModelId> models, String tag, List<String> candidates, List<String> baselines,
                        Unmatched unmatched) {
    }

    /** Starts a comparison; 400s for what is wrong with the request, with nothing stored. */
    public Uni<ComparisonCreatedView> start(ComparisonRequest request, Caller caller) {
        return plan(request).chain(plan -> checkCost(plan, request).chain(() -> create(plan, request, caller)));
    }

    /** What a comparison would take, without storing or calling anything. */
    public Uni<ComparisonDryRunView> estimate(ComparisonRequest request) {
        return plan(request).chain(plan -> tally(plan).map(t -> new ComparisonDryRunView(true, plan.candidates().size(), t.calls, t.prompt,
                t.completion, t.cost, plan.unmatched())));
    }

    private Uni<Plan> plan(ComparisonRequest request) {
        InvalidRequestException.require(request != null, "The body must be a JSON object with judge, baseline and candidate");
        InvalidRequestException.require(request.judge() != null && !request.judge().isBlank(), "judge must name a pairwise judge");
        InvalidRequestException.require(catalog.find(request.judge()).isPresent(), "Unknown judge " + request.judge() + "; pairwise judges: "
                + pairwiseJudges());
        check(request.baseline(), "baseline");
        check(request.candidate(), "candidate");
        String tag = tag(request.matchOn());
        // the judge's champion, as for runs that name no version
        return champions.champion(request.judge()).chain(found -> {
            JudgeDefinition judge = found.judge();
            InvalidRequestException.require(judge != null, found.problem());
            InvalidRequestException.require(judge.output() instanceof OutputSpec.PairwiseOutput, "Judge " + judge.name()
                    + " is not pairwise (output type " + judge.output().type() + "); pairwise judges: " + pairwiseJudges());
            return plan(request, judge, tag);
        });
    }

    private Uni<Plan> plan(ComparisonRequest request, JudgeDefinition judge, String tag) {
        List<ModelId> models = runs.modelsFor(List.of(judge), request.models());
        return traces.select(selector(request.candidate()), tag, MAX_TRACES + 1)
                .chain(candidates -> traces.select(selector(request.baseline()), tag, MAX_TRACES + 1)
                        .map(baselines -> pair(judge, models, tag, candidates, baselines, request.candidate().traceIds(),
                                request.baseline().traceIds())));
    }

    private String pairwiseJudges() {
        List<String> names = catalog.all().stream().filter(j -> j.output() instanceof OutputSpec.PairwiseOutput).map(JudgeDefinition::name).toList();
        return names.isEmpty() ? "none is loaded" : String.join(", ", names);
    }

    private static void check(Selector selector, String side) {
        InvalidRequestException.require(selector != null, side + " must select traces: {\"trace_ids\": [...]} or {\"tags\": {...}}");
        boolean ids = selector.traceIds() != null;
        boolean tags = selector.tags() != null;
        InvalidRequestException.require(ids != tags, side + " selects traces by trace_ids or by tags, one of the two");
        if (ids) {
            InvalidRequestException.require(!selector.traceIds().isEmpty() && selector.traceIds().size() <= MAX_TRACES,
                    side + ".trace_ids must hold 1 to " + MAX_TRACES + " ids");
            InvalidRequestException.require(selector.traceIds().stream().allMatch(id -> id != null && !id.isBlank()),
                    side + ".trace_ids must not hold empty ids");
        } else {
            InvalidRequestException.require(!selector.tags().isEmpty(), side + ".tags must hold at least one tag");
            InvalidRequestException.require(selector.tags().entrySet().stream().allMatch(e -> e.getKey() != null && !e.getKey().isBlank()
                    && e.getValue() != null), side + ".tags must map tag keys to values (text), none of them null");
        }
        InvalidRequestException.require(selector.from() == null || selector.to() == null || selector.from().isBefore(selector.to()),
                side + ".from must be before " + side + ".to");
    }

    private static String tag(JsonNode matchOn) {
        if (matchOn == null || matchOn.isNull() || (matchOn.isTextual() && matchOn.asText().equals("inputs"))) {
            return null;
        }
        if (matchOn.isObject() && matchOn.size() == 1 && matchOn.has("tag") && matchOn.get("tag").isTextual()
                && !matchOn.get("tag").asText().isBlank()) {
            return matchOn.get("tag").asText();
        }
        throw new InvalidRequestException("match_on must be \"inputs\" or {\"tag\": \"<key>\"}, not " + matchOn);
    }

    private static ComparableTraces.Selector selector(Selector s) {
        return new ComparableTraces.Selector(s.traceIds(), s.tags(), s.from(), s.to());
    }

    /** The i-th candidate of a key with the i-th baseline of the same key. */
    private static List<String> missing(List<String> asked, List<Keyed> found) {
        if (asked == null) {
            return List.of();
        }
        java.util.Set<String> present = new java.util.HashSet<>();
        found.forEach(k -> present.add(k.traceId()));
        return asked.stream().distinct().filter(id -> !present.contains(id)).toList();
    }

    private static Plan pair(JudgeDefinition judge, List<ModelId> models, String tag, List<Keyed> candidates, List<Keyed> baselines,
                             List<String> candidateIds, List<String> baselineIds) {
        InvalidRequestException.require(candidates.size() <= MAX_TRACES, "candidate selects more than " + MAX_TRACES + " traces");
        InvalidRequestException.require(baselines.size() <= MAX_TRACES, "baseline selects more than " + MAX_TRACES + " traces");
        Map<String, ArrayDeque<String>> byKey = new HashMap<>();
        for (Keyed b : baselines) {
            if (b.key() != null) {
                byKey.computeIfAbsent(b.key(), k -> new ArrayDeque<>()).add(b.traceId());
            }
        }
        List<String> paired = new ArrayList<>();
        List<String> partners = new ArrayList<>();
        List<String> lonely = new ArrayList<>();
        java.util.Set<String> inPairs = new java.util.HashSet<>();
        for (Keyed c : candidates) {
            // a trace in both selections is in one pair at most: (A, B) and (B, A) would count the same comparison twice
            ArrayDeque<String> waiting = c.key() == null || inPairs.contains(c.traceId()) ? null : byKey.get(c.key());
            // a trace is never compared with itself
            String partner = waiting == null ? null : waiting.stream().filter(id -> !id.equals(c.traceId()) && !inPairs.contains(id))
                    .findFirst().orElse(null);
            if (partner == null) {
                lonely.add(c.traceId());
            } else {
                waiting.remove(partner);
                paired.add(c.traceId());
                partners.add(partner);
                inPairs.add(c.traceId());
                inPairs.add(partner);
            }
        }
        List<String> leftBaselines = new ArrayList<>();
        baselines.stream().map(Keyed::traceId).filter(id -> !inPairs.contains(id)).forEach(leftBaselines::add);
        // ids that name no stored trace are unmatched too
        missing(candidateIds, candidates).forEach(lonely::add);
        missing(baselineIds, baselines).forEach(leftBaselines::add);
        InvalidRequestException.require(!paired.isEmpty(), "No candidate trace has a baseline with the same "
                + (tag == null ? "inputs" : "value of tag " + tag) + " (" + candidates.size() + " candidates, " + baselines.size()
                + " baselines selected)");
        Unmatched unmatched = new Unmatched(lonely.size(), leftBaselines.size(), lonely.stream().limit(UNMATCHED_SHOWN).toList(),
                leftBaselines.stream().limit(UNMATCHED_SHOWN).toList());
        return new Plan(judge, models, tag, paired, partners, unmatched);
    }

    private List<ModelId> modelsOf(Plan plan) {
        return plan.models().isEmpty() ? List.of(plan.judge().model()) : plan.models();
    }

    /** Sums of a comparison's estimated calls. */
    private static final class Tally {
        long calls;
        long prompt;
        long completion;
        Double cost = 0.0;
    }

    private Uni<Tally> tally(Plan plan) {
        Tally tally = new Tally();
        Uni<Void> counted = Uni.createFrom().voidItem();
        for (int from = 0; from < plan.candidates().size(); from += CHUNK) {
            int start = from;
            int end = Math.min(plan.candidates().size(), from + CHUNK);
            List<String> ids = new ArrayList<>(plan.candidates().subList(start, end));
            ids.addAll(plan.baselines().subList(start, end));
            counted = counted.chain(() -> loader.load(ids).emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                    .invoke(data -> {
                for (int i = start; i < end; i++) {
                    TraceData candidate = data.get(plan.candidates().get(i));
                    TraceData baseline = data.get(plan.baselines().get(i));
                    if (candidate == null || baseline == null) {
                        continue;
                    }
                    for (ModelId model : modelsOf(plan)) {
                        JudgeRunner.Estimate e = runner.estimatePair(plan.judge(), model, candidate, baseline);
                        tally.calls += e.calls();
                        tally.prompt += e.promptTokens();
                        tally.completion += e.maxCompletionTokens();
                        tally.cost = tally.cost == null || (e.call() && e.cost() == null) ? null : tally.cost + (e.cost() == null ? 0 : e.cost());
                    }
                }
            }).replaceWithVoid());
        }
        return counted.map(ignored -> tally);
    }

    /** The cost ceiling of runs (tribunal.runs.confirm-cost-above) holds comparisons too. */
    private Uni<Void> checkCost(Plan plan, ComparisonRequest request) {
        if (Boolean.TRUE.equals(request.confirmCost()) || !modelsOf(plan).stream().allMatch(runner::priced)) {
            return Uni.createFrom().voidItem();
        }
        return tally(plan).invoke(t -> InvalidRequestException.require(t.cost == null || t.cost <= confirmCostAbove,
                String.format(Locale.ROOT, "This comparison would cost about %.2f (%d calls), above tribunal.runs.confirm-cost-above (%.2f): "
                        + "send it again with \"confirm_cost\": true to start it", t.cost, t.calls, confirmCostAbove))).replaceWithVoid();
    }

    private Uni<ComparisonCreatedView> create(Plan plan, ComparisonRequest request, Caller caller) {
        Map<String, Object> asked = new LinkedHashMap<>();
        asked.put("baseline", request.baseline());
        asked.put("candidate", request.candidate());
        asked.put("match_on", plan.tag() == null ? "inputs" : Map.of("tag", plan.tag()));
        String requestJson = Json.write(asked);
        List<String> models = modelsOf(plan).stream().map(ModelId::toString).toList();
        return pool.withTransaction(connection -> runs.createPairs(connection, plan.judge(), plan.models(), plan.candidates(),
                                plan.baselines(), caller.name())
                        .call(runId -> rows.insert(connection, new ComparisonRows.Stored(runId, plan.judge().name(), plan.judge().version(),
                                models, requestJson, plan.candidates().size(), plan.unmatched(), caller.name(), Times.now()))))
                .invoke(runs::poll)
                .map(runId -> new ComparisonCreatedView(runId, plan.candidates().size(), plan.candidates().size() * models.size(),
                        plan.unmatched()));
    }

    /** Comparisons, newest first, each with its run's progress. */
    public Uni<ComparisonRequests.ComparisonListView> list(dev.tribunal.system.PageToken after, int maxResults) {
        return rows.page(after, maxResults).chain(found -> {
            List<ComparisonRows.Stored> shown = found.subList(0, Math.min(maxResults, found.size()));
            if (shown.isEmpty()) {
                return Uni.createFrom().item(new ComparisonRequests.ComparisonListView(List.of(), null));
            }
            List<Uni<ComparisonRequests.ComparisonSummary>> summaries = shown.stream().map(c -> runs.progress(c.comparisonId())
                    .map(run -> new ComparisonRequests.ComparisonSummary(c.comparisonId(), c.judge(), c.judgeVersion(), c.models(), c.pairs(),
                            c.unmatched(), run == null ? null : run.status().name(), run == null ? 0 : run.completed(), c.createdAt(),
                            c.createdBy()))).toList();
            ComparisonRows.Stored last = shown.get(shown.size() - 1);
            String next = found.size() > maxResults ? new dev.tribunal.system.PageToken(last.createdAt(), last.comparisonId()).encode() : null;
            return Uni.join().all(summaries).andFailFast().map(list -> new ComparisonRequests.ComparisonListView(list, next));
        });
    }

    /** A comparison's report: every model's figures over the pairs judged so far, and the pairs from {@code offset}. */
    public Uni<ComparisonView> report(String comparisonId, int offset, int maxPairs) {
        return rows.find(comparisonId).chain(stored -> {
            if (stored == null) {
                throw new ResourceNotFoundException("No comparison '" + comparisonId + "'");
            }
            return runs.progress(comparisonId).chain(run -> assessments.verdictsOfRun(comparisonId)
                    .map(verdicts -> view(stored, run, verdicts, offset, maxPairs)));
        });
    }

    private static ComparisonView view(ComparisonRows.Stored stored, RunView run, List<RunVerdict> verdicts, int offset, int maxPairs) {
        Map<String, List<RunVerdict>> byModel = new TreeMap<>();
        stored.models().forEach(m -> byModel.put(m, new ArrayList<>()));
        verdicts.forEach(v -> byModel.computeIfAbsent(v.sourceId(), m -> new ArrayList<>()).add(v));
        List<ModelFigures> figures = byModel.entrySet().stream().map(e -> figures(e.getKey(), e.getValue())).toList();
        List<PairView> pairs = verdicts.stream().skip(offset).limit(maxPairs).map(ComparisonService::pairView).toList();
        Integer next = offset + pairs.size() < verdicts.size() ? offset + pairs.size() : null;
        return new ComparisonView(stored.comparisonId(), stored.judge(), stored.judgeVersion(), run == null ? null : run.status().name(),
                stored.pairs(), run == null ? 0 : run.completed(), stored.unmatched(), Json.read(stored.request()), stored.createdAt(),
                stored.createdBy(), figures, pairs, next);
    }

    /** One model's figures, computed from its stored verdicts. */
    static ModelFigures figures(String model, List<RunVerdict> verdicts) {
        int wins = 0;
        int ties = 0;
        int losses = 0;
        int inconsistent = 0;
        int firstPreferred = 0;
        Map<String, Integer> errors = new TreeMap<>();
        for (RunVerdict v : verdicts) {
            if (v.errorCode() != null) {
                errors.merge(v.errorCode(), 1, Integer::sum);
                continue;
            }
            switch (Json.read(v.value()).asText()) {
                case Pairs.CANDIDATE -> wins++;
                case Pairs.BASELINE -> losses++;
                default -> ties++;
            }
            if ("false".equals(v.metadata().get(Pairs.CONSISTENT_KEY))) {
                inconsistent++;
                if ("A".equals(v.metadata().get(Pairs.CANDIDATE_FIRST_KEY)) && "A".equals(v.metadata().get(Pairs.BASELINE_FIRST_KEY))) {
                    firstPreferred++;
                }
            }
        }
        int judged = wins + ties + losses;
        int errored = errors.values().stream().mapToInt(Integer::intValue).sum();
        if (judged == 0) {
            return new ModelFigures(model, 0, errored, errors, 0, 0, 0, 0, null, null, null, null);
        }
        double winRate = (wins + ties / 2.0) / judged;
        return new ModelFigures(model, judged, errored, errors, wins, ties, losses, inconsistent, winRate, dev.tribunal.metaeval.Agreement.wilson(winRate, judged),
                (double) (judged - inconsistent) / judged, inconsistent == 0 ? null : (double) firstPreferred / inconsistent);
    }

    private static PairView pairView(RunVerdict v) {
        Map<String, String> m = v.metadata();
        String baseline = m.get(Pairs.BASELINE_TRACE_KEY);
        return new PairView(v.sourceId(), v.traceId(), baseline, v.value() == null ? null : Json.read(v.value()).asText(),
                m.containsKey(Pairs.CONSISTENT_KEY) ? Boolean.valueOf(m.get(Pairs.CONSISTENT_KEY)) : null, m.get(Pairs.CANDIDATE_FIRST_KEY),
                m.get(Pairs.BASELINE_FIRST_KEY), m.get(Pairs.CANDIDATE_FIRST_RATIONALE_KEY), m.get(Pairs.BASELINE_FIRST_RATIONALE_KEY),
                v.errorCode(), v.errorMessage(), "/traces/" + v.traceId(), baseline == null ? null : "/traces/" + baseline, v.assessmentId());
    }
}
