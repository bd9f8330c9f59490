package dev.tribunal.llm;

import dev.tribunal.llm.FailureClassifier.Failure;
import io.smallrye.faulttolerance.api.CustomBackoffStrategy;
import io.smallrye.faulttolerance.api.Guard;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The retries of one provider's calls: up to max-retries more attempts after one that failed retryably (429, 5xx,
 * connection errors, an open circuit), each after an exponential backoff with jitter, never shorter than the wait
 * the provider asked for. LangChain4j's own retries are off: this is the one retry owner.
 */
final class RetryPolicy {

    /** First backoff step; doubled per attempt. Half a second spreads a burst of 429s without stalling a run. */
    private static final long BACKOFF_BASE_MS = 500;
    /** No backoff step longer than this. */
    private static final long BACKOFF_CAP_MS = 60_000;
    /**
     * No wait longer than this, whatever a provider asks: Retry-After is honoured up to five minutes (OpenAI asks for
     * seconds to a minute; a day-long value is a misconfigured gateway, not a plan).
     */
    static final Duration MAX_RETRY_AFTER = Duration.ofMinutes(5);

    private final Guard guard;

    RetryPolicy(String provider, int maxRetries) {
        this.guard = Guard.create()
                .withDescription("retries of provider " + provider)
                .withRetry()
                .maxRetries(maxRetries)
                // no limit but the attempts: SmallRye's default of three minutes would end a call whose provider asked for longer
                .maxDuration(0, ChronoUnit.MILLIS)
                // the backoff below draws its own jitter
                .jitter(0, ChronoUnit.MILLIS)
                .whenException(error -> error instanceof AttemptFailed failed && failed.failure().retryable())
                .withCustomBackoff()
                .strategy(Backoff::new)
                .done()
                .done()
                .build();
    }

    /**
     * Runs {@code attempt} until it returns, throws a failure that is not retried, or the retries are spent; sleeps
     * between attempts on the calling thread.
     *
     * @throws AttemptFailed the last attempt's failure
     * @throws InterruptedException the thread was interrupted while an attempt or the backoff went on
     */
    <T> T run(Callable<T> attempt, Class<T> type) throws AttemptFailed, InterruptedException {
        try {
            return guard.call(attempt, type);
        } catch (AttemptFailed | InterruptedException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("an attempt threw what it may not", e);
        }
    }

    /**
     * Exponential backoff with jitter before the {@code retry}-th retry: between half a step and a full one, never
     * shorter than what the provider asked for (up to {@link #MAX_RETRY_AFTER}).
     */
    static long backoff(int retry, Optional<Duration> retryAfter) {
        long exponential = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS << Math.min(retry - 1, 16));
        long jittered = exponential / 2 + ThreadLocalRandom.current().nextLong(exponential / 2 + 1);
        long asked = retryAfter.map(wait -> Math.min(MAX_RETRY_AFTER.toMillis(), wait.toMillis())).orElse(0L);
        return Math.max(jittered, asked);
    }

    /** One call's backoffs: SmallRye makes one per call, and hands it each failure, whose Retry-After it honours. */
    private static final class Backoff implements CustomBackoffStrategy {
        private final AtomicInteger retries = new AtomicInteger();

        @Override
        public long nextDelayInMillis(Throwable failure) {
            Optional<Duration> asked = failure instanceof AttemptFailed failed ? failed.failure().retryAfter() : Optional.empty();
            return backoff(retries.incrementAndGet(), asked);
        }
    }

    /** An attempt that failed, as {@link FailureClassifier} classified it. */
    static final class AttemptFailed extends Exception {
        private final transient Failure failure;

        AttemptFailed(Failure failure) {
            super(failure.detail(), null, false, false);
            this.failure = failure;
        }

        Failure failure() {
            return failure;
        }
    }
}
