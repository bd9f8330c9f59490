package dev.tribunal.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;

import java.util.Base64;
import java.util.List;

/**
 * OTLP attribute values as JSON, and the JSON text that instrumentations put inside string attributes. Whatever
 * an export holds, the result is something PostgreSQL stores and Tribunal reads back: no NUL character, no text
 * longer than {@link #MAX_TEXT} characters, no JSON nested deeper than {@link #MAX_DEPTH}.
 */
final class OtlpAttributes {

    /**
     * Longer texts are cut, with a note of how much was cut: a prompt or a document of a million characters is
     * far beyond what a judge reads, and the cut bounds the memory one span can take.
     */
    static final int MAX_TEXT = 1_000_000;
    /** JSON inside a string that nests deeper than this stays a string. */
    static final int MAX_DEPTH = 64;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** JSON inside a string is read as strictly as a body: one holding half a surrogate pair, say, stays a string. */
    private static final ObjectMapper EMBEDDED_JSON = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
                    .inputDecorator(dev.tribunal.system.StrictJsonInput.INSTANCE)
                    .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private OtlpAttributes() {
    }

    /** Attributes as one flat JSON object keyed by attribute key (dotted keys are kept as they are). */
    static ObjectNode object(List<KeyValue> attributes) {
        ObjectNode object = NODES.objectNode();
        for (KeyValue kv : attributes) {
            JsonNode value = json(kv.getValue());
            if (value != null) {
                object.set(clean(kv.getKey()), value);
            }
        }
        return object;
    }

    /** An attribute value as JSON; null for an empty value. */
    static JsonNode json(AnyValue value) {
        return switch (value.getValueCase()) {
            case STRING_VALUE -> NODES.textNode(clean(cut(value.getStringValue())));
            case BOOL_VALUE -> NODES.booleanNode(value.getBoolValue());
            case INT_VALUE -> NODES.numberNode(value.getIntValue());
            case DOUBLE_VALUE -> Double.isFinite(value.getDoubleValue())
                    ? NODES.numberNode(value.getDoubleValue()) : NODES.textNode(Double.toString(value.getDoubleValue()));
            case BYTES_VALUE -> NODES.textNode(Base64.getEncoder().encodeToString(value.getBytesValue().toByteArray()));
            case ARRAY_VALUE -> {
                ArrayNode array = NODES.arrayNode();
                value.getArrayValue().getValuesList().forEach(v -> array.add(nullToJson(json(v))));
                yield array;
            }
            case KVLIST_VALUE -> object(value.getKvlistValue().getValuesList());
            case VALUE_NOT_SET -> null;
        };
    }

    /** Text as PostgreSQL stores it: it refuses the NUL character in text and in JSON, so that becomes U+FFFD. */
    static String clean(String text) {
        return text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
    }

    /** A value as a tag: strings as they are, anything else as its JSON text. */
    static String text(JsonNode value) {
        return value.isTextual() ? value.textValue() : value.toString();
    }

    /**
     * What a string attribute carries: the JSON document it holds when it is one (instrumentations
     * serialize objects and message lists into strings), else the string itself.
     */
    static JsonNode parsed(JsonNode value) {
        if (value == null || !value.isTextual()) {
            return value;
        }
        String text = value.textValue().strip();
        if (text.isEmpty() || "{[\"".indexOf(text.charAt(0)) < 0 && !looksLikeScalar(text)) {
            return value;
        }
        JsonNode node;
        try {
            node = EMBEDDED_JSON.readTree(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            return value;
        }
        if (node == null || node.isMissingNode()) {
            return value;
        }
        // an escaped NUL (\u0000) is a NUL once parsed
        return text.contains("\\u0000") ? cleanTree(node) : node;
    }

    private static JsonNode cleanTree(JsonNode node) {
        if (node.isTextual()) {
            return NODES.textNode(clean(node.textValue()));
        }
        if (node.isArray()) {
            ArrayNode array = NODES.arrayNode();
            node.forEach(item -> array.add(cleanTree(item)));
            return array;
        }
        if (node.isObject()) {
            ObjectNode object = NODES.objectNode();
            node.fields().forEachRemaining(field -> object.set(clean(field.getKey()), cleanTree(field.getValue())));
            return object;
        }
        return node;
    }

    /** Text cut to {@link #MAX_TEXT} characters, saying so. */
    static String cut(String text) {
        if (text.length() <= MAX_TEXT) {
            return text;
        }
        int end = Character.isHighSurrogate(text.charAt(MAX_TEXT - 1)) ? MAX_TEXT - 1 : MAX_TEXT;
        return text.substring(0, end) + " [... " + (text.length() - end) + " more characters not stored]";
    }

    /** The string itself, unless the mime type says it is JSON (OpenInference's {@code *.mime_type}). */
    static JsonNode withMimeType(JsonNode value, JsonNode mimeType) {
        if (value != null && value.isTextual() && mimeType != null && mimeType.isTextual()
                && mimeType.textValue().toLowerCase(java.util.Locale.ROOT).contains("json")) {
            return parsed(value);
        }
        return value;
    }

    private static boolean looksLikeScalar(String text) {
        return "true".equals(text) || "false".equals(text) || "null".equals(text);
    }

    private static JsonNode nullToJson(JsonNode value) {
        return value == null ? NODES.nullNode() : value;
    }

    static TextNode textNode(String text) {
        return NODES.textNode(text);
    }

    static ObjectNode newObject() {
        return NODES.objectNode();
    }

    static ArrayNode newArray() {
        return NODES.arrayNode();
    }
}
