package dev.tribunal.llm;

import dev.tribunal.llm.FailureClassifier.Failure;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AttemptsTest {

    private static final Failure THROTTLED = new Failure(ErrorCode.RATE_LIMIT_EXCEEDED, "HTTP 429 Rate limit reached", true,
            Optional.of(Duration.ofSeconds(1)), false);
    private static final Failure DOWN = new Failure(ErrorCode.PROVIDER_ERROR, "HTTP 503 unavailable", true, Optional.empty(), false);

    @Test
    void aFailedCallSaysHowOftenItWasTriedAndTheLastWaitAskedFor() {
        Attempts attempts = new Attempts();
        attempts.start();
        attempts.failed(THROTTLED);
        attempts.start();
        attempts.failed(DOWN);
        attempts.start();
        attempts.failed(DOWN);

        LlmResult.Failed failed = attempts.result();
        assertEquals(ErrorCode.PROVIDER_ERROR, failed.code(), "the last attempt's failure");
        assertEquals("HTTP 503 unavailable; 3 attempts; last Retry-After 1000 ms", failed.message());
        assertEquals(3, failed.attempts());
    }

    @Test
    void oneAttemptWithoutRetryAfter() {
        Attempts attempts = new Attempts();
        attempts.start();
        attempts.failed(DOWN);

        assertEquals("HTTP 503 unavailable; 1 attempt", attempts.result().message());
    }

    @Test
    void anInterruptionSaysWhatTheCallWasDoing() {
        Attempts attempts = new Attempts();
        attempts.start();
        attempts.failed(THROTTLED);

        LlmResult.Failed beforeRetry = attempts.interrupted("acme");
        assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, beforeRetry.code());
        assertEquals("HTTP 429 Rate limit reached; interrupted before retrying", beforeRetry.message());

        attempts.start();
        LlmResult.Failed waiting = attempts.interrupted("acme");
        assertEquals(ErrorCode.TIMEOUT, waiting.code());
        assertEquals("interrupted while waiting for provider acme", waiting.message());
        assertEquals(2, waiting.attempts());
    }
}
