package dev.tribunal.llm;

import dev.tribunal.llm.FailureClassifier.Failure;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** One call's attempts so far, and the failed call's result: what went wrong, after how many attempts and waits. */
final class Attempts {

    private final long startedNanos = System.nanoTime();
    private int count;
    /** The failure of the latest attempt; null while it goes on. */
    private Failure latest;
    private Optional<Duration> lastRetryAfter = Optional.empty();

    int count() {
        return count;
    }

    long millisSinceStart() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    }

    void start() {
        count++;
        latest = null;
    }

    void failed(Failure failure) {
        latest = failure;
        if (failure.retryAfter().isPresent()) {
            lastRetryAfter = failure.retryAfter();
        }
    }

    /** The call ends with the latest attempt's failure. */
    LlmResult.Failed result() {
        String message = latest.detail() + "; " + count + (count == 1 ? " attempt" : " attempts")
                + lastRetryAfter.map(wait -> "; last Retry-After " + wait.toMillis() + " ms").orElse("");
        return new LlmResult.Failed(latest.code(), message, count, millisSinceStart());
    }

    /** The call's thread was interrupted: while an attempt waited for {@code provider}, or before a retry. */
    LlmResult.Failed interrupted(String provider) {
        if (latest == null) {
            return new LlmResult.Failed(ErrorCode.TIMEOUT, "interrupted while waiting for provider " + provider, count, millisSinceStart());
        }
        return new LlmResult.Failed(latest.code(), latest.detail() + "; interrupted before retrying", count, millisSinceStart());
    }
}
