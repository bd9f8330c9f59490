package dev.tribunal.llm;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.tribunal.llm.ProviderHttpClient.ProviderConnectionException;
import dev.tribunal.llm.ProviderHttpClient.ProviderTimeoutException;
import dev.tribunal.llm.ProvidersConfig.Provider;
import io.github.bucket4j.Bucket;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything that faces one provider: its own threads (as many as its max-concurrency, so blocking
 * LangChain4j calls never touch the event loop or Quarkus' worker pool), request and token budgets,
 * the pause a 429's Retry-After asks for, an adaptive in-flight limit, retries with backoff and
 * jitter (LangChain4j's own retries are off: one retry owner), and a circuit breaker.
 */
final class ProviderGateway implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ProviderGateway.class);
    /** First backoff step; doubled per attempt. Half a second spreads a burst of 429s without stalling a run. */
    private static final long BACKOFF_BASE_MS = 500;
    /** No backoff step longer than this. */
    private static final long BACKOFF_CAP_MS = 60_000;
    /**
     * No pause longer than this, whatever a provider asks: Retry-After is honoured up to five minutes
     * (OpenAI asks for seconds to a minute; a day-long value is a misconfigured gateway, not a plan).
     */
    private static final long MAX_PAUSE_MS = 300_000;
    /** Runs remembered as refused for credentials; older ones are forgotten (their calls would just be refused again). */
    private static final int MAX_REJECTED_SCOPES = 1000;
    /** Circuit breaker: over the last 20 calls, half failing (5xx, connection, timeout) opens it (for the provider's circuit-breaker-delay). */
    private static final int BREAKER_WINDOW = 20;
    private static final double BREAKER_FAILURE_RATIO = 0.5;

    private final String name;
    private final Provider config;
    private final ThreadPoolExecutor executor;
    private final io.vertx.core.http.HttpClient http;
    private final FallbackBucket requests;
    private final FallbackBucket tokens;
    private final long tokenBurst;
    private final AdaptiveLimit inFlight;
    private final Guard breaker;
    private final AtomicReference<CircuitBreakerState> breakerState = new AtomicReference<>(CircuitBreakerState.CLOSED);
    private final AtomicLong pausedUntilNanos = new AtomicLong(System.nanoTime());
    /** Runs refused for credentials, oldest first; guarded by itself. */
    private final Set<String> rejectedScopes = new java.util.LinkedHashSet<>();
    private final AtomicLong openedAtNanos = new AtomicLong();
    private volatile boolean stopping;
    /** Cancelled runs, oldest first; guarded by itself. */
    private final Set<String> cancelledScopes = new java.util.LinkedHashSet<>();
    private final Map<String, ChatModel> models = new ConcurrentHashMap<>();
    private final MeterRegistry metrics;
    private final Timer latency;
    private final io.micrometer.core.instrument.Counter promptTokens;
    private final io.micrometer.core.instrument.Counter completionTokens;
    private final io.micrometer.core.instrument.Counter throttled;
    private final Map<String, io.micrometer.core.instrument.Counter> calls = new ConcurrentHashMap<>();
    private final SecretRedactor redactor;

    ProviderGateway(String name, Provider config, MeterRegistry metrics, ProviderBudgets budgets, SecretRedactor redactor,
                    io.vertx.core.Vertx vertx) {
        this.name = name;
        this.redactor = redactor;
        this.config = config;
        this.metrics = metrics;
        AtomicInteger threads = new AtomicInteger();
        this.executor = new ThreadPoolExecutor(config.maxConcurrency(), config.maxConcurrency(), 60, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "llm-" + name + "-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.executor.allowCoreThreadTimeOut(true);
        this.http = ProviderHttpClient.connections(vertx, config.maxConcurrency());
        this.requests = config.requestsPerMinute().isPresent() ? budget(budgets, name + "/requests", config.requestsPerMinute().getAsInt()) : null;
        this.tokens = config.tokensPerMinute().isPresent() ? budget(budgets, name + "/tokens", config.tokensPerMinute().getAsLong()) : null;
        this.tokenBurst = burst(config.tokensPerMinute().orElse(0));
        this.inFlight = new AdaptiveLimit(config.maxConcurrency());
        this.breaker = Guard.create()
                .withDescription("provider " + name)
                .withCircuitBreaker()
                .name("provider-" + name)
                .requestVolumeThreshold(BREAKER_WINDOW)
                .failureRatio(BREAKER_FAILURE_RATIO)
                .delay(config.circuitBreakerDelay().toMillis(), ChronoUnit.MILLIS)
                .when(ProviderGateway::isOutage)
                .onStateChange(state -> {
                    if (state == CircuitBreakerState.OPEN) {
                        openedAtNanos.set(System.nanoTime());
                    }
                    breakerState.set(state);
                    LOG.warnf("Circuit breaker of provider %s is now %s", name, state);
                })
                .done()
                .build();
        this.latency = Timer.builder("tribunal.provider.latency").tag("provider", name)
                .description("Provider call latency, per attempt")
                // buckets, not client-side percentiles: cheap to record and aggregatable across replicas
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(5)).maximumExpectedValue(Duration.ofMinutes(2))
                .register(metrics);
        this.promptTokens = metrics.counter("tribunal.provider.tokens", "provider", name, "kind", "prompt");
        this.completionTokens = metrics.counter("tribunal.provider.tokens", "provider", name, "kind", "completion");
        this.throttled = metrics.counter("tribunal.provider.throttled", "provider", name);
        metrics.gauge("tribunal.provider.circuit.open", io.micrometer.core.instrument.Tags.of("provider", name), breakerState,
                s -> s.get() == CircuitBreakerState.OPEN ? 1 : 0);
        metrics.gauge("tribunal.provider.in_flight", io.micrometer.core.instrument.Tags.of("provider", name), inFlight,
                AdaptiveLimit::inFlight);
        metrics.gauge("tribunal.provider.queued", io.micrometer.core.instrument.Tags.of("provider", name), executor,
                e -> e.getQueue().size());
        metrics.gauge("tribunal.provider.concurrency.limit", io.micrometer.core.instrument.Tags.of("provider", name), inFlight,
                AdaptiveLimit::limit);
    }

    /** The cluster's budget when shared (the default), else this process's own. */
    private FallbackBucket budget(ProviderBudgets budgets, String key, long perMinute) {
        Bucket local = ProviderBudgets.local(perMinute);
        return new FallbackBucket(config.budgetScope() == ProvidersConfig.BudgetScope.PROCESS ? local : budgets.perMinute(key, perMinute),
                local, name);
    }

    /** A second's worth of the budget, at least one. */
    private static long burst(long perMinute) {
        return ProviderBudgets.burst(perMinute);
    }

    String name() {
        return name;
    }

    CircuitBreakerState circuitState() {
        return breakerState.get();
    }

    ExecutorService executor() {
        return executor;
    }

    /** Runs on one of this provider's threads; never throws. */
    LlmResult call(LlmRequest request) {
        long started = System.nanoTime();
        if (stopping) {
            return notSent(0, started);
        }
        if (isCancelled(request.scope())) {
            return cancelled(0, started);
        }
        boolean rejected;
        synchronized (rejectedScopes) {
            rejected = request.scope() != null && rejectedScopes.contains(request.scope());
        }
        if (rejected) {
            count("auth_fail_fast");
            return new LlmResult.Failed(LlmErrorCode.AUTHENTICATION_FAILED,
                    "provider " + name + " rejected the credentials earlier in this run; not called again", 0, 0);
        }
        if (config.requireApiKey() && config.apiKey().filter(k -> !k.isBlank()).isEmpty()) {
            count("no_api_key");
            return new LlmResult.Failed(LlmErrorCode.AUTHENTICATION_FAILED, "provider " + name + " has no API key: set tribunal.providers."
                    + name + ".api-key" + ("openai".equals(name) ? " (or OPENAI_API_KEY)" : "") + "; not called", 0, 0);
        }
        Duration timeout = request.timeout() != null ? request.timeout() : config.timeout();
        ChatModel model = models.computeIfAbsent(request.model().model() + "|" + timeout.toMillis(), key -> chatModel(request.model(), timeout));
        ChatRequest chat = chatRequest(request);
        long tokenEstimate = request.systemMessage().length() / 4 + request.userMessage().length() / 4
                + (request.maxTokens() == null ? LlmRequest.DEFAULT_COMPLETION_TOKENS : request.maxTokens());
        int attempts = 0;
        Duration lastRetryAfter = null;
        while (true) {
            attempts++;
            Failure failure;
            try {
                admit(tokenEstimate);
                try {
                    // waiting for a slot or the budget can take long: the run may have been cancelled meanwhile
                    if (isCancelled(request.scope()) || stopping) {
                        return stopping ? notSent(attempts - 1, started) : cancelled(attempts - 1, started);
                    }
                    long attemptStart = System.nanoTime();
                    try {
                        ChatResponse response = breaker.call(() -> model.chat(chat), ChatResponse.class);
                        latency.record(System.nanoTime() - attemptStart, TimeUnit.NANOSECONDS);
                        inFlight.onSuccess();
                        count("ok");
                        int prompt = response.tokenUsage() == null || response.tokenUsage().inputTokenCount() == null
                                ? 0 : response.tokenUsage().inputTokenCount();
                        int completion = response.tokenUsage() == null || response.tokenUsage().outputTokenCount() == null
                                ? 0 : response.tokenUsage().outputTokenCount();
                        promptTokens.increment(prompt);
                        completionTokens.increment(completion);
                        // the estimate runs short for text of fewer characters per token: the difference is owed
                        if (tokens != null && prompt + completion > tokenEstimate) {
                            tokens.consumeIgnoringRateLimits(prompt + completion - tokenEstimate);
                        }
                        // the reply as the judge reads it, without any key the provider echoed into it
                        String text = response.aiMessage() == null ? null : redactor.redact(response.aiMessage().text());
                        return new LlmResult.Completed(text, prompt, completion, attempts, millisSince(started));
                    } catch (Exception e) {
                        latency.record(System.nanoTime() - attemptStart, TimeUnit.NANOSECONDS);
                        failure = classify(e);
                    }
                    // before the slot is given back, so that no waiting call slips through the pause
                    if (failure.code() == LlmErrorCode.RATE_LIMIT_EXCEEDED) {
                        throttled.increment();
                        inFlight.onThrottled();
                        failure.retryAfter().ifPresent(this::pauseFor);
                    } else if (failure.circuitOpen()) {
                        pauseFor(untilHalfOpen());
                    }
                } finally {
                    inFlight.release();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new LlmResult.Failed(LlmErrorCode.TIMEOUT, "interrupted while waiting for provider " + name, attempts,
                        millisSince(started));
            }
            count(failure.circuitOpen() ? "circuit_open" : failure.code().name().toLowerCase(java.util.Locale.ROOT));
            if (failure.retryAfter().isPresent()) {
                lastRetryAfter = failure.retryAfter().get();
            }
            if (failure.code() == LlmErrorCode.AUTHENTICATION_FAILED && request.scope() != null) {
                rejectScope(request.scope());
            }
            if (!failure.retryable() || attempts > config.maxRetries()) {
                String message = brief(redact(failure.detail())) + "; " + attempts + (attempts == 1 ? " attempt" : " attempts")
                        + (lastRetryAfter == null ? "" : "; last Retry-After " + lastRetryAfter.toMillis() + " ms");
                return new LlmResult.Failed(failure.code(), message, attempts, millisSince(started));
            }
            try {
                Thread.sleep(backoff(attempts, failure.retryAfter()));
                if (isCancelled(request.scope())) {
                    return cancelled(attempts, started);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new LlmResult.Failed(failure.code(), brief(redact(failure.detail())) + "; interrupted before retrying", attempts,
                        millisSince(started));
            }
        }
    }

    /**
     * Waits until a call may go: the provider's pause is over, a slot is free, and the request and
     * token budgets allow it. A pause that began while waiting for the budgets sends the call back to
     * the start, its slot given up.
     */
    private void admit(long tokenEstimate) throws InterruptedException {
        while (true) {
            waitWhilePaused();
            inFlight.acquire();
            boolean admitted = false;
            try {
                if (requests != null) {
                    requests.consume(1);
                }
                if (tokens != null) {
                    takeTokens(tokenEstimate);
                }
                admitted = pausedUntilNanos.get() - System.nanoTime() <= 0;
                if (admitted) {
                    return;
                }
            } finally {
                if (!admitted) {
                    inFlight.release();
                }
            }
        }
    }

    /** How long the open circuit stays open; at least a second (or the delay), so that calls turned away in half-open wait too. */
    private Duration untilHalfOpen() {
        long left = openedAtNanos.get() + config.circuitBreakerDelay().toNanos() - System.nanoTime();
        return Duration.ofNanos(Math.max(Math.min(TimeUnit.SECONDS.toNanos(1), config.circuitBreakerDelay().toNanos()), left));
    }

    /** This process's part of the max-concurrency when {@code processes} share the provider. */
    void shareAmong(int processes) {
        inFlight.share(processes);
    }

    /** Calls of a cancelled run that have not gone out yet do not go out. */
    void cancelScope(String scope) {
        synchronized (cancelledScopes) {
            cancelledScopes.add(scope);
            if (cancelledScopes.size() > MAX_REJECTED_SCOPES) {
                cancelledScopes.remove(cancelledScopes.iterator().next());
            }
        }
    }

    private boolean isCancelled(String scope) {
        synchronized (cancelledScopes) {
            return scope != null && cancelledScopes.contains(scope);
        }
    }

    /** This process is stopping: calls not sent yet are not sent (their tasks go back for another process). */
    void stopSending() {
        stopping = true;
    }

    private LlmResult notSent(int attempts, long started) {
        return new LlmResult.Failed(LlmErrorCode.SHUTTING_DOWN, "this process is stopping; not called", attempts, millisSince(started));
    }

    private LlmResult cancelled(int attempts, long started) {
        count("cancelled");
        return new LlmResult.Failed(LlmErrorCode.CANCELLED, "the run was cancelled; not called", attempts, millisSince(started));
    }

    /** Remembers a run whose calls to this provider were refused for credentials; the oldest are forgotten first. */
    private void rejectScope(String scope) {
        synchronized (rejectedScopes) {
            rejectedScopes.add(scope);
            if (rejectedScopes.size() > MAX_REJECTED_SCOPES) {
                rejectedScopes.remove(rejectedScopes.iterator().next());
            }
        }
    }

    /**
     * Takes a call's tokens from the per-minute budget. A call larger than the burst waits for a full
     * bucket and then leaves it in debt, which the next calls wait out: big prompts are admitted
     * (never stuck forever) and the budget per minute still holds.
     */
    private void takeTokens(long estimate) throws InterruptedException {
        long now = Math.min(estimate, tokenBurst);
        tokens.consume(now);
        if (estimate > now) {
            tokens.consumeIgnoringRateLimits(estimate - now);
        }
    }

    /** A provider's error text without the providers' keys, should a gateway echo one back in any form. */
    private String redact(String text) {
        return redactor.redact(text);
    }

    private void count(String outcome) {
        calls.computeIfAbsent(outcome, o -> metrics.counter("tribunal.provider.calls", "provider", name, "outcome", o)).increment();
    }

    private ChatModel chatModel(ModelId model, Duration timeout) {
        OpenAiChatModel.OpenAiChatModelBuilder builder = OpenAiChatModel.builder()
                .httpClientBuilder(ProviderHttpClient.builder(http))
                .baseUrl(config.baseUrl())
                // without a key no Authorization header is sent at all; no key is ever logged
                .apiKey(config.apiKey().filter(k -> !k.isBlank()).orElse(null))
                .modelName(model.model())
                .timeout(timeout)
                .maxRetries(0);
        if (usesJsonSchema()) {
            builder.supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA).strictJsonSchema(true);
        }
        return builder.build();
    }

    private boolean usesJsonSchema() {
        return !"json_object".equalsIgnoreCase(config.structuredOutput());
    }

    private ChatRequest chatRequest(LlmRequest request) {
        ResponseFormat format = usesJsonSchema() && request.schema() != null
                ? ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(request.schema()).build()
                : ResponseFormat.JSON;
        return ChatRequest.builder()
                .messages(SystemMessage.from(request.systemMessage()), UserMessage.from(request.userMessage()))
                .parameters(ChatRequestParameters.builder()
                        .temperature(request.temperature())
                        .maxOutputTokens(request.maxTokens())
                        .responseFormat(format)
                        .build())
                .build();
    }

    private void waitWhilePaused() throws InterruptedException {
        long wait;
        while ((wait = pausedUntilNanos.get() - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(Math.min(wait, TimeUnit.MILLISECONDS.toNanos(200)));
        }
    }

    /** Every call to this provider waits until the time a 429 asked for. */
    private void pauseFor(Duration retryAfter) {
        long until = System.nanoTime() + Math.min(retryAfter.toNanos(), TimeUnit.MILLISECONDS.toNanos(MAX_PAUSE_MS));
        pausedUntilNanos.accumulateAndGet(until, Math::max);
    }

    /** Exponential backoff with jitter, never shorter than what the provider asked for (up to five minutes). */
    static long backoff(int attempt, Optional<Duration> retryAfter) {
        long exponential = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS << Math.min(attempt - 1, 16));
        long jittered = exponential / 2 + ThreadLocalRandom.current().nextLong(exponential / 2 + 1);
        long asked = Math.min(MAX_PAUSE_MS, retryAfter.map(Duration::toMillis).orElse(0L));
        return Math.max(jittered, asked);
    }

    private static long millisSince(long startNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos);
    }

    /** What went wrong with one attempt, and whether another attempt may help. */
    record Failure(LlmErrorCode code, String detail, boolean retryable, Optional<Duration> retryAfter, boolean circuitOpen) {
        Failure(LlmErrorCode code, String detail, boolean retryable, Optional<Duration> retryAfter) {
            this(code, detail, retryable, retryAfter, false);
        }
    }

    static Failure classify(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ProviderTimeoutException timeout) {
                return new Failure(LlmErrorCode.TIMEOUT, "provider gave " + timeout.getMessage(), false, Optional.empty());
            }
            if (t instanceof CircuitBreakerOpenException) {
                // retried once the circuit lets a trial call through, within the call's retries
                return new Failure(LlmErrorCode.PROVIDER_ERROR, "circuit breaker open after repeated provider failures; "
                        + "not called", true, Optional.empty(), true);
            }
            if (t instanceof ProviderHttpException http) {
                int status = http.statusCode();
                String detail = "HTTP " + status + " " + oneLine(http.getMessage());
                if (status == 429) {
                    return new Failure(LlmErrorCode.RATE_LIMIT_EXCEEDED, detail, true, http.retryAfter());
                }
                if (status == 401 || status == 403) {
                    return new Failure(LlmErrorCode.AUTHENTICATION_FAILED, detail, false, Optional.empty());
                }
                if (status == 408 || status >= 500) {
                    return new Failure(LlmErrorCode.PROVIDER_ERROR, detail, true, http.retryAfter());
                }
                return new Failure(LlmErrorCode.PROVIDER_REJECTED, detail, false, Optional.empty());
            }
            if (t instanceof ProviderConnectionException || t instanceof IOException) {
                return new Failure(LlmErrorCode.PROVIDER_ERROR, "connection failed: " + oneLine(t.getMessage()), true, Optional.empty());
            }
        }
        return new Failure(LlmErrorCode.PROVIDER_ERROR, "unreadable provider response: " + oneLine(error.getClass().getSimpleName()
                + (error.getMessage() == null ? "" : ": " + error.getMessage())), false, Optional.empty());
    }

    /** Failures the circuit breaker counts: the provider is down, not the request wrong. */
    private static boolean isOutage(Throwable error) {
        Failure failure = classify(error);
        return failure.code() == LlmErrorCode.PROVIDER_ERROR || failure.code() == LlmErrorCode.TIMEOUT;
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.replaceAll("\\s+", " ").trim();
    }

    /** Error text as stored: one line, at most 300 characters (after the key is redacted). */
    private static String brief(String text) {
        if (text == null) {
            return "";
        }
        String oneLine = text.replaceAll("\\s+", " ").trim();
        return oneLine.length() <= 300 ? oneLine : oneLine.substring(0, 300) + "...";
    }

    @Override
    public void close() {
        executor.shutdownNow();
        http.close();
    }
}
