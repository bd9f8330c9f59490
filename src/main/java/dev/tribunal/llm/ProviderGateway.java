package dev.tribunal.llm;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiTokenUsage;
import dev.langchain4j.model.output.TokenUsage;
import dev.tribunal.llm.FailureClassifier.Failure;
import dev.tribunal.llm.ProvidersConfig.Provider;
import dev.tribunal.llm.RetryPolicy.AttemptFailed;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Everything that faces one provider: its own threads (as many as its max-concurrency, so blocking LangChain4j calls
 * never touch the event loop or Quarkus' worker pool) on which each call passes {@link Refusals}, then attempts under
 * the {@link RetryPolicy}, each admitted by {@link Admission}, sent through the {@link ProviderCircuitBreaker}, its
 * failure classified by {@link FailureClassifier}, all of it counted by {@link ProviderMetrics}.
 */
final class ProviderGateway implements AutoCloseable {

    private final String name;
    private final ThreadPoolExecutor executor;
    private final ProviderChatModels models;
    private final Admission admission;
    private final RetryPolicy retries;
    private final ProviderCircuitBreaker breaker;
    private final FailureClassifier classifier;
    private final ProviderMetrics metrics;
    private final Refusals refusals;
    private final SecretRedactor redactor;

    ProviderGateway(String name, Provider config, MeterRegistry registry, ProviderBudgets budgets, SecretRedactor redactor,
                    io.vertx.core.Vertx vertx) {
        this.name = name;
        this.redactor = redactor;
        // first: it checks its settings, and a start with wrong ones stops here
        this.breaker = ProviderCircuitBreaker.of(name, config);
        this.executor = threads(name, config.maxConcurrency());
        this.models = new ProviderChatModels(config, vertx);
        this.admission = new Admission(name, config, budgets);
        this.retries = new RetryPolicy(name, config.maxRetries());
        this.classifier = new FailureClassifier(redactor);
        this.metrics = new ProviderMetrics(name, registry, admission, breaker, executor);
        this.refusals = new Refusals(name, config.requireApiKey() && !JudgeModelClient.hasKey(config), metrics::outcome);
    }

    private static ThreadPoolExecutor threads(String name, int count) {
        AtomicInteger threads = new AtomicInteger();
        ThreadPoolExecutor executor = new ThreadPoolExecutor(count, count, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "llm-" + name + "-" + threads.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        executor.allowCoreThreadTimeOut(true);
        return executor;
    }

    CircuitBreakerState circuitState() {
        return breaker.state();
    }

    ExecutorService executor() {
        return executor;
    }

    /** Runs on one of this provider's threads; never throws. */
    LlmResult call(LlmRequest request) {
        Attempts attempts = new Attempts();
        Optional<LlmResult> refused = refusals.beforeFirstAttempt(request.scope());
        if (refused.isPresent()) {
            return refused.get();
        }
        ChatModel model = models.model(request);
        ChatRequest chat = models.chatRequest(request);
        long tokenEstimate = Admission.tokenEstimate(request);
        try {
            return retries.run(() -> attempt(request.scope(), model, chat, tokenEstimate, attempts), LlmResult.class);
        } catch (AttemptFailed e) {
            return attempts.result();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return attempts.interrupted(name);
        }
    }

    /** One attempt: admitted, sent through the breaker, its failure classified and acted on before its slot is given back. */
    private LlmResult attempt(String scope, ChatModel model, ChatRequest chat, long tokenEstimate, Attempts attempts)
            throws AttemptFailed, InterruptedException {
        // a retry follows a backoff: the run may have been cancelled meanwhile
        Optional<LlmResult> unsent = refusals.beforeAttempt(scope, attempts.count(), attempts.millisSinceStart());
        if (unsent.isPresent()) {
            return unsent.get();
        }
        attempts.start();
        admission.enter(tokenEstimate);
        Failure failure;
        try {
            // waiting for admission can take long too
            unsent = refusals.beforeAttempt(scope, attempts.count() - 1, attempts.millisSinceStart());
            if (unsent.isPresent()) {
                return unsent.get();
            }
            long attemptStart = System.nanoTime();
            try {
                ChatResponse response = breaker.call(() -> model.chat(chat), ChatResponse.class);
                metrics.attempted(attemptStart);
                return answered(response, tokenEstimate, attempts);
            } catch (Exception e) {
                metrics.attempted(attemptStart);
                failure = classifier.classify(e);
            }
            // before the slot is given back, so that no waiting call slips through the pause
            if (failure.code() == ErrorCode.RATE_LIMIT_EXCEEDED) {
                metrics.throttled();
                admission.onThrottled(failure.retryAfter());
            } else if (failure.circuitOpen()) {
                admission.pauseFor(breaker.untilHalfOpen());
            }
        } finally {
            admission.leave();
        }
        metrics.failed(failure);
        attempts.failed(failure);
        if (failure.code() == ErrorCode.AUTHENTICATION_FAILED) {
            refusals.refuseCredentials(scope);
        }
        throw new AttemptFailed(failure);
    }

    private LlmResult answered(ChatResponse response, long tokenEstimate, Attempts attempts) {
        TokenUsage usage = response.tokenUsage();
        int prompt = usage == null || usage.inputTokenCount() == null ? 0 : usage.inputTokenCount();
        int completion = usage == null || usage.outputTokenCount() == null ? 0 : usage.outputTokenCount();
        int cached = cachedPromptTokens(usage);
        admission.onSuccess(tokenEstimate, prompt + completion);
        metrics.answered(prompt, cached, completion);
        // the reply as the judge reads it, without any key the provider echoed into it
        String text = response.aiMessage() == null ? null : redactor.redact(response.aiMessage().text());
        return new LlmResult.Completed(text, prompt, cached, completion, attempts.count(), attempts.millisSinceStart());
    }

    /** The answer's {@code usage.prompt_tokens_details.cached_tokens}; 0 when the provider does not report it. */
    private static int cachedPromptTokens(TokenUsage usage) {
        if (usage instanceof OpenAiTokenUsage openAi && openAi.inputTokensDetails() != null
                && openAi.inputTokensDetails().cachedTokens() != null) {
            return openAi.inputTokensDetails().cachedTokens();
        }
        return 0;
    }

    /** This process's part of the max-concurrency when {@code processes} share the provider. */
    void shareAmong(int processes) {
        admission.shareAmong(processes);
    }

    /** Calls of a cancelled run that have not gone out yet do not go out. */
    void cancelScope(String scope) {
        refusals.cancel(scope);
    }

    /** This process is stopping: calls not sent yet are not sent (their tasks go back for another process). */
    void stopSending() {
        refusals.stopSending();
    }

    @Override
    public void close() {
        executor.shutdownNow();
        models.close();
    }
}
