package dev.tribunal.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.Assessment;
import dev.tribunal.assessment.AssessmentKind;
import dev.tribunal.assessment.AssessmentRepository;
import dev.tribunal.judge.TraceData;
import dev.tribunal.system.Json;
import dev.tribunal.trace.Span;
import dev.tribunal.trace.TraceService;
import dev.tribunal.trace.TraceService.TraceWithSpans;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** Loads what judges see of traces, then lets the session go before any judge runs. */
@ApplicationScoped
class TraceDataLoader {

    private final TraceService traces;
    private final AssessmentRepository assessments;

    TraceDataLoader(TraceService traces, AssessmentRepository assessments) {
        this.traces = traces;
        this.assessments = assessments;
    }

    @WithSession
    Uni<Map<String, TraceData>> load(Collection<String> traceIds) {
        return traces.loadWithSpans(traceIds)
                .chain(found -> assessments.forTraces(found.keySet())
                        .map(all -> {
                            Map<String, List<Assessment>> byTrace = all.stream().collect(Collectors.groupingBy(a -> a.traceId));
                            Map<String, TraceData> result = new HashMap<>();
                            found.forEach((id, t) -> result.put(id, toData(t, byTrace.getOrDefault(id, List.of()))));
                            return result;
                        }));
    }

    /** The latest valid expectation of each name is the ground truth. */
    private static TraceData toData(TraceWithSpans t, List<Assessment> assessments) {
        Map<String, JsonNode> expectations = new HashMap<>();
        assessments.stream()
                .filter(a -> a.kind == AssessmentKind.EXPECTATION && a.valid)
                .sorted(Comparator.comparing((Assessment a) -> a.createTime).thenComparing(a -> a.id))
                .forEach(a -> expectations.put(a.name, Json.read(a.valueJson)));
        List<TraceData.SpanData> spans = t.spans().stream().map(TraceDataLoader::span).toList();
        return new TraceData(t.trace().traceId, Json.read(t.trace().inputs), Json.read(t.trace().outputs), expectations,
                Json.readStringMap(t.trace().tags), spans);
    }

    private static TraceData.SpanData span(Span s) {
        return new TraceData.SpanData(s.spanId, s.name, s.spanType, Json.read(s.inputs), Json.read(s.outputs));
    }
}
