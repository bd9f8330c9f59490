package dev.tribunal.trace;

import dev.tribunal.system.LeftOut;
import dev.tribunal.system.Page;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.SizedRow;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Spans in PostgreSQL. Entities go through Hibernate (callers provide the session); the pages of a trace's spans are
 * read with plain SQL, sizes first, in the order the spans started (spans without a start time last).
 */
@ApplicationScoped
class SpanRepository implements PanacheRepositoryBase<Span, Span.Key> {

    /** The page token's time for a span without a start time: those come after every span that has one. */
    static final Instant NO_START = Instant.ofEpochMilli(Long.MAX_VALUE);

    private static final String COLUMNS = "span_id, parent_span_id, name, span_type, start_time, end_time, status";
    /** The columns an answer may leave out of a span too large for it, in the order the answer shows them. */
    private static final List<String> LARGE = List.of("inputs", "outputs", "attributes");

    private final Pool pool;

    SpanRepository(Pool pool) {
        this.pool = pool;
    }

    /** Candidates of one page of a trace's spans after {@code after}, with their sizes: one more than {@code maxResults}. */
    Uni<List<SizedRow>> candidates(String traceId, PageToken after, int maxResults) {
        String sql = "select span_id, start_time, answer_bytes from span where trace_id = $1";
        Tuple params = Tuple.of(traceId);
        if (after != null && after.time().equals(NO_START)) {
            sql += " and start_time is null and span_id > $2";
            params.addValue(after.id());
        } else if (after != null) {
            sql += " and (start_time > $2 or (start_time = $2 and span_id > $3) or start_time is null)";
            params.addValue(after.time().atOffset(ZoneOffset.UTC)).addValue(after.id());
        }
        return pool.preparedQuery(sql + " order by start_time nulls last, span_id limit " + (maxResults + 1)).execute(params)
                .map(rows -> {
                    List<SizedRow> sized = new ArrayList<>();
                    rows.forEach(row -> {
                        OffsetDateTime start = row.getOffsetDateTime("start_time");
                        sized.add(new SizedRow(new PageToken(start == null ? NO_START : start.toInstant(), row.getString("span_id")),
                                row.getLong("answer_bytes") + Page.ROW_OVERHEAD));
                    });
                    return sized;
                });
    }

    /** The spans of a trace with these span ids, in the order given, with the large columns named left out (null). */
    Uni<List<Span>> load(String traceId, List<String> spanIds, LeftOut leftOut) {
        String large = LARGE.stream().map(c -> (leftOut.has(c) ? "null" : c + "::text") + " as " + c).collect(Collectors.joining(", "));
        return pool.preparedQuery("select " + COLUMNS + ", " + large + " from span where trace_id = $1 and span_id = any($2)")
                .execute(Tuple.of(traceId, spanIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Span> byId = new HashMap<>();
                    rows.forEach(row -> byId.put(row.getString("span_id"), fromRow(row)));
                    return spanIds.stream().map(byId::get).filter(Objects::nonNull).toList();
                });
    }

    /** The bytes each large column of one span adds to an answer, as answer_bytes counts them. */
    Uni<Map<String, Long>> fieldBytes(String traceId, String spanId) {
        String sizes = LARGE.stream().map(c -> "coalesce(octet_length(" + c + "::text), 0) as " + c).collect(Collectors.joining(", "));
        return pool.preparedQuery("select " + sizes + " from span where trace_id = $1 and span_id = $2")
                .execute(Tuple.of(traceId, spanId))
                .map(rows -> {
                    Map<String, Long> bytes = new LinkedHashMap<>();
                    rows.forEach(row -> LARGE.forEach(c -> bytes.put(c, row.getLong(c))));
                    return bytes;
                });
    }

    /** Every span of these traces, in the order they started, with all their columns. */
    Uni<List<Span>> ofTraces(List<String> traceIds) {
        return pool.preparedQuery("select trace_id, " + COLUMNS + ", inputs::text as inputs, outputs::text as outputs, "
                        + "attributes::text as attributes from span where trace_id = any($1) order by start_time nulls last, span_id")
                .execute(Tuple.of(traceIds.toArray(String[]::new)))
                .map(rows -> {
                    List<Span> found = new java.util.ArrayList<>();
                    rows.forEach(row -> {
                        Span span = fromRow(row);
                        span.traceId = row.getString("trace_id");
                        found.add(span);
                    });
                    return found;
                });
    }

    /** What the spans of these traces add to an answer, in all. */
    Uni<Long> bytesOf(List<String> traceIds) {
        return pool.preparedQuery("select coalesce(sum(answer_bytes), 0) + count(*) * " + Page.ROW_OVERHEAD + " as bytes from span "
                        + "where trace_id = any($1)")
                .execute(Tuple.of(traceIds.toArray(String[]::new)))
                .map(rows -> rows.iterator().next().getLong("bytes"));
    }

    private static Span fromRow(Row row) {
        Span s = new Span();
        s.spanId = row.getString("span_id");
        s.parentSpanId = row.getString("parent_span_id");
        s.name = row.getString("name");
        s.spanType = row.getString("span_type");
        OffsetDateTime start = row.getOffsetDateTime("start_time");
        OffsetDateTime end = row.getOffsetDateTime("end_time");
        s.startTime = start == null ? null : start.toInstant();
        s.endTime = end == null ? null : end.toInstant();
        s.status = row.getString("status");
        s.inputs = row.getString("inputs");
        s.outputs = row.getString("outputs");
        s.attributes = row.getString("attributes");
        return s;
    }

    /**
     * New spans in one statement, however many: their columns go as one array parameter each (an ingest of 1,000
     * traces may bring tens of thousands of spans, far more than entity inserts or a parameter per value could take).
     */
    private static final String INSERT = "insert into span (trace_id, span_id, parent_span_id, name, span_type, start_time, "
            + "end_time, status, inputs, outputs, attributes) "
            + "select s.trace_id, s.span_id, s.parent_span_id, s.name, s.span_type, s.start_time::timestamptz, "
            + "s.end_time::timestamptz, s.status, s.inputs, s.outputs, s.attributes "
            + "from unnest(cast(:traceIds as text[]), cast(:spanIds as text[]), cast(:parents as text[]), "
            + "cast(:names as text[]), cast(:types as text[]), cast(:starts as text[]), cast(:ends as text[]), cast(:statuses as text[]), "
            + "cast(:inputs as text[]), cast(:outputs as text[]), cast(:attributes as text[])) "
            + "as s(trace_id, span_id, parent_span_id, name, span_type, start_time, end_time, status, inputs, outputs, attributes)";

    /** Inserts new spans (their traces already written in this transaction). */
    Uni<Void> insertAll(List<Span> spans) {
        if (spans.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = spans.size();
        String[][] columns = new String[11][n];
        for (int i = 0; i < n; i++) {
            Span s = spans.get(i);
            columns[0][i] = s.traceId;
            columns[1][i] = s.spanId;
            columns[2][i] = s.parentSpanId;
            columns[3][i] = s.name;
            columns[4][i] = s.spanType;
            columns[5][i] = s.startTime == null ? null : s.startTime.toString();
            columns[6][i] = s.endTime == null ? null : s.endTime.toString();
            columns[7][i] = s.status;
            columns[8][i] = s.inputs;
            columns[9][i] = s.outputs;
            columns[10][i] = s.attributes;
        }
        String[] names = {"traceIds", "spanIds", "parents", "names", "types", "starts", "ends", "statuses", "inputs", "outputs",
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
}
