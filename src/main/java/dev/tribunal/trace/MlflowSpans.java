package dev.tribunal.trace;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tribunal.system.Json;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Spans as MLflow's client reads them from {@code batchGet}: OpenTelemetry's {@code Span} message in protobuf's JSON
 * mapping (ids as base64 bytes, times as strings of nanoseconds), each attribute a string holding JSON, as MLflow
 * writes its own: {@code mlflow.spanInputs}, {@code mlflow.spanOutputs}, {@code mlflow.spanType} and
 * {@code mlflow.traceRequestId} (the trace's own id, whatever its form). A trace that came without spans is given one
 * root span holding its request and response, so that MLflow's {@code request} and {@code response} read them.
 */
final class MlflowSpans {

    static final String REQUEST_ID = "mlflow.traceRequestId";
    static final String INPUTS = "mlflow.spanInputs";
    static final String OUTPUTS = "mlflow.spanOutputs";
    static final String TYPE = "mlflow.spanType";
    private static final Pattern MLFLOW_TRACE_ID = Pattern.compile("tr-([0-9a-f]{32})");
    private static final Pattern SPAN_ID = Pattern.compile("[0-9a-f]{16}");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private MlflowSpans() {
    }

    /** The spans of one trace, its root given the trace's request and response where the root has none. */
    static List<JsonNode> of(Trace trace, List<Span> spans) {
        if (spans.isEmpty()) {
            return List.of(root(trace));
        }
        return spans.stream().map(span -> {
            boolean root = span.parentSpanId == null || span.parentSpanId.isEmpty();
            return span(trace.traceId, span, root && span.inputs == null ? trace.inputs : span.inputs,
                    root && span.outputs == null ? trace.outputs : span.outputs);
        }).toList();
    }

    private static JsonNode root(Trace trace) {
        Span span = new Span();
        Map<String, String> tags = trace.tags == null ? Map.of() : Json.readStringMap(trace.tags);
        span.spanId = HexFormat.of().formatHex(digest(trace.traceId), 0, 8);
        span.name = tags.getOrDefault("mlflow.traceName", "trace");
        span.spanType = "CHAIN";
        span.startTime = trace.requestTime;
        span.endTime = trace.executionDurationMs == null ? null : trace.requestTime.plusMillis(trace.executionDurationMs);
        span.status = trace.state == TraceState.ERROR ? "ERROR" : trace.state == TraceState.OK ? "OK" : "UNSET";
        return span(trace.traceId, span, trace.inputs, trace.outputs);
    }

    private static JsonNode span(String traceId, Span span, String inputs, String outputs) {
        ObjectNode node = NODES.objectNode();
        node.put("trace_id", Base64.getEncoder().encodeToString(traceIdBytes(traceId)));
        node.put("span_id", Base64.getEncoder().encodeToString(spanIdBytes(span.spanId)));
        if (span.parentSpanId != null && !span.parentSpanId.isEmpty()) {
            node.put("parent_span_id", Base64.getEncoder().encodeToString(spanIdBytes(span.parentSpanId)));
        }
        node.put("name", span.name);
        if (span.startTime != null) {
            node.put("start_time_unix_nano", Long.toString(nanos(span.startTime)));
        }
        if (span.endTime != null) {
            node.put("end_time_unix_nano", Long.toString(nanos(span.endTime)));
        }
        Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put(REQUEST_ID, Json.write(NODES.textNode(traceId)));
        attributes.put(TYPE, Json.write(NODES.textNode(span.spanType == null ? "UNKNOWN" : span.spanType)));
        if (inputs != null) {
            attributes.put(INPUTS, inputs);
        }
        if (outputs != null) {
            attributes.put(OUTPUTS, outputs);
        }
        JsonNode own = span.attributes == null ? null : Json.read(span.attributes);
        if (own != null && own.isObject()) {
            own.fields().forEachRemaining(e -> attributes.putIfAbsent(e.getKey(), e.getValue().toString()));
        }
        ArrayNode list = node.putArray("attributes");
        attributes.forEach((key, value) -> list.addObject().put("key", key).putObject("value").put("string_value", value));
        node.putObject("status").put("code", switch (span.status == null ? "UNSET" : span.status) {
            case "OK" -> "STATUS_CODE_OK";
            case "ERROR" -> "STATUS_CODE_ERROR";
            default -> "STATUS_CODE_UNSET";
        });
        return node;
    }

    /** An MLflow trace id {@code tr-<32 hex>} is its OpenTelemetry trace id; any other is given one from its hash. */
    static byte[] traceIdBytes(String traceId) {
        java.util.regex.Matcher m = MLFLOW_TRACE_ID.matcher(traceId);
        return m.matches() ? HexFormat.of().parseHex(m.group(1)) : java.util.Arrays.copyOf(digest(traceId), 16);
    }

    private static byte[] spanIdBytes(String spanId) {
        return SPAN_ID.matcher(spanId).matches() ? HexFormat.of().parseHex(spanId) : java.util.Arrays.copyOf(digest(spanId), 8);
    }

    private static long nanos(Instant instant) {
        return instant.getEpochSecond() * 1_000_000_000L + instant.getNano();
    }

    private static byte[] digest(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
