package dev.tribunal.llm;

import dev.tribunal.llm.FailureClassifier.Failure;
import dev.tribunal.llm.ProviderHttpClient.ProviderConnectionException;
import dev.tribunal.llm.ProviderHttpClient.ProviderTimeoutException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FailureClassifierTest {

    private static final String KEY = "sk-proj-4f8a2c9e7b1d6a3f5e0c8b2d";
    private static final FailureClassifier CLASSIFIER = new FailureClassifier(new SecretRedactor(List.of(KEY)));

    @Test
    void a429IsARetryableRateLimitThatKeepsItsRetryAfter() {
        Failure failure = CLASSIFIER.classify(new ProviderHttpException(429, "Rate limit reached", Duration.ofSeconds(3)));

        assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, failure.code());
        assertTrue(failure.retryable());
        assertEquals(Optional.of(Duration.ofSeconds(3)), failure.retryAfter());
        assertTrue(failure.detail().contains("429"), failure.detail());
    }

    @Test
    void rejectedCredentialsAreNotRetried() {
        for (int status : new int[] {401, 403}) {
            Failure failure = CLASSIFIER.classify(new ProviderHttpException(status, "Incorrect API key provided", null));
            assertEquals(ErrorCode.AUTHENTICATION_FAILED, failure.code(), "HTTP " + status);
            assertFalse(failure.retryable(), "HTTP " + status);
            assertTrue(failure.detail().contains(Integer.toString(status)), failure.detail());
        }
    }

    @Test
    void aBadRequestIsRejectedWithoutRetry() {
        Failure failure = CLASSIFIER.classify(new ProviderHttpException(400,
                "This model's maximum context length is 8192 tokens", null));

        assertEquals(ErrorCode.PROVIDER_REJECTED, failure.code());
        assertFalse(failure.retryable());
        assertTrue(failure.detail().contains("maximum context length"), failure.detail());
    }

    @Test
    void serverErrorsAreRetryable() {
        for (int status : new int[] {500, 502, 503}) {
            Failure failure = CLASSIFIER.classify(new ProviderHttpException(status, "upstream unavailable", null));
            assertEquals(ErrorCode.PROVIDER_ERROR, failure.code(), "HTTP " + status);
            assertTrue(failure.retryable(), "HTTP " + status);
        }
    }

    @Test
    void theCauseChainIsSearched() {
        Throwable wrapped = new RuntimeException("call failed",
                new CompletionException(new ProviderHttpException(429, "slow down", Duration.ofMillis(250))));
        Throwable wrappedAuth = new ExecutionException(new ProviderHttpException(401, "bad key", null));

        Failure failure = CLASSIFIER.classify(wrapped);
        assertEquals(ErrorCode.RATE_LIMIT_EXCEEDED, failure.code());
        assertTrue(failure.retryable());
        assertEquals(Optional.of(Duration.ofMillis(250)), failure.retryAfter());
        assertEquals(ErrorCode.AUTHENTICATION_FAILED, CLASSIFIER.classify(wrappedAuth).code());
        assertEquals(ErrorCode.TIMEOUT,
                CLASSIFIER.classify(new RuntimeException(new ProviderTimeoutException(Duration.ofSeconds(2)))).code());
    }

    @Test
    void aTimeoutIsATimeout() {
        Failure failure = CLASSIFIER.classify(new ProviderTimeoutException(Duration.ofMillis(1_500)));

        assertEquals(ErrorCode.TIMEOUT, failure.code());
        assertFalse(failure.retryable());
        assertTrue(failure.detail().contains("1500 ms"), failure.detail());
    }

    @Test
    void connectionFailuresAreRetryableProviderErrors() {
        Failure refused = CLASSIFIER.classify(new ProviderConnectionException(new ConnectException("Connection refused")));
        Failure io = CLASSIFIER.classify(new RuntimeException(new IOException("connection reset")));

        assertEquals(ErrorCode.PROVIDER_ERROR, refused.code());
        assertTrue(refused.retryable());
        assertTrue(refused.detail().contains("Connection refused"), refused.detail());
        assertEquals(ErrorCode.PROVIDER_ERROR, io.code());
        assertTrue(io.retryable());
    }

    @Test
    void anOpenCircuitIsARetryableProviderErrorThatWaits() {
        Failure failure = CLASSIFIER.classify(
                new CircuitBreakerOpenException("open"));
        assertEquals(ErrorCode.PROVIDER_ERROR, failure.code());
        assertTrue(failure.retryable(), "retried once the circuit lets a trial call through");
        assertTrue(failure.circuitOpen());
        assertTrue(failure.detail().contains("circuit breaker open"), failure.detail());
    }

    @Test
    void anUnknownExceptionIsANonRetryableProviderError() {
        Failure failure = CLASSIFIER.classify(new IllegalStateException("unexpected token in response"));

        assertEquals(ErrorCode.PROVIDER_ERROR, failure.code());
        assertFalse(failure.retryable());
        assertTrue(failure.detail().contains("unexpected token in response"), failure.detail());
        assertEquals(Optional.empty(), failure.retryAfter());
    }

    @Test
    void aKeyTheProviderEchoesIsRedactedFromTheDetail() {
        Failure failure = CLASSIFIER.classify(new ProviderHttpException(401,
                "Incorrect API key provided: " + KEY + ". You can find your API key at https://platform.openai.com", null));

        assertFalse(failure.detail().contains(KEY), failure.detail());
        assertFalse(failure.detail().contains(KEY.substring(0, 14)), "no part of the key: " + failure.detail());
        assertTrue(failure.detail().contains("Incorrect API key provided: " + SecretRedactor.MASK), failure.detail());
    }

    @Test
    void aKeyInAConnectionErrorOrAnUnreadableResponseIsRedacted() {
        Failure refused = CLASSIFIER.classify(new ProviderConnectionException(new ConnectException("refused by proxy for Bearer " + KEY)));
        Failure unreadable = CLASSIFIER.classify(new IllegalStateException("unexpected token near \"" + KEY + "\""));

        assertFalse(refused.detail().contains(KEY), refused.detail());
        assertTrue(refused.detail().contains(SecretRedactor.MASK), refused.detail());
        assertFalse(unreadable.detail().contains(KEY), unreadable.detail());
    }

    @Test
    void theDetailIsOneLineOfAtMost300CharactersCutAfterRedacting() {
        // "HTTP 400 " and 286 characters, then the key across the cut: cut first, its first five characters would be left, too few to recognise
        String body = "x".repeat(285) + " " + KEY + "\n\n" + "y".repeat(500);
        Failure failure = CLASSIFIER.classify(new ProviderHttpException(400, body, null));

        assertFalse(failure.detail().contains("\n"), failure.detail());
        assertTrue(failure.detail().length() <= 303, failure.detail().length() + " characters");
        assertTrue(failure.detail().endsWith("..."), failure.detail());
        assertFalse(failure.detail().contains("sk-pr"), failure.detail());
    }

    @Test
    void onlyOutagesCountAgainstTheProvider() {
        assertTrue(FailureClassifier.isOutage(new ProviderHttpException(503, "unavailable", null)));
        assertTrue(FailureClassifier.isOutage(new ProviderTimeoutException(Duration.ofSeconds(1))));
        assertTrue(FailureClassifier.isOutage(new ProviderConnectionException(new ConnectException("Connection refused"))));
        assertFalse(FailureClassifier.isOutage(new ProviderHttpException(400, "bad request", null)), "the request was wrong");
        assertFalse(FailureClassifier.isOutage(new ProviderHttpException(401, "bad key", null)), "the key was wrong");
        assertFalse(FailureClassifier.isOutage(new ProviderHttpException(429, "slow down", null)), "throttled, not down");
    }
}
