package dev.tribunal.trace;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.AssessmentView;
import dev.tribunal.system.Json;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A trace in Tribunal's JSON; {@code spans} only on a single-trace read.
 *
 * @param truncated the fields left out because the trace alone is larger than an answer may hold
 *                  ({@code tribunal.api.max-answer-bytes}): {@code inputs}, {@code outputs}, {@code tags},
 *                  {@code metadata}
 * @param spansNextPageToken present when not every span fitted the answer: the rest come from
 *                           {@code GET /api/traces/{trace_id}/spans?page_token=...}
 * @param assessmentsNextPageToken present when not every assessment fitted the answer: the rest come from
 *                                 {@code GET /api/traces/{trace_id}/assessments?page_token=...}
 */
public record TraceView(
        String traceId,
        Instant requestTime,
        Long executionDurationMs,
        TraceState state,
        JsonNode inputs,
        JsonNode outputs,
        Map<String, String> tags,
        Map<String, String> metadata,
        Instant createdAt,
        List<SpanView> spans,
        List<AssessmentView> assessments,
        List<String> truncated,
        String spansNextPageToken,
        String assessmentsNextPageToken) {

    /**
     * A span in Tribunal's JSON.
     *
     * @param truncated the fields left out because the span alone is larger than an answer may hold: {@code inputs},
     *                  {@code outputs}, {@code attributes}
     */
    public record SpanView(
            String spanId,
            String parentSpanId,
            String name,
            String spanType,
            Instant startTime,
            Instant endTime,
            String status,
            JsonNode inputs,
            JsonNode outputs,
            JsonNode attributes,
            List<String> truncated) {

        static SpanView of(Span s, List<String> truncated) {
            return new SpanView(s.spanId, s.parentSpanId, s.name, s.spanType, s.startTime, s.endTime, s.status,
                    Json.read(s.inputs), Json.read(s.outputs), Json.read(s.attributes), truncated);
        }
    }

    static TraceView of(Trace t, List<String> truncated, List<SpanView> spans, String spansNextPageToken, List<AssessmentView> assessments,
                        String assessmentsNextPageToken) {
        return new TraceView(t.traceId, t.requestTime, t.executionDurationMs, t.state, Json.read(t.inputs),
                Json.read(t.outputs), t.tags == null ? null : Json.readStringMap(t.tags), t.metadata == null ? null : Json.readStringMap(t.metadata),
                t.createdAt, spans, assessments, truncated, spansNextPageToken, assessmentsNextPageToken);
    }
}
