package dev.tribunal.judge;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Map;

/** What a judge may see of one trace: loaded from the database, then judged with no session open. */
public record TraceData(
        String traceId,
        JsonNode inputs,
        JsonNode outputs,
        Map<String, JsonNode> expectations,
        Map<String, String> tags,
        List<SpanData> spans) {

    public TraceData {
        expectations = Map.copyOf(expectations);
        tags = Map.copyOf(tags);
        spans = List.copyOf(spans);
    }

    /** One span: its identity and data. */
    public record SpanData(String spanId, String name, String type, JsonNode inputs, JsonNode outputs) {
    }

    /** Outputs of the RETRIEVER spans, in order: the documents the application retrieved. */
    public List<JsonNode> context() {
        return spans.stream()
                .filter(s -> "RETRIEVER".equals(s.type()) && s.outputs() != null)
                .map(SpanData::outputs)
                .toList();
    }
}
