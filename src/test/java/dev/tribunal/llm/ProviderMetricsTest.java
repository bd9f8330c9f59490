package dev.tribunal.llm;

import dev.tribunal.llm.FailureClassifier.Failure;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProviderMetricsTest {

    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final Admission admission = new Admission(new AdaptiveLimit(4), null, null, 0);
    private final ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 1, TimeUnit.SECONDS, new LinkedBlockingQueue<>());

    @AfterEach
    void stopThreads() {
        executor.shutdownNow();
    }

    private ProviderMetrics metrics(String provider, ProviderCircuitBreaker breaker) {
        return new ProviderMetrics(provider, registry, admission, breaker, executor);
    }

    private double counted(String name, String... tags) {
        return registry.get(name).tags(tags).counter().count();
    }

    private double gauge(String name, String provider) {
        return registry.get(name).tag("provider", provider).gauge().value();
    }

    @Test
    void callsAreCountedByOutcomeWithTheirTokens() {
        ProviderMetrics metrics = metrics("m-calls", new ProviderCircuitBreaker("m-calls", 20, 0.5, Duration.ofSeconds(30)));

        metrics.answered(120, 0, 30);
        metrics.answered(80, 16, 20);
        metrics.failed(new Failure(ErrorCode.RATE_LIMIT_EXCEEDED, "HTTP 429", true, Optional.empty(), false));
        metrics.failed(new Failure(ErrorCode.PROVIDER_ERROR, "circuit breaker open", true, Optional.empty(), true));
        metrics.outcome("cancelled");
        metrics.throttled();
        metrics.attempted(System.nanoTime() - TimeUnit.MILLISECONDS.toNanos(250));

        assertEquals(2, counted("tribunal.provider.calls", "provider", "m-calls", "outcome", "ok"));
        assertEquals(1, counted("tribunal.provider.calls", "provider", "m-calls", "outcome", "rate_limit_exceeded"));
        assertEquals(1, counted("tribunal.provider.calls", "provider", "m-calls", "outcome", "circuit_open"));
        assertEquals(1, counted("tribunal.provider.calls", "provider", "m-calls", "outcome", "cancelled"));
        assertEquals(200, counted("tribunal.provider.tokens", "provider", "m-calls", "kind", "prompt"));
        assertEquals(16, counted("tribunal.provider.tokens", "provider", "m-calls", "kind", "cached_prompt"));
        assertEquals(50, counted("tribunal.provider.tokens", "provider", "m-calls", "kind", "completion"));
        assertEquals(1, counted("tribunal.provider.throttled", "provider", "m-calls"));
        var latency = registry.get("tribunal.provider.latency").tag("provider", "m-calls").timer();
        assertEquals(1, latency.count());
        assertEquals(250, latency.totalTime(TimeUnit.MILLISECONDS), 100);
    }

    @Test
    void gaugesFollowTheCircuitTheSlotsAndTheQueue() throws Exception {
        ProviderCircuitBreaker breaker = new ProviderCircuitBreaker("m-gauges", 1, 1, Duration.ofMinutes(1));
        metrics("m-gauges", breaker);
        assertEquals(0, gauge("tribunal.provider.circuit.open", "m-gauges"));
        assertEquals(4, gauge("tribunal.provider.concurrency.limit", "m-gauges"));

        assertThrows(ProviderHttpException.class, () -> breaker.call(() -> {
            throw new ProviderHttpException(500, "down", null);
        }, String.class));
        admission.enter(1);
        admission.onThrottled(Optional.empty());
        CountDownLatch busy = new CountDownLatch(1);
        executor.execute(() -> {
            try {
                busy.await();
            } catch (InterruptedException ignored) {
                // the test is over
            }
        });
        executor.execute(() -> { });

        assertEquals(1, gauge("tribunal.provider.circuit.open", "m-gauges"));
        assertEquals(1, gauge("tribunal.provider.in_flight", "m-gauges"));
        assertEquals(2, gauge("tribunal.provider.concurrency.limit", "m-gauges"));
        assertEquals(1, gauge("tribunal.provider.queued", "m-gauges"));
        busy.countDown();
    }
}
