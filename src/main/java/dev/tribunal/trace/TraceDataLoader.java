package dev.tribunal.trace;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.AssessmentRows;
import dev.tribunal.judge.TraceData;
import dev.tribunal.system.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Traces for judging: what judges see of a batch of traces, in three queries (traces, their spans, their valid
 * expectations, the last asked of the assessment feature), on a connection that is returned before any judge runs.
 */
@ApplicationScoped
public class TraceDataLoader {

    private static final String TRACES = "select trace_id, inputs::text as inputs, outputs::text as outputs, tags::text as tags "
            + "from trace where trace_id = any($1)";
    private static final String SPANS = "select trace_id, span_id, name, span_type, inputs::text as inputs, outputs::text as outputs "
            + "from span where trace_id = any($1) order by trace_id, start_time nulls last, span_id";

    private final Pool pool;

    TraceDataLoader(Pool pool) {
        this.pool = pool;
    }

    /** The traces by id; an id that names no trace is absent. */
    public Uni<Map<String, TraceData>> load(Collection<String> traceIds) {
        Tuple ids = Tuple.of(traceIds.toArray(String[]::new));
        return pool.withConnection(connection -> connection.preparedQuery(TRACES).execute(ids)
                .chain(traces -> connection.preparedQuery(SPANS).execute(ids)
                        .chain(spans -> AssessmentRows.expectations(connection, traceIds)
                                .map(expectationsByTrace -> {
                                    Map<String, List<TraceData.SpanData>> spansByTrace = new HashMap<>();
                                    spans.forEach(row -> spansByTrace.computeIfAbsent(row.getString("trace_id"), k -> new ArrayList<>())
                                            .add(span(row)));
                                    Map<String, TraceData> result = new HashMap<>();
                                    traces.forEach(row -> {
                                        String id = row.getString("trace_id");
                                        result.put(id, new TraceData(id, Json.read(row.getString("inputs")), Json.read(row.getString("outputs")),
                                                expectationsByTrace.getOrDefault(id, Map.<String, JsonNode>of()),
                                                Json.readStringMap(row.getString("tags")), spansByTrace.getOrDefault(id, List.of())));
                                    });
                                    return result;
                                }))));
    }

    private static TraceData.SpanData span(Row row) {
        return new TraceData.SpanData(row.getString("span_id"), row.getString("name"), row.getString("span_type"),
                Json.read(row.getString("inputs")), Json.read(row.getString("outputs")));
    }
}
