package dev.tribunal.llm;

import io.smallrye.faulttolerance.api.CircuitBreakerState;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The breaker on SmallRye's Guard (standalone, see {@link StandaloneFaultTolerance}); each test its own provider name. */
class ProviderCircuitBreakerTest {

    private static final ProviderHttpException DOWN = new ProviderHttpException(503, "upstream unavailable", null);
    private static final ProviderHttpException WRONG = new ProviderHttpException(400, "context too long", null);

    private final AtomicInteger reached = new AtomicInteger();

    private void fail(ProviderCircuitBreaker breaker, ProviderHttpException failure) {
        assertThrows(ProviderHttpException.class, () -> breaker.call(() -> {
            reached.incrementAndGet();
            throw failure;
        }, String.class));
    }

    private void succeed(ProviderCircuitBreaker breaker) throws Exception {
        assertEquals("answer", breaker.call(() -> {
            reached.incrementAndGet();
            return "answer";
        }, String.class));
    }

    private void refused(ProviderCircuitBreaker breaker) {
        int before = reached.get();
        assertThrows(CircuitBreakerOpenException.class, () -> breaker.call(() -> {
            reached.incrementAndGet();
            return "answer";
        }, String.class));
        assertEquals(before, reached.get(), "the open circuit does not call the provider");
    }

    @Test
    void opensOnceTheConfiguredShareOfTheWindowFailed() throws Exception {
        ProviderCircuitBreaker half = new ProviderCircuitBreaker("cb-half", 4, 0.5, Duration.ofMinutes(1));
        ProviderCircuitBreaker most = new ProviderCircuitBreaker("cb-most", 4, 0.75, Duration.ofMinutes(1));
        for (ProviderCircuitBreaker breaker : new ProviderCircuitBreaker[] {half, most}) {
            fail(breaker, DOWN);
            succeed(breaker);
            fail(breaker, DOWN);
            succeed(breaker);
        }

        assertEquals(CircuitBreakerState.OPEN, half.state(), "2 of 4 failed: ratio 0.5 reached");
        refused(half);
        assertEquals(CircuitBreakerState.CLOSED, most.state(), "2 of 4 failed: ratio 0.75 not reached");
        succeed(most);
    }

    @Test
    void judgesOnlyAFullWindow() {
        ProviderCircuitBreaker breaker = new ProviderCircuitBreaker("cb-window", 6, 0.5, Duration.ofMinutes(1));
        for (int i = 0; i < 5; i++) {
            fail(breaker, DOWN);
        }
        assertEquals(CircuitBreakerState.CLOSED, breaker.state(), "5 failures are not yet a window of 6");

        fail(breaker, DOWN);
        assertEquals(CircuitBreakerState.OPEN, breaker.state());
    }

    @Test
    void aWrongRequestIsNoOutage() {
        ProviderCircuitBreaker breaker = new ProviderCircuitBreaker("cb-wrong", 2, 0.5, Duration.ofMinutes(1));
        fail(breaker, WRONG);
        fail(breaker, WRONG);
        fail(breaker, WRONG);

        assertEquals(CircuitBreakerState.CLOSED, breaker.state());
    }

    @Test
    void afterTheDelayOneTrialCallDecides() throws Exception {
        ProviderCircuitBreaker breaker = new ProviderCircuitBreaker("cb-delay", 1, 1, Duration.ofMillis(300));
        fail(breaker, DOWN);
        assertEquals(CircuitBreakerState.OPEN, breaker.state());
        refused(breaker);

        Thread.sleep(400);
        fail(breaker, DOWN);
        assertEquals(CircuitBreakerState.OPEN, breaker.state(), "a failed trial call opens it again");
        refused(breaker);

        Thread.sleep(400);
        succeed(breaker);
        assertEquals(CircuitBreakerState.CLOSED, breaker.state(), "a trial call that succeeds closes it");
    }

    @Test
    void anOpenCircuitSaysHowLongItStaysOpen() {
        ProviderCircuitBreaker breaker = new ProviderCircuitBreaker("cb-until", 1, 1, Duration.ofSeconds(20));
        fail(breaker, DOWN);

        Duration left = breaker.untilHalfOpen();
        assertTrue(left.compareTo(Duration.ofSeconds(15)) > 0 && left.compareTo(Duration.ofSeconds(20)) <= 0, left.toString());
    }

    @Test
    void settingsOutOfRangeAreRefusedByName() {
        assertRefused(0, 0.5, Duration.ofSeconds(30), "tribunal.providers.bad.circuit-breaker-window");
        assertRefused(-3, 0.5, Duration.ofSeconds(30), "tribunal.providers.bad.circuit-breaker-window");
        for (double ratio : new double[] {0, -0.5, 1.01, Double.NaN}) {
            assertRefused(20, ratio, Duration.ofSeconds(30), "tribunal.providers.bad.circuit-breaker-failure-ratio");
        }
        assertRefused(20, 0.5, Duration.ofSeconds(-1), "tribunal.providers.bad.circuit-breaker-delay");

        new ProviderCircuitBreaker("cb-edges", 1, 1, Duration.ZERO);
    }

    private static void assertRefused(int window, double ratio, Duration delay, String setting) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> new ProviderCircuitBreaker("bad", window, ratio, delay));
        assertTrue(refused.getMessage().startsWith(setting), refused.getMessage());
    }
}
