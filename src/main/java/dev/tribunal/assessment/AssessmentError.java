package dev.tribunal.assessment;

import dev.tribunal.system.InvalidRequestException;

/**
 * Why a judgment could not be made (e.g. {@code RATE_LIMIT_EXCEEDED}, {@code TIMEOUT}). Kept on the
 * Feedback so that a failure is never silently missing nor counted as a pass.
 */
public record AssessmentError(String errorCode, String errorMessage, String stackTrace) {

    public static final int MAX_STACK_TRACE = 10_000;
    static final String TRUNCATION_MARKER = "[Stack trace is truncated]\n...\n";
    static final int MAX_CODE_LENGTH = 250;

    public AssessmentError {
        InvalidRequestException.require(errorCode != null && !errorCode.isBlank(), "feedback.error.error_code is required");
        InvalidRequestException.require(errorCode.length() <= MAX_CODE_LENGTH,
                "feedback.error.error_code is longer than " + MAX_CODE_LENGTH + " characters");
        stackTrace = truncate(stackTrace);
    }

    /** Keeps the end of a long stack trace, where the root cause is, behind a marker. */
    static String truncate(String stackTrace) {
        if (stackTrace == null || stackTrace.length() <= MAX_STACK_TRACE) {
            return stackTrace;
        }
        int keep = MAX_STACK_TRACE - TRUNCATION_MARKER.length();
        return TRUNCATION_MARKER + stackTrace.substring(stackTrace.length() - keep);
    }
}
