package dev.tribunal.trace;

import dev.tribunal.security.Caller;
import dev.tribunal.assessment.Assessment;
import dev.tribunal.assessment.AssessmentFactory;
import dev.tribunal.assessment.AssessmentSource;
import dev.tribunal.assessment.AssessmentSourceType;
import dev.tribunal.system.Ids;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.Json;
import dev.tribunal.system.Times;
import dev.tribunal.trace.TraceRequests.SpanRequest;
import dev.tribunal.trace.TraceRequests.TraceRequest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** Checks an ingest batch and turns it into rows; every broken rule names the trace and field. */
final class TraceFactory {

    static final int MAX_BATCH = 1000;
    static final int MAX_KEY_LENGTH = 250;
    static final int MAX_VALUE_LENGTH = 4096;
    static final int MAX_SPAN_NAME = 250;
    private static final Pattern SPAN_TYPE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,31}");
    private static final Set<String> SPAN_STATUSES = Set.of("OK", "ERROR", "UNSET");

    /** A trace ready to insert, with its spans and expectations. */
    record NewTrace(Trace trace, List<Span> spans, List<Assessment> expectations) {
    }

    private TraceFactory() {
    }

    static List<NewTrace> fromBatch(List<TraceRequest> requests, Caller caller) {
        InvalidRequestException.require(requests != null && !requests.isEmpty(), "'traces' must hold 1 to " + MAX_BATCH + " traces");
        InvalidRequestException.require(requests.size() <= MAX_BATCH,
                "'traces' holds " + requests.size() + " traces; at most " + MAX_BATCH + " per request");
        Instant now = Times.now();
        Set<String> seen = new HashSet<>();
        List<NewTrace> result = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            NewTrace trace = fromRequest(requests.get(i), "traces[" + i + "]", now, caller);
            InvalidRequestException.require(seen.add(trace.trace().traceId),
                    "traces[" + i + "].trace_id '" + trace.trace().traceId + "' appears twice in the batch");
            result.add(trace);
        }
        return result;
    }

    private static NewTrace fromRequest(TraceRequest request, String at, Instant now, Caller caller) {
        InvalidRequestException.require(request != null, at + " must be an object");
        Trace trace = new Trace();
        if (request.traceId() == null) {
            trace.traceId = Ids.newTraceId();
        } else {
            Ids.requireClientId(request.traceId(), at + ".trace_id");
            trace.traceId = request.traceId();
        }
        InvalidRequestException.require(request.inputs() != null && !request.inputs().isNull(), at + ".inputs is required");
        trace.inputs = Json.write(request.inputs());
        trace.outputs = Json.write(request.outputs());
        trace.requestTime = request.requestTime() == null ? now : Times.millis(request.requestTime());
        InvalidRequestException.require(request.executionDurationMs() == null || request.executionDurationMs() >= 0,
                at + ".execution_duration_ms must not be negative");
        trace.executionDurationMs = request.executionDurationMs();
        trace.state = TraceState.parse(request.state(), at + ".state");
        trace.tags = Json.write(stringMap(request.tags(), at + ".tags"));
        trace.metadata = Json.write(stringMap(request.metadata(), at + ".metadata"));
        trace.createdAt = now;

        List<Span> spans = spans(trace.traceId, request.spans(), at);
        List<Assessment> expectations = expectations(trace.traceId, request, at, now, caller);
        return new NewTrace(trace, spans, expectations);
    }

    private static List<Span> spans(String traceId, List<SpanRequest> requests, String at) {
        if (requests == null) {
            return List.of();
        }
        Set<String> ids = new HashSet<>();
        List<Span> spans = new ArrayList<>(requests.size());
        for (int i = 0; i < requests.size(); i++) {
            SpanRequest request = requests.get(i);
            String field = at + ".spans[" + i + "]";
            InvalidRequestException.require(request != null, field + " must be an object");
            Span span = new Span();
            span.traceId = traceId;
            if (request.spanId() == null) {
                span.spanId = Ids.newSpanId();
            } else {
                Ids.requireClientId(request.spanId(), field + ".span_id");
                span.spanId = request.spanId();
            }
            InvalidRequestException.require(ids.add(span.spanId), field + ".span_id '" + span.spanId + "' appears twice in the trace");
            if (request.parentSpanId() != null) {
                Ids.requireClientId(request.parentSpanId(), field + ".parent_span_id");
                span.parentSpanId = request.parentSpanId();
            }
            InvalidRequestException.require(request.name() != null && !request.name().isBlank(), field + ".name is required");
            InvalidRequestException.require(request.name().length() <= MAX_SPAN_NAME,
                    field + ".name is longer than " + MAX_SPAN_NAME + " characters");
            span.name = request.name();
            if (request.spanType() == null || request.spanType().isBlank()) {
                span.spanType = "UNKNOWN";
            } else {
                InvalidRequestException.require(SPAN_TYPE.matcher(request.spanType()).matches(),
                        field + ".span_type must be a word such as LLM, RETRIEVER, TOOL, CHAIN or AGENT");
                span.spanType = request.spanType().toUpperCase(Locale.ROOT);
            }
            span.startTime = Times.millis(request.startTime());
            span.endTime = Times.millis(request.endTime());
            InvalidRequestException.require(span.startTime == null || span.endTime == null || !span.endTime.isBefore(span.startTime),
                    field + ".end_time is before its start_time");
            span.status = request.status() == null ? "UNSET" : request.status().trim().toUpperCase(Locale.ROOT);
            InvalidRequestException.require(SPAN_STATUSES.contains(span.status), field + ".status must be OK, ERROR or UNSET");
            span.inputs = Json.write(request.inputs());
            span.outputs = Json.write(request.outputs());
            span.attributes = Json.write(request.attributes() == null ? Map.of() : request.attributes());
            spans.add(span);
        }
        return spans;
    }

    private static List<Assessment> expectations(String traceId, TraceRequest request, String at, Instant now, Caller caller) {
        if (request.expectations() == null || request.expectations().isEmpty()) {
            InvalidRequestException.require(request.expectationSource() == null || request.expectations() != null,
                    at + ".expectation_source is given without expectations");
            return List.of();
        }
        AssessmentSource source = AssessmentSource.from(request.expectationSource() == null ? null : request.expectationSource().view(),
                AssessmentSourceType.HUMAN);
        List<Assessment> expectations = new ArrayList<>();
        request.expectations().forEach((name, value) -> {
            String field = at + ".expectations." + name;
            InvalidRequestException.require(name.length() <= AssessmentFactory.MAX_NAME_LENGTH,
                    at + ".expectations has a name longer than " + AssessmentFactory.MAX_NAME_LENGTH + " characters");
            InvalidRequestException.require(value != null && !value.isNull(), field + " must have a value, not null");
            expectations.add(AssessmentFactory.expectation(traceId, name, value, source, now, caller));
        });
        return expectations;
    }

    private static Map<String, String> stringMap(Map<String, String> map, String field) {
        if (map == null) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>();
        map.forEach((key, value) -> {
            InvalidRequestException.require(!key.isEmpty() && key.length() <= MAX_KEY_LENGTH,
                    field + " keys must be 1 to " + MAX_KEY_LENGTH + " characters");
            InvalidRequestException.require(value != null, field + "." + key + " must be a string, not null");
            InvalidRequestException.require(value.length() <= MAX_VALUE_LENGTH,
                    field + "." + key + " is longer than " + MAX_VALUE_LENGTH + " characters");
            copy.put(key, value);
        });
        return copy;
    }
}
