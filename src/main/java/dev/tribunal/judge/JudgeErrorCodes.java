package dev.tribunal.judge;

/** Error codes a judgment can end with besides the provider's ({@link dev.tribunal.llm.LlmErrorCode}). */
public final class JudgeErrorCodes {

    /** The model's reply is not valid JSON, or its result is outside the declared type, choices or range. */
    public static final String INVALID_JUDGE_OUTPUT = "INVALID_JUDGE_OUTPUT";
    /** A value the judge's instructions use is absent from the trace (e.g. no expected_response). */
    public static final String MISSING_INPUT = "MISSING_INPUT";
    /** The judge cannot run in this process: it is no longer loaded, or its provider is not configured. */
    public static final String JUDGE_UNAVAILABLE = "JUDGE_UNAVAILABLE";

    private JudgeErrorCodes() {
    }
}
