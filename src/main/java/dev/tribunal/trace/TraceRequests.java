package dev.tribunal.trace;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.AssessmentView.SourceView;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Bodies of {@code POST /api/traces}. */
public final class TraceRequests {

    private TraceRequests() {
    }

    /** A batch of 1 to 1000 traces, stored in one transaction. */
    public record TraceBatchRequest(List<TraceRequest> traces) {
    }

    /**
     * One trace. {@code expectations} become Expectation assessments (source HUMAN unless
     * {@code expectation_source} says otherwise).
     */
    public record TraceRequest(
            String traceId,
            JsonNode inputs,
            JsonNode outputs,
            Map<String, JsonNode> expectations,
            ExpectationSource expectationSource,
            Map<String, String> tags,
            Map<String, String> metadata,
            Instant requestTime,
            Long executionDurationMs,
            String state,
            List<SpanRequest> spans) {
    }

    /** Who the expectations come from: {@code source_type} (HUMAN, LLM_JUDGE, CODE) and {@code source_id}. */
    public record ExpectationSource(String sourceType, String sourceId) {

        SourceView view() {
            return new SourceView(sourceType, sourceId);
        }
    }

    /** One span of a trace; {@code span_id} is generated when absent. */
    public record SpanRequest(
            String spanId,
            String parentSpanId,
            String name,
            String spanType,
            Instant startTime,
            Instant endTime,
            String status,
            JsonNode inputs,
            JsonNode outputs,
            Map<String, JsonNode> attributes) {
    }

    /** The ids of the batch in request order; re-sent traces are listed under {@code already_existed}. */
    public record TraceBatchResult(List<String> traceIds, List<String> created, List<String> alreadyExisted) {
    }
}
