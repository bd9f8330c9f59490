package dev.tribunal.trace;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.AssessmentView;
import dev.tribunal.system.Json;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A trace in Tribunal's JSON; {@code spans} only on a single-trace read. */
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
        List<AssessmentView> assessments) {

    /** A span in Tribunal's JSON. */
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
            JsonNode attributes) {

        static SpanView of(Span s) {
            return new SpanView(s.spanId, s.parentSpanId, s.name, s.spanType, s.startTime, s.endTime, s.status,
                    Json.read(s.inputs), Json.read(s.outputs), Json.read(s.attributes));
        }
    }

    static TraceView of(Trace t, List<Span> spans, List<AssessmentView> assessments) {
        return new TraceView(t.traceId, t.requestTime, t.executionDurationMs, t.state, Json.read(t.inputs),
                Json.read(t.outputs), Json.readStringMap(t.tags), Json.readStringMap(t.metadata), t.createdAt,
                spans == null ? null : spans.stream().map(SpanView::of).toList(), assessments);
    }
}
