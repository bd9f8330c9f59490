package dev.tribunal.llm;

/**
 * Why a judgment has no verdict: the one vocabulary of the error codes Tribunal itself records (an assessment logged by
 * a client may carry any code). The first ones come from the provider call, the last ones from the judge around it.
 */
public enum ErrorCode {
    /** 429s outlasted the retries. */
    RATE_LIMIT_EXCEEDED,
    /** No answer within the judge's or provider's timeout; the call was abandoned. */
    TIMEOUT,
    /** 5xx, connection failures or a malformed API response, after retries; or the provider's circuit is open. */
    PROVIDER_ERROR,
    /** 401 / 403: not retried; later calls of the same run fail fast. */
    AUTHENTICATION_FAILED,
    /** Any other 4xx, e.g. the prompt is longer than the model's context. */
    PROVIDER_REJECTED,
    /** The call's run was cancelled before the call went out: nothing was asked, nothing is recorded. */
    CANCELLED,
    /** This process is stopping and the call had not gone out: its task goes back to be judged elsewhere. */
    SHUTTING_DOWN,
    /** The model's reply is not valid JSON, or its result is outside the declared type, choices or range. */
    INVALID_JUDGE_OUTPUT,
    /** A value the judge's instructions use is absent from the trace (e.g. no expected_response). */
    MISSING_INPUT,
    /** The judge cannot run in this process: it is no longer loaded, or its provider is not configured. */
    JUDGE_UNAVAILABLE,
    /** A daily cost budget that counts the judgment was spent: no call was made. */
    BUDGET_EXCEEDED,
    /** A waiting sweep's daily budget was spent: nothing was asked, nothing is recorded; the task waits for the next UTC day. */
    BUDGET_DEFERRED,
    /** Something failed around the judgment itself (a task claimed again and again without a result, an unexpected failure). */
    INTERNAL_ERROR
}
