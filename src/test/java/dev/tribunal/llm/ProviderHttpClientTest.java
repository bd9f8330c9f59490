package dev.tribunal.llm;

import dev.tribunal.llm.ProviderGateway.Failure;
import dev.tribunal.llm.ProviderHttpClient.ProviderConnectionException;
import dev.tribunal.llm.ProviderHttpClient.ProviderTimeoutException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProviderHttpClientTest {

    @Test
    void parsesOpenAiRateLimitResets() {
        assertEquals(Optional.of(Duration.ofSeconds(1)), ProviderHttpClient.parseReset("1s"));
        assertEquals(Optional.of(Duration.ofMinutes(6)), ProviderHttpClient.parseReset("6m0s"));
        assertEquals(Optional.of(Duration.ofMillis(20)), ProviderHttpClient.parseReset("20ms"));
        assertEquals(Optional.of(Duration.ofMillis(3_723_500)), ProviderHttpClient.parseReset("1h2m3.5s"));
        assertEquals(Optional.of(Duration.ofMillis(500)), ProviderHttpClient.parseReset("0.5s"));
        assertEquals(Optional.of(Duration.ofMinutes(2)), ProviderHttpClient.parseReset("2m"));
        assertEquals(Optional.of(Duration.ofMillis(1_250)), ProviderHttpClient.parseReset(" 1s250ms "));
    }

    @Test
    void garbageIsNoReset() {
        for (String garbage : new String[] {"", "   ", "soon", "10", "-1s", "1d", "s", "ms", "1s2h",
                "1.2.3s", "1..s", ".s", "99999999999999999999h"}) {
            assertEquals(Optional.empty(), ProviderHttpClient.parseReset(garbage), "\"" + garbage + "\"");
        }
    }

    @Test
    void backoffGrowsExponentiallyWithJitterBetweenHalfAndFullStep() {
        for (int round = 0; round < 200; round++) {
            for (int attempt = 1; attempt <= 7; attempt++) {
                long step = 500L << (attempt - 1);
                long wait = ProviderGateway.backoff(attempt, Optional.empty());
                assertTrue(wait >= step / 2 && wait <= step, "attempt " + attempt + " waited " + wait + " ms, step " + step);
            }
        }
    }

    @Test
    void backoffIsJittered() {
        long first = ProviderGateway.backoff(5, Optional.empty());
        boolean varied = false;
        for (int i = 0; i < 50 && !varied; i++) {
            varied = ProviderGateway.backoff(5, Optional.empty()) != first;
        }
        assertTrue(varied, "50 backoffs of 4-8 s were all " + first + " ms");
    }

    @Test
    void backoffGrowsWithAttempts() {
        // below the cap, the jitter ranges [step/2, step] of consecutive attempts touch but never overlap
        for (int attempt = 1; attempt < 7; attempt++) {
            long shorter = ProviderGateway.backoff(attempt, Optional.empty());
            long longer = ProviderGateway.backoff(attempt + 1, Optional.empty());
            assertTrue(longer >= shorter, "attempt " + (attempt + 1) + " waited " + longer + " ms, less than " + shorter);
        }
    }

    @Test
    void backoffStepsNeverExceedSixtySecondsAndRetryAfterFiveMinutes() {
        for (int attempt = 1; attempt <= 40; attempt++) {
            long wait = ProviderGateway.backoff(attempt, Optional.empty());
            assertTrue(wait <= 60_000, "attempt " + attempt + " waited " + wait + " ms");
        }
        assertTrue(ProviderGateway.backoff(12, Optional.empty()) >= 30_000, "a late attempt waits at least half the cap");
        assertEquals(120_000, ProviderGateway.backoff(1, Optional.of(Duration.ofMinutes(2))), "a Retry-After of two minutes is honoured");
        assertEquals(300_000, ProviderGateway.backoff(1, Optional.of(Duration.ofMinutes(10))), "a huge Retry-After is capped at five minutes");
    }

    @Test
    void backoffNeverWaitsLessThanTheProviderAsked() {
        for (int i = 0; i < 100; i++) {
            assertTrue(ProviderGateway.backoff(1, Optional.of(Duration.ofSeconds(7))) >= 7_000);
            assertTrue(ProviderGateway.backoff(3, Optional.of(Duration.ofMillis(2_100))) >= 2_100);
        }
        assertEquals(7_000, ProviderGateway.backoff(1, Optional.of(Duration.ofSeconds(7))), "asked longer than the step: exactly as asked");
        long shortAsk = ProviderGateway.backoff(4, Optional.of(Duration.ofMillis(10)));
        assertTrue(shortAsk >= 2_000 && shortAsk <= 4_000, "a short Retry-After does not shorten the step: " + shortAsk);
    }

    @Test
    void a429IsARetryableRateLimitThatKeepsItsRetryAfter() {
        Failure failure = ProviderGateway.classify(new ProviderHttpException(429, "Rate limit reached", Duration.ofSeconds(3)));

        assertEquals(LlmErrorCode.RATE_LIMIT_EXCEEDED, failure.code());
        assertTrue(failure.retryable());
        assertEquals(Optional.of(Duration.ofSeconds(3)), failure.retryAfter());
        assertTrue(failure.detail().contains("429"), failure.detail());
    }

    @Test
    void rejectedCredentialsAreNotRetried() {
        for (int status : new int[] {401, 403}) {
            Failure failure = ProviderGateway.classify(new ProviderHttpException(status, "Incorrect API key provided", null));
            assertEquals(LlmErrorCode.AUTHENTICATION_FAILED, failure.code(), "HTTP " + status);
            assertFalse(failure.retryable(), "HTTP " + status);
            assertTrue(failure.detail().contains(Integer.toString(status)), failure.detail());
        }
    }

    @Test
    void aBadRequestIsRejectedWithoutRetry() {
        Failure failure = ProviderGateway.classify(new ProviderHttpException(400,
                "This model's maximum context length is 8192 tokens", null));

        assertEquals(LlmErrorCode.PROVIDER_REJECTED, failure.code());
        assertFalse(failure.retryable());
        assertTrue(failure.detail().contains("maximum context length"), failure.detail());
    }

    @Test
    void serverErrorsAreRetryable() {
        for (int status : new int[] {500, 502, 503}) {
            Failure failure = ProviderGateway.classify(new ProviderHttpException(status, "upstream unavailable", null));
            assertEquals(LlmErrorCode.PROVIDER_ERROR, failure.code(), "HTTP " + status);
            assertTrue(failure.retryable(), "HTTP " + status);
        }
    }

    @Test
    void theCauseChainIsSearched() {
        Throwable wrapped = new RuntimeException("call failed",
                new CompletionException(new ProviderHttpException(429, "slow down", Duration.ofMillis(250))));
        Throwable wrappedAuth = new ExecutionException(new ProviderHttpException(401, "bad key", null));

        Failure failure = ProviderGateway.classify(wrapped);
        assertEquals(LlmErrorCode.RATE_LIMIT_EXCEEDED, failure.code());
        assertTrue(failure.retryable());
        assertEquals(Optional.of(Duration.ofMillis(250)), failure.retryAfter());
        assertEquals(LlmErrorCode.AUTHENTICATION_FAILED, ProviderGateway.classify(wrappedAuth).code());
        assertEquals(LlmErrorCode.TIMEOUT,
                ProviderGateway.classify(new RuntimeException(new ProviderTimeoutException(Duration.ofSeconds(2)))).code());
    }

    @Test
    void aTimeoutIsATimeout() {
        Failure failure = ProviderGateway.classify(new ProviderTimeoutException(Duration.ofMillis(1_500)));

        assertEquals(LlmErrorCode.TIMEOUT, failure.code());
        assertFalse(failure.retryable());
        assertTrue(failure.detail().contains("1500 ms"), failure.detail());
    }

    @Test
    void connectionFailuresAreRetryableProviderErrors() {
        Failure refused = ProviderGateway.classify(new ProviderConnectionException(new ConnectException("Connection refused")));
        Failure io = ProviderGateway.classify(new RuntimeException(new IOException("connection reset")));

        assertEquals(LlmErrorCode.PROVIDER_ERROR, refused.code());
        assertTrue(refused.retryable());
        assertTrue(refused.detail().contains("Connection refused"), refused.detail());
        assertEquals(LlmErrorCode.PROVIDER_ERROR, io.code());
        assertTrue(io.retryable());
    }

    @Test
    void anOpenCircuitIsARetryableProviderErrorThatWaits() {
        ProviderGateway.Failure failure = ProviderGateway.classify(
                new org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException("open"));
        assertEquals(LlmErrorCode.PROVIDER_ERROR, failure.code());
        assertTrue(failure.retryable(), "retried once the circuit lets a trial call through");
        assertTrue(failure.circuitOpen());
        assertTrue(failure.detail().contains("circuit breaker open"), failure.detail());
    }

    @Test
    void anUnknownExceptionIsANonRetryableProviderError() {
        Failure failure = ProviderGateway.classify(new IllegalStateException("unexpected token in response"));

        assertEquals(LlmErrorCode.PROVIDER_ERROR, failure.code());
        assertFalse(failure.retryable());
        assertTrue(failure.detail().contains("unexpected token in response"), failure.detail());
        assertEquals(Optional.empty(), failure.retryAfter());
    }
}
