package dev.tribunal.llm;

import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.openai.OpenAiChatModel;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One provider's LangChain4j chat models, one per model name and timeout (judges name a handful), all on one pool of
 * connections; and the structured-output requests they are sent.
 */
final class ProviderChatModels {

    private final ProvidersConfig.Provider config;
    private final io.vertx.core.http.HttpClient http;
    private final Map<String, ChatModel> models = new ConcurrentHashMap<>();

    ProviderChatModels(ProvidersConfig.Provider config, io.vertx.core.Vertx vertx) {
        this.config = config;
        this.http = ProviderHttpClient.connections(vertx, config.maxConcurrency());
    }

    /** Closes the provider's connections. */
    void close() {
        http.close();
    }

    /** The model the request names, with the request's timeout or else the provider's. */
    ChatModel model(LlmRequest request) {
        Duration timeout = request.timeout() != null ? request.timeout() : config.timeout();
        return models.computeIfAbsent(request.model().model() + "|" + timeout.toMillis(), key -> build(request.model(), timeout));
    }

    ChatRequest chatRequest(LlmRequest request) {
        return chatRequest(config, request);
    }

    /** The chat request a call is sent as, on a provider with these settings (a batch's lines are written from it too). */
    static ChatRequest chatRequest(ProvidersConfig.Provider config, LlmRequest request) {
        ResponseFormat format = usesJsonSchema(config) && request.schema() != null
                ? ResponseFormat.builder().type(ResponseFormatType.JSON).jsonSchema(request.schema()).build()
                : ResponseFormat.JSON;
        return ChatRequest.builder()
                .messages(SystemMessage.from(request.systemMessage()), UserMessage.from(request.userMessage()))
                .parameters(ChatRequestParameters.builder()
                        .temperature(request.temperature())
                        .maxOutputTokens(request.maxTokens())
                        .responseFormat(format)
                        .build())
                .build();
    }

    private ChatModel build(ModelId model, Duration timeout) {
        OpenAiChatModel.OpenAiChatModelBuilder builder = OpenAiChatModel.builder()
                .httpClientBuilder(ProviderHttpClient.builder(http))
                .baseUrl(config.baseUrl())
                // without a key no Authorization header is sent at all; no key is ever logged
                .apiKey(config.apiKey().filter(k -> !k.isBlank()).orElse(null))
                .modelName(model.model())
                .timeout(timeout)
                // RetryPolicy is the one retry owner
                .maxRetries(0);
        if (usesJsonSchema(config)) {
            builder.supportedCapabilities(Capability.RESPONSE_FORMAT_JSON_SCHEMA).strictJsonSchema(true);
        }
        return builder.build();
    }

    static boolean usesJsonSchema(ProvidersConfig.Provider config) {
        return !"json_object".equalsIgnoreCase(config.structuredOutput());
    }
}
