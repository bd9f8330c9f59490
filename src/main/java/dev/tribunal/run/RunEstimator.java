package dev.tribunal.run;

import dev.tribunal.cache.JudgmentCache;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.judge.TraceData;
import dev.tribunal.llm.ModelId;
import dev.tribunal.run.RunPlan.InlineTraces;
import dev.tribunal.run.RunPlan.StoredTraces;
import dev.tribunal.run.RunPlan.Target;
import dev.tribunal.run.RunRequests.DryRunView;
import dev.tribunal.run.RunRequests.ModelEstimateView;
import dev.tribunal.trace.TraceDataLoader;
import dev.tribunal.trace.TraceRequests.TraceRequest;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a checked run would take before it is made. The dry run renders every prompt to count judgments, LLM calls,
 * tokens and cost by model, net of the calls the judgment cache would answer, storing nothing and calling no provider;
 * the cost check holds a run estimated above {@code tribunal.runs.confirm-cost-above} until its request confirms the
 * cost.
 */
@ApplicationScoped
class RunEstimator {

    /** Traces loaded per query for a dry run. */
    private static final int CHUNK = 1000;

    private final JudgeRunner runner;
    private final TraceDataLoader loader;
    private final JudgmentCache cache;
    private final double confirmCostAbove;
    private final dev.tribunal.llm.ProvidersConfig providers;

    RunEstimator(JudgeRunner runner, TraceDataLoader loader, JudgmentCache cache, RunsConfig runs, dev.tribunal.llm.ProvidersConfig providers) {
        this.runner = runner;
        this.providers = providers;
        this.loader = loader;
        this.cache = cache;
        this.confirmCostAbove = runs.confirmCostAbove();
    }

    /** The dry run of a plan: what each of its judgments would send and cost. */
    Uni<DryRunView> estimate(RunPlan plan) {
        List<Target> targets = plan.targets();
        Map<String, Tally> byModel = new TreeMap<>();
        if (plan.traces() instanceof InlineTraces inline) {
            return Uni.createFrom().deferred(() -> count(plan, inline.sent().stream().map(RunEstimator::traceData).toList(), targets, byModel))
                    .map(ignored -> view(byModel, plan.mode()));
        }
        List<String> ids = ((StoredTraces) plan.traces()).ids();
        Uni<Void> counted = Uni.createFrom().voidItem();
        for (int from = 0; from < ids.size(); from += CHUNK) {
            List<String> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
            counted = counted.chain(() -> loader.load(chunk)
                    .chain(found -> count(plan, found.values(), targets, byModel)));
        }
        return counted.map(ignored -> view(byModel, plan.mode()));
    }

    /**
     * The cost check: the plan, or a refusal when its run is estimated above tribunal.runs.confirm-cost-above and its
     * request does not confirm the cost. A run whose cost cannot be known (it calls no model, or a model without prices)
     * is not estimated: rendering every prompt of a large run would cost time for a check that could not hold it.
     */
    Uni<RunOutcome<RunPlan>> checkCost(RunPlan plan) {
        if (plan.costConfirmed() || !costKnown(plan)) {
            return Uni.createFrom().item(RunOutcome.done(plan));
        }
        return estimate(plan)
                .map(estimate -> estimate.estimatedCost() == null || estimate.estimatedCost() <= confirmCostAbove
                        ? RunOutcome.done(plan)
                        : RunOutcome.invalid(String.format(Locale.ROOT, "This run would cost about %.2f (%d judgments), above "
                                + "tribunal.runs.confirm-cost-above (%.2f): send it again with \"confirm_cost\": true to start it",
                                estimate.estimatedCost(), estimate.total(), confirmCostAbove)));
    }

    /** Whether the run calls a model and every model it calls has prices. */
    private boolean costKnown(RunPlan plan) {
        List<ModelId> called = plan.calledModels();
        return !called.isEmpty() && called.stream().allMatch(runner::priced);
    }

    /** Adds a batch of traces' judgments to the tallies, net of the calls the judgment cache would answer. */
    private Uni<Void> count(RunPlan plan, Collection<TraceData> batch, List<Target> targets, Map<String, Tally> byModel) {
        List<Map.Entry<String, JudgeRunner.Estimate>> estimates = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (TraceData trace : batch) {
            for (Target target : targets) {
                JudgeRunner.Estimate estimate = runner.estimate(target.judge(), target.model(), trace, plan.samplesOf(target.judge()));
                estimates.add(Map.entry(target.modelName(), estimate));
                estimate.cacheable().forEach(call -> keys.add(call.key()));
            }
        }
        return cache.present(keys)
                .invoke(hits -> estimates.forEach(e -> byModel.merge(e.getKey(), Tally.of(e.getValue(), hits), Tally::plus)))
                .replaceWithVoid();
    }

    private DryRunView view(Map<String, Tally> byModel, RunMode mode) {
        List<ModelEstimateView> models = new ArrayList<>();
        Tally total = Tally.NONE;
        Double batchCost = 0.0;
        for (Map.Entry<String, Tally> entry : byModel.entrySet()) {
            Tally tally = entry.getValue();
            Double batch = batchCost(entry.getKey(), tally);
            batchCost = batchCost == null || batch == null ? null : batchCost + batch;
            models.add(new ModelEstimateView(entry.getKey(), tally.judgments(), tally.llmCalls(), tally.cacheHits(), tally.missingInput(),
                    tally.promptTokens(), tally.maxCompletionTokens(), round(mode == RunMode.BATCH ? batch : tally.cost())));
            total = total.plus(tally);
        }
        Double online = round(total.cost());
        Double batch = round(batchCost);
        return new DryRunView(true, mode.name().toLowerCase(Locale.ROOT), (int) total.judgments(), total.llmCalls(), total.cacheHits(),
                total.missingInput(), total.promptTokens(), total.maxCompletionTokens(), mode == RunMode.BATCH ? batch : online, online, batch,
                models);
    }

    /**
     * One model's share sent in batches: its tokens at its provider's batch prices; nothing for a code judge, which calls
     * no model; null for a jury (never sent in batches) and for a provider without prices.
     */
    private Double batchCost(String model, Tally tally) {
        java.util.Optional<ModelId> parsed = ModelId.parse(model);
        if (parsed.isEmpty()) {
            return tally.llmCalls() == 0 && tally.cacheHits() == 0 && tally.cost() != null && tally.cost() == 0 ? 0.0 : null;
        }
        if (tally.llmCalls() == 0) {
            return tally.cost() == null ? null : 0.0;
        }
        return dev.tribunal.llm.Prices.batch(providers.providers().get(parsed.get().provider()), tally.promptTokens(),
                tally.maxCompletionTokens());
    }

    private static Double round(Double cost) {
        return cost == null ? null : dev.tribunal.llm.Prices.rounded(cost).doubleValue();
    }

    /** What a judge would see of a trace sent inline, without storing it. */
    private static TraceData traceData(TraceRequest t) {
        List<TraceData.SpanData> spans = t.spans() == null ? List.of() : t.spans().stream()
                .map(s -> new TraceData.SpanData(s.spanId(), s.name(),
                        s.spanType() == null || s.spanType().isBlank() ? "UNKNOWN" : s.spanType().toUpperCase(Locale.ROOT),
                        s.inputs(), s.outputs()))
                .toList();
        return new TraceData(t.traceId(), t.inputs(), t.outputs(), t.expectations() == null ? Map.of() : t.expectations(),
                t.tags() == null ? Map.of() : t.tags(), spans);
    }

    /**
     * Sums of a dry run's judgments, for one model (or code judge) or for the whole run.
     *
     * @param cost null when a judgment calls a model without prices: then the sum has no cost, not a cost of zero
     */
    record Tally(long judgments, long llmCalls, long cacheHits, long missingInput, long promptTokens, long maxCompletionTokens,
                 Double cost) {

        static final Tally NONE = new Tally(0, 0, 0, 0, 0, 0, 0.0);

        Tally {
            if (judgments < 0 || llmCalls < 0 || cacheHits < 0 || missingInput < 0 || promptTokens < 0 || maxCompletionTokens < 0) {
                throw new IllegalArgumentException("a tally counts up from zero");
            }
        }

        /** One judgment's estimate, without the calls whose keys are among {@code hits} (the cache answers those). */
        static Tally of(JudgeRunner.Estimate e, Set<String> hits) {
            Double cost = e.call() && e.cost() == null ? null : e.cost() == null ? 0.0 : e.cost();
            long calls = e.calls();
            long cached = 0;
            long prompt = e.promptTokens();
            long completion = e.maxCompletionTokens();
            for (JudgeRunner.CacheableCall call : e.cacheable()) {
                if (hits.contains(call.key())) {
                    cached++;
                    calls--;
                    prompt -= call.promptTokens();
                    completion -= call.maxCompletionTokens();
                    cost = cost == null || call.cost() == null ? cost : Double.valueOf(Math.max(0, cost - call.cost()));
                }
            }
            return new Tally(1, calls, cached, e.missingInput() ? 1 : 0, prompt, completion, cost);
        }

        Tally plus(Tally other) {
            return new Tally(judgments + other.judgments, llmCalls + other.llmCalls, cacheHits + other.cacheHits,
                    missingInput + other.missingInput, promptTokens + other.promptTokens, maxCompletionTokens + other.maxCompletionTokens,
                    cost == null || other.cost == null ? null : cost + other.cost);
        }
    }
}
