package dev.tribunal.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tribunal.system.Json;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;

import java.util.Base64;
import java.util.List;

/** OTLP attribute values as JSON, and the JSON text that instrumentations put inside string attributes. */
final class OtlpAttributes {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

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
            case STRING_VALUE -> NODES.textNode(clean(value.getStringValue()));
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
        try {
            JsonNode node = Json.parseStrict(text);
            return node == null || node.isMissingNode() ? value : node;
        } catch (java.io.IOException e) {
            return value;
        }
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
