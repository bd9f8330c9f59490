package dev.tribunal.trace;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.UUID;

/** Spans in PostgreSQL. Callers provide the session. */
@ApplicationScoped
class SpanRepository implements PanacheRepositoryBase<Span, UUID> {

    /**
     * New spans in one statement, however many: their columns go as one array parameter each (an ingest of 1,000
     * traces may bring tens of thousands of spans, far more than entity inserts or a parameter per value could take).
     */
    private static final String INSERT = "insert into span (id, trace_id, span_id, parent_span_id, name, span_type, start_time, "
            + "end_time, status, inputs, outputs, attributes) "
            + "select s.id::uuid, s.trace_id, s.span_id, s.parent_span_id, s.name, s.span_type, s.start_time::timestamptz, "
            + "s.end_time::timestamptz, s.status, s.inputs::jsonb, s.outputs::jsonb, s.attributes::jsonb "
            + "from unnest(cast(:ids as text[]), cast(:traceIds as text[]), cast(:spanIds as text[]), cast(:parents as text[]), "
            + "cast(:names as text[]), cast(:types as text[]), cast(:starts as text[]), cast(:ends as text[]), cast(:statuses as text[]), "
            + "cast(:inputs as text[]), cast(:outputs as text[]), cast(:attributes as text[])) "
            + "as s(id, trace_id, span_id, parent_span_id, name, span_type, start_time, end_time, status, inputs, outputs, attributes)";

    /** Inserts new spans (their traces already written in this transaction). */
    Uni<Void> insertAll(List<Span> spans) {
        if (spans.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = spans.size();
        String[][] columns = new String[12][n];
        for (int i = 0; i < n; i++) {
            Span s = spans.get(i);
            columns[0][i] = s.id.toString();
            columns[1][i] = s.traceId;
            columns[2][i] = s.spanId;
            columns[3][i] = s.parentSpanId;
            columns[4][i] = s.name;
            columns[5][i] = s.spanType;
            columns[6][i] = s.startTime == null ? null : s.startTime.toString();
            columns[7][i] = s.endTime == null ? null : s.endTime.toString();
            columns[8][i] = s.status;
            columns[9][i] = s.inputs;
            columns[10][i] = s.outputs;
            columns[11][i] = s.attributes;
        }
        String[] names = {"ids", "traceIds", "spanIds", "parents", "names", "types", "starts", "ends", "statuses", "inputs", "outputs",
                "attributes"};
        return getSession()
                .chain(session -> {
                    org.hibernate.reactive.mutiny.Mutiny.Query<Object> insert = session.createNativeQuery(INSERT);
                    for (int c = 0; c < names.length; c++) {
                        insert.setParameter(names[c], columns[c]);
                    }
                    return insert.executeUpdate();
                })
                .replaceWithVoid();
    }

    /** The spans of one trace in the order they started. */
    Uni<List<Span>> forTrace(String traceId) {
        return list("traceId", Sort.by("startTime", Sort.NullPrecedence.NULLS_LAST).and("spanId"), traceId);
    }
}
