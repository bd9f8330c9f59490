package dev.tribunal.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.opentelemetry.proto.trace.v1.Span;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a span means under the attribute conventions LLM applications are instrumented with:
 * OpenInference, MLflow tracing, the OpenTelemetry GenAI semantic conventions (current and older), and
 * OpenLLMetry/Traceloop. Attributes that become the span's inputs, outputs or documents are taken out of
 * its attributes, so the same text is not stored twice.
 */
final class SpanConventions {

    /** The span's type, inputs and outputs (JSON, or null when none is known). */
    record Meaning(String spanType, JsonNode inputs, JsonNode outputs) {
    }

    /** OpenInference's span kinds and MLflow's span types; any other value says nothing. */
    private static final java.util.Set<String> KNOWN_TYPES = java.util.Set.of("LLM", "CHAT_MODEL", "CHAIN", "RETRIEVER", "RERANKER",
            "EMBEDDING", "AGENT", "TOOL", "GUARDRAIL", "EVALUATOR", "PROMPT", "PARSER", "MEMORY");
    private static final Pattern INDEXED = Pattern.compile("^(gen_ai\\.prompt|gen_ai\\.completion|retrieval\\.documents)\\.(\\d+)\\.(.+)$");
    private static final Map<String, String> GEN_AI_OPERATIONS = Map.of(
            "chat", "CHAT_MODEL",
            "text_completion", "LLM",
            "generate_content", "LLM",
            "response", "LLM",
            "embeddings", "EMBEDDING",
            "execute_tool", "TOOL",
            "create_agent", "AGENT",
            "invoke_agent", "AGENT",
            "retrieval", "RETRIEVER");
    private static final Map<String, String> TRACELOOP_KINDS = Map.of(
            "workflow", "CHAIN",
            "task", "CHAIN",
            "agent", "AGENT",
            "tool", "TOOL");
    private static final Map<String, String> TRACELOOP_REQUEST_TYPES = Map.of(
            "chat", "CHAT_MODEL",
            "completion", "LLM",
            "embedding", "EMBEDDING",
            "rerank", "RERANKER");
    private static final String[] MODEL_KEYS = {"gen_ai.response.model", "gen_ai.request.model", "llm.model_name", "llm.response.model",
            "llm.request.model"};
    private static final String[] INPUT_TOKEN_KEYS = {"gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens", "llm.token_count.prompt",
            "llm.usage.prompt_tokens"};
    private static final String[] OUTPUT_TOKEN_KEYS = {"gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens",
            "llm.token_count.completion", "llm.usage.completion_tokens"};
    private static final String[] TOTAL_TOKEN_KEYS = {"llm.token_count.total", "llm.usage.total_tokens", "gen_ai.usage.total_tokens"};

    private SpanConventions() {
    }

    /**
     * Reads the span's meaning from its attributes and events; {@code attributes} is the span's attribute
     * object, from which consumed keys are removed and to which {@code tribunal.model} and
     * {@code tribunal.token_usage} are added when the span names a model or token counts.
     */
    static Meaning read(ObjectNode attributes, Span span) {
        String type = spanType(attributes);
        JsonNode inputs = firstOf(
                () -> take(attributes, "input.value", "input.mime_type"),
                () -> takeParsed(attributes, "mlflow.spanInputs"),
                () -> takeParsed(attributes, "gen_ai.input.messages"),
                () -> takeIndexed(attributes, "gen_ai.prompt"),
                () -> eventMessages(span, true),
                () -> takeParsed(attributes, "traceloop.entity.input"));
        JsonNode outputs = firstOf(
                () -> take(attributes, "output.value", "output.mime_type"),
                () -> takeParsed(attributes, "mlflow.spanOutputs"),
                () -> takeParsed(attributes, "gen_ai.output.messages"),
                () -> takeIndexed(attributes, "gen_ai.completion"),
                () -> eventMessages(span, false),
                () -> takeParsed(attributes, "traceloop.entity.output"));
        JsonNode documents = takeIndexed(attributes, "retrieval.documents");
        if (documents != null) {
            // the retrieved documents are what judges see as {{ context }}: the retriever's outputs
            if (outputs != null) {
                attributes.set("output.value", outputs);
            }
            outputs = documents(documents);
            if ("UNKNOWN".equals(type)) {
                type = "RETRIEVER";
            }
        }
        modelAndUsage(attributes);
        return new Meaning(type, inputs, outputs);
    }

    private static String spanType(ObjectNode attributes) {
        String openInference = knownType(text(attributes, "openinference.span.kind"));
        if (openInference != null) {
            return openInference;
        }
        JsonNode mlflowType = OtlpAttributes.parsed(attributes.get("mlflow.spanType"));
        String mlflow = knownType(mlflowType != null && mlflowType.isTextual() ? mlflowType.textValue() : null);
        if (mlflow != null) {
            return mlflow;
        }
        String genAi = lookup(GEN_AI_OPERATIONS, text(attributes, "gen_ai.operation.name"));
        if (genAi != null) {
            return genAi;
        }
        String traceloop = lookup(TRACELOOP_KINDS, text(attributes, "traceloop.span.kind"));
        if (traceloop != null) {
            return traceloop;
        }
        String requestType = lookup(TRACELOOP_REQUEST_TYPES, text(attributes, "llm.request.type"));
        return requestType != null ? requestType : "UNKNOWN";
    }

    private static String lookup(Map<String, String> table, String value) {
        return value == null ? null : table.get(value.trim().toLowerCase(Locale.ROOT));
    }

    private static String knownType(String value) {
        if (value == null) {
            return null;
        }
        String upper = value.trim().toUpperCase(Locale.ROOT);
        return KNOWN_TYPES.contains(upper) ? upper : null;
    }

    private static String text(ObjectNode attributes, String key) {
        JsonNode value = attributes.get(key);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    @SafeVarargs
    private static JsonNode firstOf(java.util.function.Supplier<JsonNode>... sources) {
        for (java.util.function.Supplier<JsonNode> source : sources) {
            JsonNode value = source.get();
            if (value != null && !value.isNull()) {
                return value;
            }
        }
        return null;
    }

    /** OpenInference: the value, parsed when its mime type says JSON. */
    private static JsonNode take(ObjectNode attributes, String key, String mimeTypeKey) {
        JsonNode value = attributes.remove(key);
        return value == null ? null : OtlpAttributes.withMimeType(value, attributes.get(mimeTypeKey));
    }

    private static JsonNode takeParsed(ObjectNode attributes, String key) {
        return OtlpAttributes.parsed(attributes.remove(key));
    }

    /**
     * Attributes such as {@code gen_ai.prompt.0.role}, {@code gen_ai.prompt.0.content} as a list of
     * objects ordered by index ({@code [{"role": ..., "content": ...}]}); null when there are none.
     */
    private static JsonNode takeIndexed(ObjectNode attributes, String prefix) {
        TreeMap<Integer, ObjectNode> items = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            if (!entry.getKey().startsWith(prefix + ".")) {
                continue;
            }
            Matcher m = INDEXED.matcher(entry.getKey());
            if (!m.matches() || !m.group(1).equals(prefix) || m.group(2).length() > 6) {
                continue;
            }
            if (items == null) {
                items = new TreeMap<>();
            }
            items.computeIfAbsent(Integer.parseInt(m.group(2)), i -> OtlpAttributes.newObject()).set(m.group(3), entry.getValue());
            it.remove();
        }
        if (items == null) {
            return null;
        }
        ArrayNode list = OtlpAttributes.newArray();
        items.values().forEach(list::add);
        return list;
    }

    /** OpenInference documents ({@code document.content}, {@code document.id}, ...) as MLflow's retriever documents. */
    private static JsonNode documents(JsonNode indexed) {
        ArrayNode documents = OtlpAttributes.newArray();
        for (JsonNode item : indexed) {
            ObjectNode document = OtlpAttributes.newObject();
            JsonNode content = item.get("document.content");
            document.set("page_content", content == null ? OtlpAttributes.textNode("") : content);
            if (item.has("document.id")) {
                document.set("id", item.get("document.id"));
            }
            if (item.has("document.score")) {
                document.set("score", item.get("document.score"));
            }
            if (item.has("document.metadata")) {
                document.set("metadata", OtlpAttributes.parsed(item.get("document.metadata")));
            }
            documents.add(document);
        }
        return documents;
    }

    /**
     * Messages carried as span events: the older GenAI {@code gen_ai.content.prompt} /
     * {@code gen_ai.content.completion} events, or one event per message ({@code gen_ai.user.message},
     * {@code gen_ai.choice}, ...).
     */
    private static JsonNode eventMessages(Span span, boolean input) {
        ArrayNode messages = null;
        for (Span.Event event : span.getEventsList()) {
            String name = event.getName();
            ObjectNode attributes = OtlpAttributes.object(event.getAttributesList());
            if (input && "gen_ai.content.prompt".equals(name) && attributes.has("gen_ai.prompt")) {
                return OtlpAttributes.parsed(attributes.get("gen_ai.prompt"));
            }
            if (!input && "gen_ai.content.completion".equals(name) && attributes.has("gen_ai.completion")) {
                return OtlpAttributes.parsed(attributes.get("gen_ai.completion"));
            }
            boolean message = input
                    ? name.startsWith("gen_ai.") && name.endsWith(".message") && name.length() > "gen_ai..message".length()
                    : "gen_ai.choice".equals(name);
            if (message) {
                if (messages == null) {
                    messages = OtlpAttributes.newArray();
                }
                ObjectNode item = attributes.deepCopy();
                if (input && !item.has("role")) {
                    item.put("role", OtlpAttributes.clean(name.substring("gen_ai.".length(), name.length() - ".message".length())));
                }
                messages.add(item);
            }
        }
        return messages;
    }

    private static void modelAndUsage(ObjectNode attributes) {
        for (String key : MODEL_KEYS) {
            String model = text(attributes, key);
            if (model != null && !model.isBlank()) {
                attributes.put("tribunal.model", model);
                break;
            }
        }
        Long input = firstNumber(attributes, INPUT_TOKEN_KEYS);
        Long output = firstNumber(attributes, OUTPUT_TOKEN_KEYS);
        Long total = firstNumber(attributes, TOTAL_TOKEN_KEYS);
        if (input == null && output == null && total == null) {
            return;
        }
        ObjectNode usage = attributes.putObject("tribunal.token_usage");
        if (input != null) {
            usage.put("input_tokens", input);
        }
        if (output != null) {
            usage.put("output_tokens", output);
        }
        if (total == null && input != null && output != null) {
            total = input + output;
        }
        if (total != null) {
            usage.put("total_tokens", total);
        }
    }

    private static Long firstNumber(ObjectNode attributes, String[] keys) {
        for (String key : keys) {
            JsonNode value = attributes.get(key);
            if (value != null && value.canConvertToLong() && value.isIntegralNumber()) {
                return value.longValue();
            }
            if (value != null && value.isTextual() && value.textValue().matches("\\d{1,18}")) {
                return Long.parseLong(value.textValue());
            }
        }
        return null;
    }
}
