package dev.tribunal.otlp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tribunal.system.Json;
import dev.tribunal.trace.SpanRows.SpanRow;
import dev.tribunal.trace.SpanRows.TraceRow;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One OTLP export as rows: its spans, and one row per trace they belong to. Spans that cannot be stored
 * (no valid trace or span id) are counted as refused with the first reason; the rest are kept.
 *
 * @param traces  one row per trace, sorted by trace id (so that concurrent exports lock rows in one order)
 * @param spans   the spans to store, each (trace, span) once
 * @param refused how many spans were refused
 * @param refusal why the first refused span was refused; null when none was
 */
record OtlpBatch(List<TraceRow> traces, List<SpanRow> spans, int refused, String refusal) {

    static final int MAX_SPAN_NAME = 250;
    static final int MAX_TAG_KEY = 250;
    static final int MAX_TAG_VALUE = 4096;
    /** SpanFlags: the span's parent is known to be remote, so the span is its process's root. */
    private static final int HAS_IS_REMOTE = 0x100;
    private static final int IS_REMOTE = 0x200;
    private static final HexFormat HEX = HexFormat.of();

    static OtlpBatch of(ExportTraceServiceRequest request) {
        return of(request, null);
    }

    /**
     * @param experimentId the MLflow experiment the spans were sent to (MLflow's exporter names it in the header
     *                     {@code x-mlflow-experiment-id}), kept in each trace's metadata; null when none was named
     */
    static OtlpBatch of(ExportTraceServiceRequest request, String experimentId) {
        List<SpanRow> spans = new ArrayList<>();
        Map<String, TraceParts> traces = new HashMap<>();
        Set<String> seen = new HashSet<>();
        int refused = 0;
        String refusal = null;
        for (ResourceSpans resourceSpans : request.getResourceSpansList()) {
            Map<String, String> tags = tags(resourceSpans.getResource().getAttributesList());
            for (ScopeSpans scopeSpans : resourceSpans.getScopeSpansList()) {
                String scope = OtlpAttributes.clean(scopeSpans.getScope().getName());
                for (Span span : scopeSpans.getSpansList()) {
                    String problem = problem(span);
                    if (problem != null) {
                        refused++;
                        if (refusal == null) {
                            refusal = problem;
                        }
                        continue;
                    }
                    String traceId = "tr-" + HEX.formatHex(span.getTraceId().toByteArray());
                    String spanId = HEX.formatHex(span.getSpanId().toByteArray());
                    if (!seen.add(traceId + "/" + spanId)) {
                        continue;
                    }
                    Mapped mapped;
                    try {
                        mapped = row(traceId, spanId, span, scope);
                    } catch (RuntimeException e) {
                        // a span whose content cannot be stored is refused alone; the export's other spans are kept
                        refused++;
                        if (refusal == null) {
                            refusal = "span " + spanId + " of trace " + traceId + " could not be read: " + e.getClass().getSimpleName();
                        }
                        continue;
                    }
                    spans.add(mapped.row());
                    traces.computeIfAbsent(traceId, id -> new TraceParts()).add(mapped, span, tags);
                }
            }
        }
        TreeMap<String, TraceParts> sorted = new TreeMap<>(traces);
        List<TraceRow> rows = new ArrayList<>(sorted.size());
        sorted.forEach((id, parts) -> rows.add(parts.row(id, experimentId)));
        return new OtlpBatch(rows, spans, refused, refusal);
    }

    private static String problem(Span span) {
        int traceIdLength = span.getTraceId().size();
        if (traceIdLength == 0) {
            return "a span has no trace id";
        }
        if (traceIdLength != 16 || isZero(span.getTraceId().toByteArray())) {
            return "a span's trace id is not 16 bytes, or is all zeros";
        }
        if (span.getSpanId().size() != 8 || isZero(span.getSpanId().toByteArray())) {
            return "span of trace " + HEX.formatHex(span.getTraceId().toByteArray()) + " has no valid span id (8 bytes, not all zeros)";
        }
        if (!span.getParentSpanId().isEmpty() && span.getParentSpanId().size() != 8) {
            return "span " + HEX.formatHex(span.getSpanId().toByteArray()) + " has a parent span id that is not 8 bytes";
        }
        return null;
    }

    private static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** A span whose parent lives in another process: the root of this process's part of the trace. */
    private static boolean hasRemoteParent(Span span) {
        return !span.getParentSpanId().isEmpty() && (span.getFlags() & (HAS_IS_REMOTE | IS_REMOTE)) == (HAS_IS_REMOTE | IS_REMOTE);
    }

    /**
     * A span as a row, with its attributes as JSON (which the trace's metadata reads from its root) and what it means
     * (which the trace's inputs and outputs read from its root).
     */
    private record Mapped(SpanRow row, ObjectNode attributes, SpanConventions.Meaning meaning) {
    }

    private static Mapped row(String traceId, String spanId, Span span, String scope) {
        ObjectNode attributes = OtlpAttributes.object(span.getAttributesList());
        SpanConventions.Meaning meaning = SpanConventions.read(attributes, span);
        attributes.put("otel.span_kind", span.getKind().name().replace("SPAN_KIND_", ""));
        if (!scope.isEmpty()) {
            attributes.put("otel.scope.name", scope);
        }
        if (!span.getStatus().getMessage().isEmpty()) {
            attributes.put("otel.status_message", OtlpAttributes.clean(span.getStatus().getMessage()));
        }
        String name = OtlpAttributes.clean(span.getName().length() <= MAX_SPAN_NAME ? span.getName() : span.getName().substring(0, MAX_SPAN_NAME));
        OffsetDateTime start = time(span.getStartTimeUnixNano());
        OffsetDateTime end = time(span.getEndTimeUnixNano());
        if (start != null && end != null && end.isBefore(start)) {
            end = start;
        }
        String parent = span.getParentSpanId().isEmpty() ? null : HEX.formatHex(span.getParentSpanId().toByteArray());
        return new Mapped(new SpanRow(traceId, spanId, parent, name, meaning.spanType(), start, end, status(span.getStatus()),
                Json.write(meaning.inputs()), Json.write(meaning.outputs()), attributes.toString()), attributes, meaning);
    }

    private static String status(Status status) {
        return switch (status.getCode()) {
            case STATUS_CODE_OK -> "OK";
            case STATUS_CODE_ERROR -> "ERROR";
            default -> "UNSET";
        };
    }

    private static OffsetDateTime time(long unixNanos) {
        if (unixNanos <= 0) {
            return null;
        }
        return Instant.ofEpochSecond(unixNanos / 1_000_000_000L, unixNanos % 1_000_000_000L).atOffset(ZoneOffset.UTC);
    }

    /** Resource attributes (service.name, deployment.environment, ...) as trace tags, cut to the tag limits. */
    private static Map<String, String> tags(List<KeyValue> attributes) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (KeyValue kv : attributes) {
            JsonNode value = OtlpAttributes.json(kv.getValue());
            if (value == null || kv.getKey().isEmpty() || kv.getKey().length() > MAX_TAG_KEY) {
                continue;
            }
            String text = OtlpAttributes.text(value);
            tags.put(OtlpAttributes.clean(kv.getKey()), text.length() <= MAX_TAG_VALUE ? text : text.substring(0, MAX_TAG_VALUE));
        }
        return tags;
    }

    /**
     * What the spans of one trace in this batch say about it. Its root is the span without a parent; failing
     * that, a span whose parent is remote (the application was called by a traced service that may never send
     * its spans here), which a span without a parent replaces when one arrives.
     */
    private static final class TraceParts {
        private OffsetDateTime earliest;
        private Mapped root;
        private Span rootSpan;
        private boolean rootRemote;
        private final Map<String, String> tags = new LinkedHashMap<>();
        private Map<String, String> rootTags;

        void add(Mapped mapped, Span span, Map<String, String> resourceTags) {
            SpanRow row = mapped.row();
            if (row.startTime() != null && (earliest == null || row.startTime().isBefore(earliest))) {
                earliest = row.startTime();
            }
            boolean parentless = span.getParentSpanId().isEmpty();
            if (parentless && (root == null || rootRemote) || hasRemoteParent(span) && root == null) {
                if (rootTags != null) {
                    rootTags.forEach(tags::putIfAbsent);
                }
                root = mapped;
                rootSpan = span;
                rootRemote = !parentless;
                rootTags = resourceTags;
            } else {
                resourceTags.forEach(tags::putIfAbsent);
            }
        }

        TraceRow row(String traceId, String experimentId) {
            Map<String, String> metadata = new LinkedHashMap<>();
            metadata.put("tribunal.ingest", "otlp");
            if (experimentId != null && !experimentId.isBlank() && experimentId.length() <= MAX_TAG_VALUE) {
                metadata.put(dev.tribunal.trace.MlflowTraceView.EXPERIMENT_KEY, experimentId);
            }
            if (root == null) {
                OffsetDateTime time = earliest == null ? OffsetDateTime.now(ZoneOffset.UTC) : earliest;
                return new TraceRow(traceId, time, null, "IN_PROGRESS", null, null, Json.write(tags), Json.write(metadata), true, false);
            }
            // the root's own resource (its service) names the trace; other services' attributes fill in the rest
            Map<String, String> merged = new LinkedHashMap<>(rootTags);
            tags.forEach(merged::putIfAbsent);
            putText(metadata, "mlflow.trace.session", root.attributes(), "session.id", "gen_ai.conversation.id");
            putText(metadata, "mlflow.trace.user", root.attributes(), "user.id", "enduser.id");
            SpanRow span = root.row();
            OffsetDateTime time = span.startTime() != null ? span.startTime() : earliest != null ? earliest : OffsetDateTime.now(ZoneOffset.UTC);
            Long duration = span.startTime() == null || span.endTime() == null ? null
                    : java.time.Duration.between(span.startTime(), span.endTime()).toMillis();
            String state = rootSpan.getStatus().getCode() == Status.StatusCode.STATUS_CODE_ERROR ? "ERROR" : "OK";
            // the trace reads as a person would: a model call's conversation and answer, not its raw payloads (kept on the span)
            JsonNode inputs = ChatShapes.request(root.meaning().inputs());
            JsonNode outputs = ChatShapes.response(root.meaning().outputs());
            return new TraceRow(traceId, time, duration, state,
                    inputs == root.meaning().inputs() ? span.inputs() : Json.write(inputs),
                    outputs == root.meaning().outputs() ? span.outputs() : Json.write(outputs),
                    Json.write(merged), Json.write(metadata), false, rootRemote);
        }

        private static void putText(Map<String, String> metadata, String key, ObjectNode attributes, String... sources) {
            for (String source : sources) {
                JsonNode value = attributes.get(source);
                if (value != null && !value.isNull()) {
                    String text = OtlpAttributes.text(value);
                    metadata.put(key, text.length() <= MAX_TAG_VALUE ? text : text.substring(0, MAX_TAG_VALUE));
                    return;
                }
            }
        }
    }
}
