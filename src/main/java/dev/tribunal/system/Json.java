package dev.tribunal.system;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * JSON text as stored in PostgreSQL {@code jsonb} columns, to and from Jackson trees. Columns are
 * mapped as text so that a JSON string value is never confused with the text of a document.
 */
public final class Json {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** For text from outside (model replies, trace outputs): one document, nothing after it, no key twice. */
    private static final ObjectMapper STRICT = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    /** For JSON a client sends inside a string: as strictly as request bodies, its text checked too. */
    private static final ObjectMapper CLIENT = com.fasterxml.jackson.databind.json.JsonMapper.builder(
                    com.fasterxml.jackson.core.JsonFactory.builder().inputDecorator(StrictJsonInput.INSTANCE).build())
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();
    private static final TypeReference<LinkedHashMap<String, String>> STRING_MAP = new TypeReference<>() {
    };

    private Json() {
    }

    /** JSON text of a node; null for no value (absent or JSON null), which is stored as SQL NULL. */
    public static String write(JsonNode node) {
        return node == null || node.isMissingNode() || node.isNull() ? null : node.toString();
    }

    public static String write(Map<String, ?> map) {
        try {
            return MAPPER.writeValueAsString(map == null ? Map.of() : map);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Not serializable as JSON", e);
        }
    }

    public static String write(java.util.List<?> list) {
        try {
            return MAPPER.writeValueAsString(list);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Not serializable as JSON", e);
        }
    }

    public static JsonNode read(String json) {
        if (json == null) {
            return null;
        }
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Stored JSON is unreadable", e);
        }
    }

    /**
     * Parses text that must be exactly one JSON document: empty text, text after the document and
     * duplicate keys are errors.
     */
    public static JsonNode parseStrict(String text) throws JsonProcessingException {
        JsonNode node = STRICT.readTree(text);
        if (node == null || node.isMissingNode()) {
            throw new com.fasterxml.jackson.core.JsonParseException(null, "no JSON document, the text is empty");
        }
        return node;
    }

    /**
     * Parses text that a client sent as JSON, as strictly as a request body (one document, no key twice, no half
     * surrogate pair); a clear 400 when it is not.
     */
    public static JsonNode parseClientJson(String json, String field) {
        return parseClientJson(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), field);
    }

    /** The same for bytes, whose UTF-8 is checked too. */
    public static JsonNode parseClientJson(byte[] json, String field) {
        try {
            JsonNode node = CLIENT.readTree(json);
            if (node == null || node.isMissingNode()) {
                throw new InvalidRequestException(field + " must hold a JSON document, but it is empty");
            }
            return node;
        } catch (java.io.IOException e) {
            String reason = JsonPaths.duplicateKey(e)
                    .orElseGet(() -> e instanceof JsonProcessingException processing ? processing.getOriginalMessage() : e.getMessage());
            throw new InvalidRequestException(field + " is not valid JSON: " + reason);
        }
    }

    public static Map<String, String> readStringMap(String json) {
        if (json == null) {
            return Map.of();
        }
        try {
            return MAPPER.readValue(json, STRING_MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Stored JSON is unreadable", e);
        }
    }
}
