package dev.tribunal.llm;

import dev.tribunal.llm.FailureClassifier.Failure;
import dev.tribunal.llm.RetryPolicy.AttemptFailed;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The retry policy on SmallRye's Guard (standalone, see {@link StandaloneFaultTolerance}), and its backoff. */
class RetryPolicyTest {

    private static final Failure SERVER_ERROR = failure(ErrorCode.PROVIDER_ERROR, true, Optional.empty());
    private static final Failure BAD_KEY = failure(ErrorCode.AUTHENTICATION_FAILED, false, Optional.empty());

    private static Failure failure(ErrorCode code, boolean retryable, Optional<Duration> retryAfter) {
        return new Failure(code, code.name(), retryable, retryAfter, false);
    }

    @Test
    void aRetryableFailureIsTriedAgainUpToMaxRetriesTimes() {
        AtomicInteger attempts = new AtomicInteger();
        RetryPolicy policy = new RetryPolicy("retry-twice", 2);

        AttemptFailed failed = assertThrows(AttemptFailed.class, () -> policy.run(() -> {
            attempts.incrementAndGet();
            throw new AttemptFailed(SERVER_ERROR);
        }, String.class));

        assertEquals(3, attempts.get(), "the first attempt and two retries");
        assertSame(SERVER_ERROR, failed.failure());
    }

    @Test
    void noRetriesMeansOneAttempt() {
        AtomicInteger attempts = new AtomicInteger();
        RetryPolicy policy = new RetryPolicy("retry-never", 0);

        assertThrows(AttemptFailed.class, () -> policy.run(() -> {
            attempts.incrementAndGet();
            throw new AttemptFailed(SERVER_ERROR);
        }, String.class));

        assertEquals(1, attempts.get());
    }

    @Test
    void aFailureThatIsNotRetryableEndsTheCallAtOnce() {
        for (Failure refused : List.of(BAD_KEY, failure(ErrorCode.PROVIDER_REJECTED, false, Optional.empty()),
                failure(ErrorCode.TIMEOUT, false, Optional.empty()))) {
            AtomicInteger attempts = new AtomicInteger();
            RetryPolicy policy = new RetryPolicy("no-retry-" + refused.code(), 3);

            AttemptFailed failed = assertThrows(AttemptFailed.class, () -> policy.run(() -> {
                attempts.incrementAndGet();
                throw new AttemptFailed(refused);
            }, String.class));

            assertEquals(1, attempts.get(), refused.code() + " is not retried");
            assertSame(refused, failed.failure());
        }
    }

    @Test
    void anExceptionThatIsNoClassifiedFailureIsNotRetried() {
        AtomicInteger attempts = new AtomicInteger();
        RetryPolicy policy = new RetryPolicy("bug", 3);

        assertThrows(IllegalStateException.class, () -> policy.run(() -> {
            attempts.incrementAndGet();
            throw new IllegalStateException("a bug");
        }, String.class));

        assertEquals(1, attempts.get());
    }

    @Test
    void anAnswerAfterARetryableFailureIsTheResult() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        RetryPolicy policy = new RetryPolicy("flaky", 3);

        String answer = policy.run(() -> {
            if (attempts.incrementAndGet() == 1) {
                throw new AttemptFailed(SERVER_ERROR);
            }
            return "answer";
        }, String.class);

        assertEquals("answer", answer);
        assertEquals(2, attempts.get(), "no retry after the answer");
    }

    @Test
    void retriesWaitABackoffStepAndAtLeastWhatTheProviderAsked() throws Exception {
        List<Long> arrivals = new ArrayList<>();
        Failure throttled = failure(ErrorCode.RATE_LIMIT_EXCEEDED, true, Optional.of(Duration.ofMillis(1_200)));
        RetryPolicy policy = new RetryPolicy("throttled", 2);

        policy.run(() -> {
            arrivals.add(System.nanoTime());
            if (arrivals.size() == 1) {
                throw new AttemptFailed(SERVER_ERROR);
            }
            if (arrivals.size() == 2) {
                throw new AttemptFailed(throttled);
            }
            return "answer";
        }, String.class);

        long firstWait = TimeUnit.NANOSECONDS.toMillis(arrivals.get(1) - arrivals.get(0));
        long secondWait = TimeUnit.NANOSECONDS.toMillis(arrivals.get(2) - arrivals.get(1));
        assertTrue(firstWait >= 250, "the first retry waits at least half of 0.5 s: " + firstWait + " ms");
        assertTrue(secondWait >= 1_200, "the provider asked for 1.2 s: " + secondWait + " ms");
    }

    @Test
    void anInterruptedBackoffEndsTheCall() throws Exception {
        Thread caller = Thread.currentThread();
        Failure throttled = failure(ErrorCode.RATE_LIMIT_EXCEEDED, true, Optional.of(Duration.ofMinutes(1)));
        RetryPolicy policy = new RetryPolicy("interrupted", 3);
        Thread interrupter = new Thread(() -> {
            try {
                Thread.sleep(200);
                caller.interrupt();
            } catch (InterruptedException ignored) {
                // the test ended first
            }
        });
        interrupter.start();
        long started = System.nanoTime();

        assertThrows(InterruptedException.class, () -> policy.run(() -> {
            throw new AttemptFailed(throttled);
        }, String.class));

        assertTrue(TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - started) < 30, "not after the minute asked for");
        interrupter.join();
        Thread.interrupted();
    }

    @Test
    void backoffGrowsExponentiallyWithJitterBetweenHalfAndFullStep() {
        for (int round = 0; round < 200; round++) {
            for (int attempt = 1; attempt <= 7; attempt++) {
                long step = 500L << (attempt - 1);
                long wait = RetryPolicy.backoff(attempt, Optional.empty());
                assertTrue(wait >= step / 2 && wait <= step, "attempt " + attempt + " waited " + wait + " ms, step " + step);
            }
        }
    }

    @Test
    void backoffIsJittered() {
        long first = RetryPolicy.backoff(5, Optional.empty());
        boolean varied = false;
        for (int i = 0; i < 50 && !varied; i++) {
            varied = RetryPolicy.backoff(5, Optional.empty()) != first;
        }
        assertTrue(varied, "50 backoffs of 4-8 s were all " + first + " ms");
    }

    @Test
    void backoffGrowsWithAttempts() {
        // below the cap, the jitter ranges [step/2, step] of consecutive attempts touch but never overlap
        for (int attempt = 1; attempt < 7; attempt++) {
            long shorter = RetryPolicy.backoff(attempt, Optional.empty());
            long longer = RetryPolicy.backoff(attempt + 1, Optional.empty());
            assertTrue(longer >= shorter, "attempt " + (attempt + 1) + " waited " + longer + " ms, less than " + shorter);
        }
    }

    @Test
    void backoffStepsNeverExceedSixtySecondsAndRetryAfterFiveMinutes() {
        for (int attempt = 1; attempt <= 40; attempt++) {
            long wait = RetryPolicy.backoff(attempt, Optional.empty());
            assertTrue(wait <= 60_000, "attempt " + attempt + " waited " + wait + " ms");
        }
        assertTrue(RetryPolicy.backoff(12, Optional.empty()) >= 30_000, "a late attempt waits at least half the cap");
        assertEquals(120_000, RetryPolicy.backoff(1, Optional.of(Duration.ofMinutes(2))), "a Retry-After of two minutes is honoured");
        assertEquals(300_000, RetryPolicy.backoff(1, Optional.of(Duration.ofMinutes(10))), "a huge Retry-After is capped at five minutes");
    }

    @Test
    void backoffNeverWaitsLessThanTheProviderAsked() {
        for (int i = 0; i < 100; i++) {
            assertTrue(RetryPolicy.backoff(1, Optional.of(Duration.ofSeconds(7))) >= 7_000);
            assertTrue(RetryPolicy.backoff(3, Optional.of(Duration.ofMillis(2_100))) >= 2_100);
        }
        assertEquals(7_000, RetryPolicy.backoff(1, Optional.of(Duration.ofSeconds(7))), "asked longer than the step: exactly as asked");
        long shortAsk = RetryPolicy.backoff(4, Optional.of(Duration.ofMillis(10)));
        assertTrue(shortAsk >= 2_000 && shortAsk <= 4_000, "a short Retry-After does not shorten the step: " + shortAsk);
    }
}
