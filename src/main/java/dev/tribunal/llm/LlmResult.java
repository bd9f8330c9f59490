package dev.tribunal.llm;

/** The outcome of a provider call: an answer or an error, both with what they cost. */
public sealed interface LlmResult {

    int attempts();

    long latencyMs();

    /**
     * The model answered; {@code content} is its raw text (to be parsed as the verdict JSON). {@code cachedPromptTokens} are
     * the prompt tokens the provider took from its cache of a recent request's prefix (billed at its cached-input price),
     * included in {@code promptTokens}.
     */
    record Completed(String content, int promptTokens, int cachedPromptTokens, int completionTokens, int attempts, long latencyMs)
            implements LlmResult {
    }

    /** No answer; {@code message} says what happened (status, attempts, last Retry-After). */
    record Failed(ErrorCode code, String message, int attempts, long latencyMs) implements LlmResult {
    }
}
