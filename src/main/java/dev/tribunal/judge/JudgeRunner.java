package dev.tribunal.judge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.budget.BudgetGate;
import dev.tribunal.budget.BudgetLedger;
import dev.tribunal.budget.Reservation;
import dev.tribunal.budget.Spending;
import dev.tribunal.cache.CacheKey;
import dev.tribunal.cache.JudgmentCache;
import dev.tribunal.judge.JudgeDefinition.Kind;
import dev.tribunal.judge.PromptRenderer.Rendered;
import dev.tribunal.judge.VerdictFormat.Verdict;
import dev.tribunal.llm.ErrorCode;
import dev.tribunal.llm.JudgeModelClient;
import dev.tribunal.llm.LlmRequest;
import dev.tribunal.llm.LlmResult;
import dev.tribunal.llm.ModelId;
import dev.tribunal.llm.ProvidersConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one judge on one trace (with one model, for LLM judges) and always yields a {@link Judgment}:
 * missing inputs, provider failures and unusable replies become errors, never exceptions.
 */
@ApplicationScoped
public class JudgeRunner {

    private static final Logger LOG = Logger.getLogger(JudgeRunner.class);

    public static final String VERSION_KEY = "tribunal.judge.version";
    public static final String LATENCY_KEY = "tribunal.latency_ms";
    public static final String ATTEMPTS_KEY = "tribunal.attempts";
    public static final String PROMPT_TOKENS_KEY = "tribunal.tokens.prompt";
    /** The prompt tokens the provider read from its prompt cache (part of {@link #PROMPT_TOKENS_KEY}); only when some were. */
    public static final String CACHED_PROMPT_TOKENS_KEY = "tribunal.tokens.cached_prompt";
    public static final String COMPLETION_TOKENS_KEY = "tribunal.tokens.completion";
    public static final String COST_KEY = "mlflow.assessment.judgeCost";
    /** The share of a verdict's samples (or a jury's members that answered) equal to it, 0 to 1. */
    public static final String AGREEMENT_KEY = "tribunal.agreement";
    /** Tokens a call adds to its messages' text (roles, message framing, the answer's JSON schema), counted generously. */
    private static final int FRAMING_TOKENS = 400;

    private final JudgeModelClient models;
    private final ProvidersConfig providers;
    private final CodeScorers scorers;
    private final JudgmentCache cache;
    private final MeterRegistry metrics;
    private final BudgetGate budgets;
    private final BudgetLedger ledger;
    private final Map<String, io.micrometer.core.instrument.Counter> judgments = new java.util.concurrent.ConcurrentHashMap<>();
    private final Map<String, io.micrometer.core.instrument.Counter> costs = new java.util.concurrent.ConcurrentHashMap<>();

    JudgeRunner(JudgeModelClient models, ProvidersConfig providers, SentenceEmbeddings embeddings, MeterRegistry metrics,
                JudgmentCache cache, BudgetGate budgets, BudgetLedger ledger) {
        this.models = models;
        this.budgets = budgets;
        this.ledger = ledger;
        this.cache = cache;
        this.providers = providers;
        this.scorers = new CodeScorers(embeddings);
        this.metrics = metrics;
    }

    /**
     * @param model the model to ask; null for a code judge
     * @param scope the run, so that a provider's rejected credentials fail the rest of the run fast
     */
    public Uni<Judgment> run(JudgeDefinition judge, ModelId model, TraceData trace, String scope) {
        return run(judge, model, trace, scope, judge.samples());
    }

    /**
     * @param samples calls per model, their verdicts combined into one ({@link Verdicts}); the judge's own unless a run
     *                says otherwise
     */
    public Uni<Judgment> run(JudgeDefinition judge, ModelId model, TraceData trace, String scope, int samples) {
        Spending spending = Spending.outsideSweeps();
        return run(judge, model, trace, scope, samples, spending).call(ignored -> settleAlone(spending));
    }

    /**
     * @param spending the budgets the judgment falls under beyond its judge's and model's, and where its calls' reservations
     *                 are kept until its judgment is written, which settles them
     */
    public Uni<Judgment> run(JudgeDefinition judge, ModelId model, TraceData trace, String scope, int samples, Spending spending) {
        // deferred: whatever goes wrong while preparing the call also ends as a judgment, never as an exception
        Uni<Judgment> judgment = switch (judge.kind()) {
            case CODE -> Uni.createFrom().item(() -> runCode(judge, trace)).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
            case LLM -> Uni.createFrom().deferred(() -> runLlm(judge, model, trace, scope, samples, spending));
            case JURY -> Uni.createFrom().deferred(() -> runJury(judge, trace, scope, samples, spending));
        };
        return finish(judgment, judge, model, trace);
    }

    /**
     * A pairwise judge on one pair: asked twice, the candidate shown first and then the baseline shown first. The pair's
     * verdict is {@code candidate}, {@code baseline} or {@code tie}: a win only when both orders agree; orders that
     * disagree make a tie marked as position-inconsistent. Stored on the candidate.
     */
    public Uni<Judgment> comparePair(JudgeDefinition judge, ModelId model, TraceData candidate, TraceData baseline, String scope) {
        Spending spending = Spending.outsideSweeps();
        return comparePair(judge, model, candidate, baseline, scope, spending).call(ignored -> settleAlone(spending));
    }

    /** A pairwise judge on one pair, its two calls counted by the budgets as one reservation. */
    public Uni<Judgment> comparePair(JudgeDefinition judge, ModelId model, TraceData candidate, TraceData baseline, String scope,
                                     Spending spending) {
        return finish(Uni.createFrom().deferred(() -> {
            Rendered prompt = PromptRenderer.render(judge, candidate, candidate.outputs(), baseline.outputs());
            Double callCost = prompt.complete() ? largestCost(judge, model, prompt) : null;
            int calls = prompt.complete() && models.isConfigured(model.provider()) ? 2 : 0;
            return budgets.admit(spending, judge.budget(), model, calls, callCost).chain(admission -> admitted(admission, judge, model, null,
                    () -> Pairs.judge(this, judge, model, candidate, baseline, scope)));
        }), judge, model, candidate);
    }

    /** The calls when the budgets let them go; else the judgment the budgets end it with. */
    private Uni<Judgment> admitted(BudgetGate.Admission admission, JudgeDefinition judge, ModelId model, Target target,
                                   java.util.function.Supplier<Uni<Judgment>> calls) {
        if (admission instanceof BudgetGate.Refused refused) {
            return Uni.createFrom().item(error(judge, model, target, refused.code(), refused.message(), Judgment.Outcome.NONE));
        }
        if (admission instanceof BudgetGate.Deferred deferred) {
            return Uni.createFrom().item(error(judge, model, target, ErrorCode.BUDGET_DEFERRED, deferred.message(), Judgment.Outcome.NONE));
        }
        Reservation reservation = ((BudgetGate.Admitted) admission).reservation();
        return calls.get().invoke(judgment -> {
            if (reservation != null) {
                reservation.spent(judgment.outcome().cost());
            }
        });
    }

    /**
     * The most one call of the judge can cost: every character of the prompt a token (tokenizers give fewer), plus
     * {@link #FRAMING_TOKENS}, and the whole completion allowance; null without prices.
     */
    private Double largestCost(JudgeDefinition judge, ModelId model, Rendered prompt) {
        return largestCost(judge, prompt, (promptTokens, completion) -> cost(model, (int) Math.min(Integer.MAX_VALUE, promptTokens),
                (int) Math.min(Integer.MAX_VALUE, completion)));
    }

    /** The most one call can cost, its largest token counts priced by {@code prices}. */
    private static Double largestCost(JudgeDefinition judge, Rendered prompt, java.util.function.BiFunction<Long, Long, Double> prices) {
        long promptTokens = (long) prompt.systemMessage().length() + prompt.userMessage().length() + FRAMING_TOKENS;
        long completion = judge.inference().maxTokens() == null ? LlmRequest.DEFAULT_COMPLETION_TOKENS : judge.inference().maxTokens();
        return prices.apply(promptTokens, completion);
    }

    /** Judgments not written as a run's tasks settle their reservations themselves. */
    private Uni<Void> settleAlone(Spending spending) {
        return ledger.settle(spending.reservations())
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Settling budget reservations failed; they are handed back when they expire: %s", failure.toString());
                    return null;
                });
    }

    /** One call of a pairwise judge, its reply read as A, B or tie. */
    Uni<Judgment> askPair(JudgeDefinition judge, ModelId model, TraceData trace, JsonNode outputA, JsonNode outputB, String scope) {
        if (!models.isConfigured(model.provider())) {
            return Uni.createFrom().item(error(judge, model, null, ErrorCode.JUDGE_UNAVAILABLE,
                    "provider " + model.provider() + " is not configured in this process", Judgment.Outcome.NONE));
        }
        Rendered prompt = PromptRenderer.render(judge, trace, outputA, outputB);
        if (!prompt.complete()) {
            return Uni.createFrom().item(missing(judge, model, null, prompt.missing()));
        }
        LlmRequest request = new LlmRequest(model, prompt.systemMessage(), prompt.userMessage(), VerdictFormat.schema(judge.output()),
                judge.temperature(1), judge.inference().maxTokens(), judge.timeout(), scope);
        return models.complete(request).map(result -> toJudgment(judge, model, new Target(trace, null, null), result,
                OutputSpec.PairwiseOutput.ASKED, null));
    }

    private Uni<Judgment> finish(Uni<Judgment> judgment, JudgeDefinition judge, ModelId model, TraceData trace) {
        return judgment
                .onFailure().recoverWithItem(failure -> error(judge, model, target(judge, trace), ErrorCode.INTERNAL_ERROR,
                        failure.getClass().getSimpleName() + ": " + failure.getMessage(), Judgment.Outcome.NONE))
                .map(this::withoutSecrets)
                .invoke(this::count);
    }

    /** Metrics: judgments by judge, model and outcome, cost by model; a jury's members counted each for itself. */
    private void count(Judgment j) {
        j.members().forEach(this::count);
        if (j.members().isEmpty() && j.outcome().cost() != null && j.outcome().cost() > 0) {
            costs.computeIfAbsent(j.sourceId(), m -> metrics.counter("tribunal.judgment.cost", "model", m)).increment(j.outcome().cost());
        }
        judgments.computeIfAbsent(j.judgeName() + '|' + j.sourceId() + '|' + (j.succeeded() ? "ok" : j.errorCode().name()),
                key -> metrics.counter("tribunal.judgments", "judge", j.judgeName(), "model", j.sourceId(),
                        "outcome", j.succeeded() ? "ok" : j.errorCode().name())).increment();
    }

    /**
     * The judgment as it is stored: whatever a provider's answer put in it (the model's rationale and value, an error's
     * text, a library's exception message) without the providers' keys, in any form the provider may have echoed them.
     */
    private Judgment withoutSecrets(Judgment j) {
        dev.tribunal.llm.SecretRedactor redactor = models.redactor();
        return new Judgment(j.judgeName(), j.judgeVersion(), j.kind(), j.sourceId(), j.spanId(), redactor.redact(j.value()),
                redactor.redact(j.rationale()), j.errorCode(), redactor.redact(j.errorMessage()), redactor.redact(j.metadata()), j.outcome(),
                j.members().stream().map(this::withoutSecrets).toList(),
                j.answers().stream().map(a -> new JudgmentCache.NewAnswer(a.keyHash(), redactor.redact(a.answer()))).toList());
    }

    /**
     * What one judgment would cost, without making it: prompt tokens as the provider budget counts them
     * (characters / 4), the completion's upper bound (the judge's max_tokens, else {@link LlmRequest#DEFAULT_COMPLETION_TOKENS}), and the price.
     */
    public record Estimate(long calls, boolean missingInput, long promptTokens, long maxCompletionTokens, Double cost,
                           List<CacheableCall> cacheable) {

        public Estimate {
            cacheable = List.copyOf(cacheable);
        }

        public Estimate(long calls, boolean missingInput, long promptTokens, long maxCompletionTokens, Double cost) {
            this(calls, missingInput, promptTokens, maxCompletionTokens, cost, List.of());
        }

        public boolean call() {
            return calls > 0;
        }
    }

    /**
     * One call of an estimate that the judgment cache may answer: its key, and what it adds to the estimate (its
     * tokens, its cost: null without prices), which an answer already cached takes off again.
     */
    public record CacheableCall(String key, long promptTokens, long maxCompletionTokens, Double cost) {
    }

    /**
     * @param model the model an LLM judge runs on; ignored for a jury (its members) and a code judge (none)
     * @param samples calls per model
     */
    public Estimate estimate(JudgeDefinition judge, ModelId model, TraceData trace, int samples) {
        if (judge.kind() == Kind.CODE) {
            return new Estimate(0, false, 0, 0, 0.0);
        }
        Target target = target(judge, trace);
        if (target.missing() != null) {
            return new Estimate(0, true, 0, 0, 0.0);
        }
        Rendered prompt = PromptRenderer.render(judge, target.data());
        if (!prompt.complete()) {
            return new Estimate(0, true, 0, 0, 0.0);
        }
        List<ModelId> called = judge.kind() == Kind.JURY ? judge.jury().members() : List.of(model);
        long promptTokens = prompt.systemMessage().length() / 4 + prompt.userMessage().length() / 4;
        long completion = judge.inference().maxTokens() == null ? LlmRequest.DEFAULT_COMPLETION_TOKENS : judge.inference().maxTokens();
        Double cost = 0.0;
        List<CacheableCall> cacheable = new ArrayList<>();
        for (ModelId each : called) {
            Double one = cost(each, (int) promptTokens, (int) completion);
            cost = cost == null || one == null ? null : cost + one * samples;
            cacheKeys(judge, each, prompt, judge.temperature(samples), samples)
                    .forEach(key -> cacheable.add(new CacheableCall(key, promptTokens, completion, one)));
        }
        long calls = (long) called.size() * samples;
        return new Estimate(calls, false, promptTokens * calls, completion * calls, cost, cacheable);
    }

    /** What a pairwise judge's two calls on one pair would cost, without making them. */
    public Estimate estimatePair(JudgeDefinition judge, ModelId model, TraceData candidate, TraceData baseline) {
        Rendered prompt = PromptRenderer.render(judge, candidate, candidate.outputs(), baseline.outputs());
        if (!prompt.complete()) {
            return new Estimate(0, true, 0, 0, 0.0);
        }
        // both orders hold the same text
        long promptTokens = prompt.systemMessage().length() / 4 + prompt.userMessage().length() / 4;
        long completion = judge.inference().maxTokens() == null ? LlmRequest.DEFAULT_COMPLETION_TOKENS : judge.inference().maxTokens();
        Double one = cost(model, (int) promptTokens, (int) completion);
        return new Estimate(2, false, 2 * promptTokens, 2 * completion, one == null ? null : 2 * one);
    }

    private Uni<Judgment> runLlm(JudgeDefinition judge, ModelId model, TraceData trace, String scope, int samples, Spending spending) {
        Target target = target(judge, trace);
        if (target.missing() != null) {
            return Uni.createFrom().item(missing(judge, model, target, List.of(target.missing())));
        }
        Rendered prompt = PromptRenderer.render(judge, target.data());
        if (!prompt.complete()) {
            return Uni.createFrom().item(missing(judge, model, target, prompt.missing()));
        }
        return ask(judge, model, target, prompt, scope, samples, spending);
    }

    /** One model's judgment: one call, or {@code samples} calls side by side and their verdicts combined. */
    private Uni<Judgment> ask(JudgeDefinition judge, ModelId model, Target target, Rendered prompt, String scope, int samples,
                              Spending spending) {
        if (!models.isConfigured(model.provider())) {
            return Uni.createFrom().item(error(judge, model, target, ErrorCode.JUDGE_UNAVAILABLE,
                    "provider " + model.provider() + " is not configured in this process", Judgment.Outcome.NONE));
        }
        LlmRequest request = new LlmRequest(model, prompt.systemMessage(), prompt.userMessage(), VerdictFormat.schema(judge.output()),
                judge.temperature(samples), judge.inference().maxTokens(), judge.timeout(), scope);
        List<String> keys = cacheKeys(judge, model, prompt, request.temperature(), samples);
        return cached(model, keys).chain(found -> {
            // answers from the cache cost nothing: only the calls to be sent need room in the budgets
            int sent = samples - (int) keys.stream().filter(found::containsKey).count();
            return budgets.admit(spending, judge.budget(), model, sent, largestCost(judge, model, prompt))
                    .chain(admission -> admitted(admission, judge, model, target, () -> samples(judge, model, target, request, keys, found,
                            samples)));
        });
    }

    /** One model's calls of one judgment, those answered from the cache taken from it. */
    private Uni<Judgment> samples(JudgeDefinition judge, ModelId model, Target target, LlmRequest request, List<String> keys,
                                  Map<String, JudgmentCache.Hit> found, int samples) {
        List<Uni<Judgment>> calls = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            String key = keys.isEmpty() ? null : keys.get(i);
            JudgmentCache.Hit hit = key == null ? null : found.get(key);
            calls.add(hit != null ? Uni.createFrom().item(() -> fromCache(judge, model, target, hit))
                    : models.complete(request).map(result -> toJudgment(judge, model, target, result, judge.output(), key)));
        }
        if (samples == 1) {
            return calls.get(0);
        }
        List<Uni<Judgment>> recovered = calls.stream()
                .map(call -> call.onFailure().recoverWithItem(failure -> error(judge, model, target, ErrorCode.INTERNAL_ERROR,
                        failure.getClass().getSimpleName() + ": " + failure.getMessage(), Judgment.Outcome.NONE)))
                .toList();
        return Uni.join().all(recovered).andCollectFailures().map(taken -> Sampling.combine(judge, taken));
    }

    /**
     * The keys of a model's calls for one judgment, one per sample, when the provider caches them ({@code cache}, by
     * default only at temperature 0); none when it does not.
     */
    private List<String> cacheKeys(JudgeDefinition judge, ModelId model, Rendered prompt, Double temperature, int samples) {
        ProvidersConfig.Provider provider = providers.providers().get(model.provider());
        boolean caching = provider != null && provider.cache().orElse(temperature != null && temperature == 0.0);
        if (!caching) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            keys.add(CacheKey.of(judge.name(), judge.version(), model.toString(), prompt.systemMessage(), prompt.userMessage(), temperature,
                    judge.inference().maxTokens(), i));
        }
        return keys;
    }

    /** The cached answers of these keys; none when the cache cannot be read (the calls are then made). */
    private Uni<Map<String, JudgmentCache.Hit>> cached(ModelId model, List<String> keys) {
        if (keys.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return cache.lookup(model.toString(), keys)
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Reading the judgment cache failed; calling %s instead: %s", model, failure.toString());
                    return Map.of();
                });
    }

    /** A call answered from the cache: the stored answer read again, with no tokens, no cost and where it came from. */
    private Judgment fromCache(JudgeDefinition judge, ModelId model, Target target, JudgmentCache.Hit hit) {
        Judgment read = toJudgment(judge, model, target, new LlmResult.Completed(hit.answer(), 0, 0, 0, 0, 0), judge.output(), null);
        Map<String, String> metadata = new LinkedHashMap<>(read.metadata());
        metadata.put(JudgmentCache.CACHED_FROM_KEY, hit.assessmentId());
        return new Judgment(read.judgeName(), read.judgeVersion(), read.kind(), read.sourceId(), read.spanId(), read.value(),
                read.rationale(), read.errorCode(), read.errorMessage(), metadata, read.outcome());
    }

    /**
     * A jury: every member asked side by side (each within its own provider's limits), each member's judgment kept, and
     * the jury's verdict combined from those that answered.
     */
    private Uni<Judgment> runJury(JudgeDefinition judge, TraceData trace, String scope, int samples, Spending spending) {
        Target target = target(judge, trace);
        if (target.missing() != null) {
            return Uni.createFrom().item(missing(judge, null, target, List.of(target.missing())));
        }
        Rendered prompt = PromptRenderer.render(judge, target.data());
        if (!prompt.complete()) {
            return Uni.createFrom().item(missing(judge, null, target, prompt.missing()));
        }
        List<Uni<Judgment>> members = judge.jury().members().stream()
                .map(member -> ask(judge, member, target, prompt, scope, samples, spending)
                        .onFailure().recoverWithItem(failure -> error(judge, member, target, ErrorCode.INTERNAL_ERROR,
                                failure.getClass().getSimpleName() + ": " + failure.getMessage(), Judgment.Outcome.NONE)))
                .toList();
        return Uni.join().all(members).andCollectFailures().map(answers -> answers.stream()
                // a member held back by a waiting sweep's budget holds the whole jury back: its task waits for the next day
                .filter(answer -> answer.errorCode() == ErrorCode.BUDGET_DEFERRED).findFirst()
                .map(deferred -> error(judge, null, target, ErrorCode.BUDGET_DEFERRED, deferred.errorMessage(),
                        Judgment.Outcome.sum(answers.stream().map(Judgment::outcome).toList())))
                .orElseGet(() -> Sampling.jury(judge, target.spanId(), answers)));
    }

    /** @param cacheKey the call's key in the judgment cache, which keeps a valid answer; null when it is not cached */
    private Judgment toJudgment(JudgeDefinition judge, ModelId model, Target target, LlmResult result, OutputSpec output, String cacheKey) {
        if (result instanceof LlmResult.Failed failed) {
            return error(judge, model, target, failed.code(), failed.message(),
                    new Judgment.Outcome(failed.attempts(), failed.latencyMs(), 0, 0, null));
        }
        LlmResult.Completed done = (LlmResult.Completed) result;
        Double cost = cost(model, done.promptTokens(), done.cachedPromptTokens(), done.completionTokens());
        Judgment.Outcome outcome = new Judgment.Outcome(done.attempts(), done.latencyMs(), done.promptTokens(), done.cachedPromptTokens(),
                done.completionTokens(), cost);
        Verdict verdict = VerdictFormat.read(done.content(), output);
        if (!verdict.valid()) {
            return error(judge, model, target, ErrorCode.INVALID_JUDGE_OUTPUT, verdict.problem(), outcome);
        }
        return new Judgment(judge.name(), judge.version(), Kind.LLM, model.toString(), target.spanId(), verdict.value(),
                verdict.rationale(), null, null, metadata(judge, outcome), outcome, List.of(),
                cacheKey == null ? List.of() : List.of(new JudgmentCache.NewAnswer(cacheKey, done.content())));
    }

    private Judgment runCode(JudgeDefinition judge, TraceData trace) {
        long started = System.nanoTime();
        Target target = target(judge, trace);
        if (target.missing() != null) {
            return missing(judge, null, target, List.of(target.missing()));
        }
        CodeScorers.Score score = scorers.score(judge.scorer(), target.data().outputs(), target.data());
        Judgment.Outcome outcome = new Judgment.Outcome(1, (System.nanoTime() - started) / 1_000_000, 0, 0, null);
        if (score.missing() != null) {
            return missing(judge, null, target, List.of(score.missing()));
        }
        return new Judgment(judge.name(), judge.version(), Kind.CODE, judge.name(), target.spanId(), score.value(), score.rationale(),
                null, null, metadata(judge, outcome), outcome);
    }

    /** The data a judge sees: the trace, or for a span-level judge the first matching span's inputs and outputs. */
    record Target(TraceData data, String spanId, String missing) {
    }

    static Target target(JudgeDefinition judge, TraceData trace) {
        if (judge.spanTarget() == null) {
            return new Target(trace, null, null);
        }
        JudgeDefinition.SpanTarget wanted = judge.spanTarget();
        for (TraceData.SpanData span : trace.spans()) {
            boolean matches = wanted.type() != null ? wanted.type().equals(span.type()) : wanted.name().equals(span.name());
            if (matches) {
                TraceData spanData = new TraceData(trace.traceId(), span.inputs(), span.outputs(), trace.expectations(), trace.tags(),
                        trace.spans());
                return new Target(spanData, span.spanId(), null);
            }
        }
        return new Target(trace, null, "a span with " + (wanted.type() != null ? "type " + wanted.type() : "name " + wanted.name()));
    }

    Judgment missing(JudgeDefinition judge, ModelId model, Target target, List<String> missing) {
        return error(judge, model, target, ErrorCode.MISSING_INPUT,
                "the trace has no " + String.join(", no ", missing) + " (used by the judge's instructions)", Judgment.Outcome.NONE);
    }

    private Judgment error(JudgeDefinition judge, ModelId model, Target target, ErrorCode code, String message, Judgment.Outcome outcome) {
        return Sampling.error(judge, model, target == null ? null : target.spanId(), code, message, outcome);
    }

    static Map<String, String> metadata(JudgeDefinition judge, Judgment.Outcome outcome) {
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(VERSION_KEY, judge.version());
        metadata.put(LATENCY_KEY, Long.toString(outcome.latencyMs()));
        metadata.put(ATTEMPTS_KEY, Integer.toString(outcome.attempts()));
        if (judge.kind().callsModels()) {
            metadata.put(PROMPT_TOKENS_KEY, Integer.toString(outcome.promptTokens()));
            if (outcome.cachedPromptTokens() > 0) {
                metadata.put(CACHED_PROMPT_TOKENS_KEY, Integer.toString(outcome.cachedPromptTokens()));
            }
            metadata.put(COMPLETION_TOKENS_KEY, Integer.toString(outcome.completionTokens()));
        }
        if (outcome.cost() != null) {
            metadata.put(COST_KEY, dev.tribunal.llm.Prices.rounded(outcome.cost()).toPlainString());
        }
        return metadata;
    }

    /** Whether the model's provider has prices, so that judgments on it have a cost. */
    public boolean priced(ModelId model) {
        return dev.tribunal.llm.Prices.pricedOnline(providers.providers().get(model.provider()));
    }

    /** What a call costs before it is made: nothing of its prompt can be counted on to come from the provider's cache. */
    private Double cost(ModelId model, int promptTokens, int completionTokens) {
        return cost(model, promptTokens, 0, completionTokens);
    }

    /**
     * Price per million tokens times tokens, when the provider's prices are configured: the prompt tokens read from the
     * provider's prompt cache ({@code cachedPromptTokens}, part of {@code promptTokens}) at the cached-input price (the
     * input price when there is none), the rest of the prompt at the input price, the completion at the output price.
     */
    private Double cost(ModelId model, int promptTokens, int cachedPromptTokens, int completionTokens) {
        return dev.tribunal.llm.Prices.online(providers.providers().get(model.provider()), promptTokens, cachedPromptTokens, completionTokens);
    }

    /**
     * What one judgment sends in a provider's batch: its calls, one per sample, all the same request; or, when it needs
     * none (a code judge, a missing input, a provider not configured here, every sample already in the judgment cache),
     * the judgment it ends in, made as an online run makes it.
     */
    public record BatchCalls(List<LlmRequest> requests, Judgment judgment, Double callCost) {

        /**
         * @param callCost the most one of the calls can cost at the provider's batch prices; null without prices or calls
         */
        public BatchCalls {
            requests = List.copyOf(requests);
        }

        static BatchCalls none(Judgment judgment) {
            return new BatchCalls(List.of(), judgment, null);
        }
    }

    /** The calls of a judgment in batch mode, rendered exactly as an online call's (see {@link BatchCalls}). */
    public Uni<BatchCalls> batchCalls(JudgeDefinition judge, ModelId model, TraceData trace, String scope, int samples) {
        if (judge.kind() == Kind.JURY) {
            return finish(Uni.createFrom().item(error(judge, null, target(judge, trace), ErrorCode.JUDGE_UNAVAILABLE,
                    "a jury is not judged in batch mode; run it online", Judgment.Outcome.NONE)), judge, null, trace)
                    .map(BatchCalls::none);
        }
        Target target = judge.kind() == Kind.LLM ? target(judge, trace) : null;
        Rendered prompt = target == null || target.missing() != null ? null : PromptRenderer.render(judge, target.data());
        if (prompt == null || !prompt.complete() || !models.isConfigured(model.provider())) {
            // judged as online, where these make no call
            return run(judge, model, trace, scope, samples).map(BatchCalls::none);
        }
        LlmRequest request = new LlmRequest(model, prompt.systemMessage(), prompt.userMessage(), VerdictFormat.schema(judge.output()),
                judge.temperature(samples), judge.inference().maxTokens(), judge.timeout(), scope);
        List<String> keys = cacheKeys(judge, model, prompt, request.temperature(), samples);
        return cached(model, keys).chain(found -> !keys.isEmpty() && found.keySet().containsAll(keys)
                // every sample answered already: made from the cache as online, no call sent
                ? run(judge, model, trace, scope, samples).map(BatchCalls::none)
                : Uni.createFrom().item(new BatchCalls(java.util.Collections.nCopies(samples, request), null,
                        largestCost(judge, prompt, (tokens, completion) -> dev.tribunal.llm.Prices.batch(providers.providers()
                                .get(model.provider()), tokens, completion)))));
    }

    /**
     * The judgment of calls answered in a batch, their results in sample order: read as online answers are (the same
     * verdict reading, errors and cache), priced at the provider's batch prices.
     */
    public Uni<Judgment> fromBatch(JudgeDefinition judge, ModelId model, TraceData trace, int samples, List<LlmResult> results) {
        return finish(Uni.createFrom().item(() -> {
            Target target = target(judge, trace);
            Rendered prompt = PromptRenderer.render(judge, target.data());
            List<String> keys = cacheKeys(judge, model, prompt, judge.temperature(samples), samples);
            ProvidersConfig.Provider provider = providers.providers().get(model.provider());
            List<Judgment> taken = new ArrayList<>();
            for (int i = 0; i < results.size(); i++) {
                String key = i < keys.size() ? keys.get(i) : null;
                taken.add(batchPriced(toJudgment(judge, model, target, results.get(i), judge.output(), key), provider));
            }
            return taken.size() == 1 ? taken.get(0) : Sampling.combine(judge, taken);
        }), judge, model, trace);
    }

    /** A call's judgment with the cost of its tokens at the batch prices (unset ones: the online prices). */
    private static Judgment batchPriced(Judgment j, ProvidersConfig.Provider provider) {
        Judgment.Outcome o = j.outcome();
        if (o.promptTokens() == 0 && o.completionTokens() == 0) {
            return j;
        }
        Double cost = dev.tribunal.llm.Prices.batch(provider, o.promptTokens(), o.completionTokens());
        Map<String, String> metadata = new LinkedHashMap<>(j.metadata() == null ? Map.of() : j.metadata());
        if (cost != null) {
            metadata.put(COST_KEY, dev.tribunal.llm.Prices.rounded(cost).toPlainString());
        }
        return new Judgment(j.judgeName(), j.judgeVersion(), j.kind(), j.sourceId(), j.spanId(), j.value(), j.rationale(), j.errorCode(),
                j.errorMessage(), metadata, new Judgment.Outcome(o.attempts(), o.latencyMs(), o.promptTokens(), o.cachedPromptTokens(),
                o.completionTokens(), cost), j.members(), j.answers());
    }
}
