package dev.tribunal.llm;

import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.faulttolerance.api.Guard;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One provider's circuit breaker: once the configured share of the last {@code window} calls failed for an outage
 * (5xx, connection errors, timeouts; see {@link FailureClassifier#isOutage}), calls are refused with
 * {@link org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException} for {@code delay}; then one
 * trial call goes, and its outcome closes or reopens the circuit.
 */
final class ProviderCircuitBreaker {

    private static final Logger LOG = Logger.getLogger(ProviderCircuitBreaker.class);

    private final Guard guard;
    private final Duration delay;
    private volatile CircuitBreakerState state = CircuitBreakerState.CLOSED;
    private final AtomicLong openedAtNanos = new AtomicLong();

    /**
     * @throws IllegalArgumentException for a setting out of range, naming the setting of {@code provider}
     */
    ProviderCircuitBreaker(String provider, int window, double failureRatio, Duration delay) {
        String settings = "tribunal.providers." + provider + ".circuit-breaker-";
        if (window < 1) {
            throw new IllegalArgumentException(settings + "window must be at least 1 call, not " + window);
        }
        if (!(failureRatio > 0 && failureRatio <= 1)) {
            throw new IllegalArgumentException(settings + "failure-ratio must be above 0 and at most 1, not " + failureRatio);
        }
        if (delay.isNegative()) {
            throw new IllegalArgumentException(settings + "delay must not be negative, not " + delay);
        }
        this.delay = delay;
        this.guard = Guard.create()
                .withDescription("provider " + provider)
                .withCircuitBreaker()
                .name("provider-" + provider)
                .requestVolumeThreshold(window)
                .failureRatio(failureRatio)
                .delay(delay.toMillis(), ChronoUnit.MILLIS)
                .when(FailureClassifier::isOutage)
                .onStateChange(next -> {
                    if (next == CircuitBreakerState.OPEN) {
                        openedAtNanos.set(System.nanoTime());
                    }
                    state = next;
                    LOG.warnf("Circuit breaker of provider %s is now %s", provider, next);
                })
                .done()
                .build();
    }

    /** The breaker of a provider as configured. */
    static ProviderCircuitBreaker of(String provider, ProvidersConfig.Provider config) {
        return new ProviderCircuitBreaker(provider, config.circuitBreakerWindow(), config.circuitBreakerFailureRatio(),
                config.circuitBreakerDelay());
    }

    /** Calls {@code call} unless the circuit is open; its failure counts toward opening the circuit if it is an outage. */
    <T> T call(Callable<T> call, Class<T> type) throws Exception {
        return guard.call(call, type);
    }

    CircuitBreakerState state() {
        return state;
    }

    /**
     * How long the open circuit stays open: at least a second (or the delay, if shorter), so that calls turned away
     * while the trial call is out wait too.
     */
    Duration untilHalfOpen() {
        long left = openedAtNanos.get() + delay.toNanos() - System.nanoTime();
        return Duration.ofNanos(Math.max(Math.min(TimeUnit.SECONDS.toNanos(1), delay.toNanos()), left));
    }
}
