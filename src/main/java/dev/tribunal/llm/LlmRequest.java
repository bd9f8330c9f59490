package dev.tribunal.llm;

import dev.langchain4j.model.chat.request.json.JsonSchema;

import java.time.Duration;

/**
 * One structured-output chat call.
 *
 * @param schema the JSON schema the answer must follow
 * @param timeout null for the provider's timeout
 * @param scope calls sharing a scope (a run) fail fast together once the provider rejects the credentials
 */
public record LlmRequest(
        ModelId model,
        String systemMessage,
        String userMessage,
        JsonSchema schema,
        Double temperature,
        Integer maxTokens,
        Duration timeout,
        String scope) {

    /** Completion tokens counted for a call whose judge sets no max_tokens (a verdict and a rationale fit well within). */
    public static final int DEFAULT_COMPLETION_TOKENS = 400;
}
