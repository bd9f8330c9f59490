package dev.tribunal.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.openai.OpenAiChatRequestParameters;
import dev.langchain4j.model.openai.internal.OpenAiUtils;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The providers' Batch API (OpenAI's {@code /v1/files} and {@code /v1/batches}): a batch's requests written as the same
 * chat-completion bodies as online calls, files uploaded and read back, batches created, polled and cancelled, and each
 * line of a batch's output read as the {@link LlmResult} an online call would have had. Every call here is one HTTP
 * exchange: a failure comes back as a failed {@link Uni} ({@link BatchApiException}), for the poller to try again later.
 */
@ApplicationScoped
public class ProviderBatches {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(ProviderBatches.class);

    /** Statuses after which a batch changes no more. */
    public static final Set<String> FINAL = Set.of("completed", "failed", "expired", "cancelled");
    /** Error codes of a batch's lines that were never run (the batch expired or was cancelled first). */
    private static final Set<String> NOT_RUN = Set.of("batch_expired", "batch_cancelled");

    private final ProvidersConfig config;
    private final FailureClassifier classifier;
    private final SecretRedactor redactor;
    private final HttpClient http;
    private final ObjectMapper bodies;
    private final ObjectMapper json = new ObjectMapper();

    ProviderBatches(ProvidersConfig config, JudgeModelClient models) {
        this.config = config;
        this.redactor = models.redactor();
        this.classifier = new FailureClassifier(redactor);
        // the JDK's client: a few exchanges per batch and poll, each bounded as a whole (see send), none waiting for a
        // connection pool's slot
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        ObjectMapper module = CompactRequestBodies.mapper();
        // without LangChain4j's own mapper (a later version moved it), a plain one that leaves out nulls writes the same fields
        this.bodies = module != null ? module : new ObjectMapper().setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);
    }


    /** A batch as the provider reports it. */
    public record BatchState(String id, String status, String outputFileId, String errorFileId, int total, int completed, int failed) {

        public boolean finished() {
            return FINAL.contains(status);
        }
    }

    /** One line of a batch's output or error file: its custom_id and the call's result; {@code result} null when it was never run. */
    public record Line(String customId, LlmResult result) {
    }

    /** A provider's Batch API answered with an error, or could not be reached. */
    public static final class BatchApiException extends RuntimeException {
        private final int status;

        BatchApiException(String message) {
            this(message, 0);
        }

        BatchApiException(String message, int status) {
            super(message, null, false, false);
            this.status = status;
        }

        /** The provider's HTTP status; 0 when it did not answer with one. */
        public int status() {
            return status;
        }
    }

    /** A provider's settings; the provider must be configured. */
    public ProvidersConfig.Provider settings(String provider) {
        ProvidersConfig.Provider settings = config.providers().get(provider);
        if (settings == null) {
            throw new IllegalArgumentException("No provider named " + provider);
        }
        return settings;
    }

    /**
     * One line of a batch's input file: the call's chat-completion body, written by LangChain4j's OpenAI module from the
     * same chat request an online call sends, under {@code custom_id}.
     */
    public String line(String customId, LlmRequest request) {
        ProvidersConfig.Provider settings = settings(request.model().provider());
        ChatRequest chat = ProviderChatModels.chatRequest(settings, request);
        OpenAiChatRequestParameters parameters = OpenAiChatRequestParameters.builder()
                .modelName(request.model().model())
                .temperature(chat.parameters().temperature())
                .maxOutputTokens(chat.parameters().maxOutputTokens())
                .responseFormat(chat.parameters().responseFormat())
                .build();
        // as OpenAiChatModel sends it: not streamed
        Object body = OpenAiUtils.toOpenAiChatRequest(chat, parameters, false, ProviderChatModels.usesJsonSchema(settings))
                .stream(false)
                .build();
        ObjectNode line = json.createObjectNode();
        line.put("custom_id", customId);
        line.put("method", "POST");
        line.put("url", "/v1/chat/completions");
        try {
            line.set("body", json.readTree(bodies.writeValueAsString(body)));
            return json.writeValueAsString(line);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a chat request could not be written as JSON", e);
        }
    }

    /** Uploads a batch's input file ({@code purpose=batch}); its id. */
    public Uni<String> upload(String provider, String jsonl) {
        String boundary = "tribunal-" + UUID.randomUUID();
        String body = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"batch.jsonl\"\r\n"
                + "Content-Type: application/jsonl\r\n\r\n" + jsonl + "\r\n--" + boundary + "--\r\n";
        return send(provider, "POST", "/files", "multipart/form-data; boundary=" + boundary, body.getBytes(StandardCharsets.UTF_8))
                .map(answer -> text(read(answer), "id"));
    }

    /** Creates a batch of an uploaded file's chat-completion requests. */
    public Uni<BatchState> create(String provider, String inputFileId) {
        ObjectNode body = json.createObjectNode();
        body.put("input_file_id", inputFileId);
        body.put("endpoint", "/v1/chat/completions");
        body.put("completion_window", settings(provider).batchCompletionWindow());
        return send(provider, "POST", "/batches", "application/json", body.toString().getBytes(StandardCharsets.UTF_8))
                .map(answer -> state(read(answer)));
    }

    /** Pages of the provider's list of batches read at most while looking for one: 100 each, newest first. */
    private static final int FIND_PAGES = 50;

    /**
     * The batch created from this input file, when the provider has one: a create whose answer was lost (a timeout, a
     * process that died before it recorded the answer) may still have made it. Read from the provider's list of batches,
     * newest first, as far back as {@code since} (an hour's leeway for the two clocks) or {@value #FIND_PAGES} pages.
     */
    public Uni<Optional<BatchState>> find(String provider, String inputFileId, java.time.Instant since) {
        return findFrom(provider, inputFileId, since.minus(Duration.ofHours(1)).getEpochSecond(), null, FIND_PAGES)
                // a provider without the list (its answer: no such path or method) cannot have one found: none is
                .onFailure(failure -> failure instanceof BatchApiException e && (e.status() == 404 || e.status() == 405 || e.status() == 501))
                .recoverWithItem(failure -> {
                    LOG.warnf("Provider %s does not list its batches (%s): a batch whose create had no clear answer is taken as not made",
                            provider, failure.getMessage());
                    return Optional.empty();
                });
    }

    private Uni<Optional<BatchState>> findFrom(String provider, String inputFileId, long since, String after, int pages) {
        String query = "/batches?limit=100" + (after == null ? "" : "&after=" + java.net.URLEncoder.encode(after, StandardCharsets.UTF_8));
        return send(provider, "GET", query, null, null).chain(answer -> {
            JsonNode list = read(answer);
            String last = null;
            boolean older = false;
            for (JsonNode batch : list.path("data")) {
                if (inputFileId.equals(batch.path("input_file_id").asText(null))) {
                    return Uni.createFrom().item(Optional.of(state(batch)));
                }
                last = batch.path("id").asText(null);
                older |= batch.path("created_at").isNumber() && batch.get("created_at").asLong() < since;
            }
            boolean more = list.path("has_more").asBoolean(false) && last != null && !older && pages > 1;
            return more ? findFrom(provider, inputFileId, since, last, pages - 1) : Uni.createFrom().item(Optional.<BatchState>empty());
        });
    }

    /** A batch's status and files. */
    public Uni<BatchState> get(String provider, String batchId) {
        return send(provider, "GET", "/batches/" + batchId, null, null)
                .map(answer -> state(read(answer)));
    }

    /** Asks the provider to cancel a batch; it goes on to {@code cancelling}, then {@code cancelled}. */
    public Uni<BatchState> cancel(String provider, String batchId) {
        return send(provider, "POST", "/batches/" + batchId + "/cancel", null, null)
                .map(answer -> state(read(answer)));
    }

    /** A file's content (a batch's output or error file). */
    public Uni<String> content(String provider, String fileId) {
        return send(provider, "GET", "/files/" + fileId + "/content", null, null);
    }

    /**
     * One line of an output or error file, read as the result an online call would have had: a 200 with a chat completion
     * is its answer (one attempt, no latency of its own); another status is classified as the online call's would be
     * (429 RATE_LIMIT_EXCEEDED, 5xx PROVIDER_ERROR, ...); a 200 that is no chat completion is an unreadable response;
     * a line never run (the batch expired or was cancelled first) has no result. Empty for a line that is not JSON
     * with a custom_id.
     */
    public Optional<Line> read(String provider, String text) {
        JsonNode line;
        try {
            line = json.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return Optional.empty();
        }
        if (line == null || !line.path("custom_id").isTextual()) {
            return Optional.empty();
        }
        String customId = line.get("custom_id").asText();
        JsonNode response = line.path("response");
        JsonNode error = line.path("error");
        if (!response.isObject()) {
            String code = error.path("code").asText("");
            if (NOT_RUN.contains(code)) {
                return Optional.of(new Line(customId, null));
            }
            String detail = brief("batch request failed: " + code + ": " + error.path("message").asText(""));
            return Optional.of(new Line(customId, new LlmResult.Failed(ErrorCode.PROVIDER_ERROR, detail, 1, 0)));
        }
        int status = response.path("status_code").asInt(0);
        JsonNode body = response.path("body");
        if (status != 200) {
            FailureClassifier.Failure failure = classifier.classify(new ProviderHttpException(status, body.isTextual() ? body.asText()
                    : body.toString(), null));
            return Optional.of(new Line(customId, new LlmResult.Failed(failure.code(), failure.detail(), 1, 0)));
        }
        JsonNode message = body.path("choices").path(0).path("message");
        if (!message.isObject()) {
            FailureClassifier.Failure failure = classifier.classify(new IllegalStateException("not a chat completion: "
                    + (body.isTextual() ? body.asText() : body.toString())));
            return Optional.of(new Line(customId, new LlmResult.Failed(failure.code(), failure.detail(), 1, 0)));
        }
        JsonNode usage = body.path("usage");
        return Optional.of(new Line(customId, new LlmResult.Completed(message.path("content").asText(""),
                usage.path("prompt_tokens").asInt(0), usage.path("prompt_tokens_details").path("cached_tokens").asInt(0),
                usage.path("completion_tokens").asInt(0), 1, 0)));
    }

    /** An error's text as stored: one line of at most 300 characters, without the providers' keys. */
    private String brief(String detail) {
        return dev.tribunal.system.ShortText.oneLine(redactor.redact(detail), 300);
    }

    private BatchState state(JsonNode batch) {
        JsonNode counts = batch.path("request_counts");
        return new BatchState(text(batch, "id"), text(batch, "status"), batch.path("output_file_id").isTextual()
                ? batch.get("output_file_id").asText() : null, batch.path("error_file_id").isTextual() ? batch.get("error_file_id").asText()
                : null, counts.path("total").asInt(0), counts.path("completed").asInt(0), counts.path("failed").asInt(0));
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new BatchApiException("the provider's answer has no " + field);
        }
        return value.asText();
    }

    private JsonNode read(String answer) {
        try {
            return json.readTree(answer);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BatchApiException("the provider's answer is not JSON");
        }
    }

    /**
     * The longest an exchange sending {@code bytes} with the provider's API may take before it fails: twice the
     * provider's timeout, and two seconds more per megabyte sent (a file of 200 MB has minutes).
     */
    public Duration exchangeBound(String provider, long bytes) {
        return timeout(settings(provider), bytes).multipliedBy(2);
    }

    private static Duration timeout(ProvidersConfig.Provider settings, long bytes) {
        return settings.timeout().plusSeconds(bytes / 1_000_000L);
    }

    /** One exchange with the provider's API; its body, or a failure naming the status (the provider's keys taken out). */
    private Uni<String> send(String provider, String method, String path, String contentType, byte[] body) {
        ProvidersConfig.Provider settings = settings(provider);
        // the whole exchange is bounded (see exchangeBound), so that a provider that stops answering fails the step
        // instead of holding every later one
        Duration timeout = timeout(settings, body == null ? 0 : body.length);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.baseUrl().replaceAll("/+$", "") + path))
                .timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        settings.apiKey().filter(key -> !key.isBlank()).ifPresent(key -> request.header("Authorization", "Bearer " + key));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return Uni.createFrom().completionStage(() -> http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8)))
                // the request's timeout ends with the answer's headers; its body is bounded here
                .ifNoItem().after(timeout.multipliedBy(2)).failWith(() -> new java.util.concurrent.TimeoutException(
                        "no answer within " + timeout.multipliedBy(2).toSeconds() + " s"))
                .map(response -> {
                    if (response.statusCode() < 200 || response.statusCode() >= 300) {
                        throw new BatchApiException(classifier.classify(new ProviderHttpException(response.statusCode(), response.body(), null))
                                .detail() + " (" + method + " " + path + ")", response.statusCode());
                    }
                    return response.body();
                })
                .onFailure(failure -> !(failure instanceof BatchApiException))
                .transform(failure -> new BatchApiException(classifier.classify(failure).detail() + " (" + method + " " + path + ")"));
    }
}
