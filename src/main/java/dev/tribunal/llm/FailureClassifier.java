package dev.tribunal.llm;

import dev.tribunal.llm.ProviderHttpClient.ProviderConnectionException;
import dev.tribunal.llm.ProviderHttpClient.ProviderTimeoutException;
import org.eclipse.microprofile.faulttolerance.exceptions.CircuitBreakerOpenException;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;

/**
 * What a failed provider call means: its {@link ErrorCode}, whether another attempt may help, how long the
 * provider asked us to wait, and a description fit to be stored, without any provider key echoed into it.
 */
final class FailureClassifier {

    /** Stored error text is one line of at most this many characters. */
    private static final int MAX_DETAIL = 300;

    private final SecretRedactor redactor;

    FailureClassifier(SecretRedactor redactor) {
        this.redactor = redactor;
    }

    /**
     * What went wrong with one attempt, and whether another attempt may help.
     *
     * @param detail one line, redacted, at most {@value #MAX_DETAIL} characters
     * @param circuitOpen the call was not made: the provider's circuit is open
     */
    record Failure(ErrorCode code, String detail, boolean retryable, Optional<Duration> retryAfter, boolean circuitOpen) {
    }

    /** The first exception in the cause chain that says what happened decides. */
    Failure classify(Throwable error) {
        Failure failure = classifyUnredacted(error);
        return new Failure(failure.code(), brief(redactor.redact(failure.detail())), failure.retryable(), failure.retryAfter(),
                failure.circuitOpen());
    }

    /** Failures a circuit breaker counts: the provider is down, not the request wrong. */
    static boolean isOutage(Throwable error) {
        ErrorCode code = classifyUnredacted(error).code();
        return code == ErrorCode.PROVIDER_ERROR || code == ErrorCode.TIMEOUT;
    }

    private static Failure classifyUnredacted(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ProviderTimeoutException timeout) {
                return failure(ErrorCode.TIMEOUT, "provider gave " + timeout.getMessage(), false, Optional.empty());
            }
            if (t instanceof CircuitBreakerOpenException) {
                // retried once the circuit lets a trial call through, within the call's retries
                return new Failure(ErrorCode.PROVIDER_ERROR, "circuit breaker open after repeated provider failures; not called",
                        true, Optional.empty(), true);
            }
            if (t instanceof ProviderHttpException http) {
                return httpFailure(http);
            }
            if (t instanceof ProviderConnectionException || t instanceof IOException) {
                return failure(ErrorCode.PROVIDER_ERROR, "connection failed: " + oneLine(t.getMessage()), true, Optional.empty());
            }
        }
        return failure(ErrorCode.PROVIDER_ERROR, "unreadable provider response: " + oneLine(error.getClass().getSimpleName()
                + (error.getMessage() == null ? "" : ": " + error.getMessage())), false, Optional.empty());
    }

    private static Failure httpFailure(ProviderHttpException http) {
        int status = http.statusCode();
        String detail = "HTTP " + status + " " + oneLine(http.getMessage());
        if (status == 429) {
            return failure(ErrorCode.RATE_LIMIT_EXCEEDED, detail, true, http.retryAfter());
        }
        if (status == 401 || status == 403) {
            return failure(ErrorCode.AUTHENTICATION_FAILED, detail, false, Optional.empty());
        }
        if (status == 408 || status >= 500) {
            return failure(ErrorCode.PROVIDER_ERROR, detail, true, http.retryAfter());
        }
        return failure(ErrorCode.PROVIDER_REJECTED, detail, false, Optional.empty());
    }

    private static Failure failure(ErrorCode code, String detail, boolean retryable, Optional<Duration> retryAfter) {
        return new Failure(code, detail, retryable, retryAfter, false);
    }

    private static String oneLine(String text) {
        return text == null ? "" : dev.tribunal.system.ShortText.oneLine(text, Integer.MAX_VALUE);
    }

    /** At most {@value #MAX_DETAIL} characters: cut after redacting, so that no cut-off key escapes it. */
    private static String brief(String text) {
        return text == null ? "" : dev.tribunal.system.ShortText.oneLine(text, MAX_DETAIL);
    }
}
