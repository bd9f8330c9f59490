package dev.tribunal.llm;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.smallrye.faulttolerance.api.CircuitBreakerState;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * One provider's meters, tagged {@code provider}: calls by outcome, latency per attempt, tokens, 429s, and gauges of
 * the circuit, the calls in flight and queued, and the in-flight limit.
 */
final class ProviderMetrics {

    private final String provider;
    private final MeterRegistry registry;
    private final Timer latency;
    private final Counter promptTokens;
    private final Counter cachedPromptTokens;
    private final Counter completionTokens;
    private final Counter throttled;
    private final Map<String, Counter> calls = new ConcurrentHashMap<>();

    ProviderMetrics(String provider, MeterRegistry registry, Admission admission, ProviderCircuitBreaker breaker,
            ThreadPoolExecutor executor) {
        this.provider = provider;
        this.registry = registry;
        this.latency = Timer.builder("tribunal.provider.latency").tag("provider", provider)
                .description("Provider call latency, per attempt")
                // buckets, not client-side percentiles: cheap to record and aggregatable across replicas
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(5)).maximumExpectedValue(Duration.ofMinutes(2))
                .register(registry);
        this.promptTokens = registry.counter("tribunal.provider.tokens", "provider", provider, "kind", "prompt");
        // the part of the prompt tokens that the provider read from its prompt cache, billed at the cached-input price
        this.cachedPromptTokens = registry.counter("tribunal.provider.tokens", "provider", provider, "kind", "cached_prompt");
        this.completionTokens = registry.counter("tribunal.provider.tokens", "provider", provider, "kind", "completion");
        this.throttled = registry.counter("tribunal.provider.throttled", "provider", provider);
        Tags tags = Tags.of("provider", provider);
        registry.gauge("tribunal.provider.circuit.open", tags, breaker, b -> b.state() == CircuitBreakerState.OPEN ? 1 : 0);
        registry.gauge("tribunal.provider.in_flight", tags, admission, Admission::inFlight);
        registry.gauge("tribunal.provider.queued", tags, executor, e -> e.getQueue().size());
        registry.gauge("tribunal.provider.concurrency.limit", tags, admission, Admission::limit);
    }

    /** How long one attempt took, from {@code startNanos} on, whatever its outcome. */
    void attempted(long startNanos) {
        latency.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    /** An answer and the tokens it took; {@code cachedPrompt} of the {@code prompt} tokens came from the provider's prompt cache. */
    void answered(int prompt, int cachedPrompt, int completion) {
        outcome("ok");
        promptTokens.increment(prompt);
        cachedPromptTokens.increment(cachedPrompt);
        completionTokens.increment(completion);
    }

    /** A 429 received. */
    void throttled() {
        throttled.increment();
    }

    /** A failed attempt, by its error code, or {@code circuit_open} for one the open circuit turned away. */
    void failed(FailureClassifier.Failure failure) {
        outcome(failure.circuitOpen() ? "circuit_open" : failure.code().name().toLowerCase(Locale.ROOT));
    }

    /**
     * A call that did not go out: {@code cancelled}, {@code auth_fail_fast} (the run's credentials were refused
     * before), {@code no_api_key}.
     */
    void outcome(String outcome) {
        calls.computeIfAbsent(outcome, o -> registry.counter("tribunal.provider.calls", "provider", provider, "outcome", o))
                .increment();
    }
}
