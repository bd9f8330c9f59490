package dev.tribunal.llm;

/** Why a provider call produced no answer. The judge layer adds INVALID_JUDGE_OUTPUT and MISSING_INPUT. */
public enum LlmErrorCode {
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
    SHUTTING_DOWN
}
