package dev.tribunal.trace;

import dev.tribunal.system.Times;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

/**
 * Spans that arrive in parts, as OTLP exporters send them, and the traces they make: an export's spans are stored
 * and merged into their traces in one transaction of two statements (one per table), whatever the export's size (and
 * in a second such transaction when some of its spans were stored before). Spans from several exports, in any order,
 * make one trace; a span sent again is stored once.
 */
@ApplicationScoped
public class SpanRows {

    /** A span ready to insert. Times may be null (not given); JSON columns are JSON text. */
    public record SpanRow(String traceId, String spanId, String parentSpanId, String name, String spanType, OffsetDateTime startTime,
                          OffsetDateTime endTime, String status, String inputs, String outputs, String attributes) {
    }

    /**
     * What an export knows of one trace. Without its root span the trace is IN_PROGRESS and awaits it; with it, the
     * root gives the trace its time, duration, state, inputs and outputs. {@code rootRemote}: the root is a span whose
     * parent is in another process, which a span without a parent may still replace.
     */
    public record TraceRow(String traceId, OffsetDateTime requestTime, Long executionDurationMs, String state, String inputs,
                           String outputs, String tags, String metadata, boolean awaitingRoot, boolean rootRemote) {
    }

    /**
     * A trace new to the database is inserted; one that still awaits its root takes the root's time, duration, state,
     * inputs, outputs and tags when the root arrives, and its created_at becomes now so that sweeps see it from then on.
     * Until then more of its spans may make it earlier or bring tags of other services; when they change nothing the row
     * is left alone (the same spans sent again, or the rest of a long trace, export after export). A root whose parent
     * is remote gives way to a root without a parent (created_at then stays: the sweep's delay covers it). A complete
     * trace (its root stored, or ingested over the REST API) is left as it is.
     */
    private static final String MERGE_TRACES = "insert into trace (trace_id, request_time, execution_duration_ms, state, inputs, outputs, "
            + "tags, metadata, created_at, awaiting_root, root_remote) "
            + "select t.trace_id, t.request_time, t.duration, t.state, t.inputs::jsonb, t.outputs::jsonb, t.tags::jsonb, t.metadata::jsonb, "
            + "$11::timestamptz, t.awaiting_root, t.root_remote "
            + "from unnest($1::text[], $2::timestamptz[], $3::int8[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bool[], "
            + "$10::bool[]) as t(trace_id, request_time, duration, state, inputs, outputs, tags, metadata, awaiting_root, root_remote) "
            + "on conflict (trace_id) do update set "
            + "request_time = case when excluded.awaiting_root then least(trace.request_time, excluded.request_time) else excluded.request_time end, "
            + "execution_duration_ms = excluded.execution_duration_ms, "
            + "state = excluded.state, "
            + "inputs = excluded.inputs, "
            + "outputs = excluded.outputs, "
            + "tags = case when excluded.awaiting_root then excluded.tags || trace.tags else trace.tags || excluded.tags end, "
            + "metadata = trace.metadata || excluded.metadata, "
            + "created_at = case when trace.awaiting_root and not excluded.awaiting_root then excluded.created_at else trace.created_at end, "
            + "awaiting_root = excluded.awaiting_root, "
            + "root_remote = excluded.root_remote "
            + "where trace.awaiting_root and not excluded.awaiting_root "
            + "or trace.awaiting_root and (excluded.request_time < trace.request_time or excluded.tags || trace.tags <> trace.tags "
            + "or trace.metadata || excluded.metadata <> trace.metadata) "
            + "or trace.root_remote and not excluded.awaiting_root and not excluded.root_remote";
    /**
     * The spans, after their traces: the trace rows are locked by then (in trace id order), so two exports with spans of
     * one trace store them one after the other. A plain insert first: a span sent again (an exporter retrying an export
     * that was stored) is rare, and {@code on conflict} costs PostgreSQL an index search, a lock and a WAL record more
     * for every span; a span stored before fails the plain insert (its primary key), and the export is written once
     * more with {@link #INSERT_SPANS_ONCE}, which skips such spans. The arrays are unnested in the select list, which
     * hands their elements on row by row (in step, all arrays being as long); unnest in FROM would first copy each
     * array's elements into a tuplestore of its own.
     */
    private static final String INSERT_SPANS = "insert into span (trace_id, span_id, parent_span_id, name, span_type, start_time, end_time, "
            + "status, inputs, outputs, attributes) "
            + "select unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), unnest($4::text[]), unnest($5::text[]), "
            + "unnest($6::timestamptz[]), unnest($7::timestamptz[]), unnest($8::text[]), unnest($9::text[]), unnest($10::text[]), "
            + "unnest($11::text[])";
    private static final String INSERT_SPANS_ONCE = INSERT_SPANS + " on conflict (trace_id, span_id) do nothing";
    private static final String SPAN_KEY = "span_pkey";
    /** Two exports that touch the same traces may still deadlock on rare interleavings; the loser tries again. */
    private static final int DEADLOCK_RETRIES = 3;

    private final Pool pool;

    SpanRows(Pool pool) {
        this.pool = pool;
    }

    /**
     * Stores spans and merges them into their traces.
     *
     * @param traces one row per trace the spans belong to, sorted by trace id (so that concurrent exports lock rows in
     *               one order)
     * @param spans  the spans, each (trace, span) once
     * @return how many of the spans were new (the others were stored already)
     */
    public Uni<Integer> store(List<TraceRow> traces, List<SpanRow> spans) {
        if (spans.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        List<Object> traceColumns = traceColumns(traces);
        Tuple spanColumns = spanColumns(spans);
        return write(traceColumns, INSERT_SPANS, spanColumns)
                .onFailure(SpanRows::isSpanStoredBefore).recoverWithUni(() -> write(traceColumns, INSERT_SPANS_ONCE, spanColumns))
                .onFailure(SpanRows::isDeadlock).retry().atMost(DEADLOCK_RETRIES);
    }

    /** One transaction: the traces merged, then the spans inserted; how many spans were inserted. */
    private Uni<Integer> write(List<Object> traceColumns, String insertSpans, Tuple spanColumns) {
        // the arrival time is taken once a connection is held, so that waiting for one does not age the trace
        return pool.withTransaction(connection -> connection.preparedQuery(MERGE_TRACES).execute(arrivedNow(traceColumns))
                        .chain(() -> connection.preparedQuery(insertSpans).execute(spanColumns)))
                .map(rows -> rows.rowCount());
    }

    private static Tuple arrivedNow(List<Object> traceColumns) {
        List<Object> values = new ArrayList<>(traceColumns);
        values.add(Times.now().atOffset(ZoneOffset.UTC));
        return Tuple.tuple(values);
    }

    private static List<Object> traceColumns(List<TraceRow> rows) {
        int n = rows.size();
        String[] ids = new String[n];
        OffsetDateTime[] times = new OffsetDateTime[n];
        Long[] durations = new Long[n];
        String[] states = new String[n];
        String[] inputs = new String[n];
        String[] outputs = new String[n];
        String[] tags = new String[n];
        String[] metadata = new String[n];
        Boolean[] awaiting = new Boolean[n];
        Boolean[] remote = new Boolean[n];
        for (int i = 0; i < n; i++) {
            TraceRow row = rows.get(i);
            ids[i] = row.traceId();
            times[i] = row.requestTime();
            durations[i] = row.executionDurationMs();
            states[i] = row.state();
            inputs[i] = row.inputs();
            outputs[i] = row.outputs();
            tags[i] = row.tags();
            metadata[i] = row.metadata();
            awaiting[i] = row.awaitingRoot();
            remote[i] = row.rootRemote();
        }
        return List.of(ids, times, durations, states, inputs, outputs, tags, metadata, awaiting, remote);
    }

    private static Tuple spanColumns(List<SpanRow> rows) {
        int n = rows.size();
        String[] traceIds = new String[n];
        String[] spanIds = new String[n];
        String[] parents = new String[n];
        String[] names = new String[n];
        String[] types = new String[n];
        OffsetDateTime[] starts = new OffsetDateTime[n];
        OffsetDateTime[] ends = new OffsetDateTime[n];
        String[] statuses = new String[n];
        String[] inputs = new String[n];
        String[] outputs = new String[n];
        String[] attributes = new String[n];
        for (int i = 0; i < n; i++) {
            SpanRow row = rows.get(i);
            traceIds[i] = row.traceId();
            spanIds[i] = row.spanId();
            parents[i] = row.parentSpanId();
            names[i] = row.name();
            types[i] = row.spanType();
            starts[i] = row.startTime();
            ends[i] = row.endTime();
            statuses[i] = row.status();
            inputs[i] = row.inputs();
            outputs[i] = row.outputs();
            attributes[i] = row.attributes();
        }
        return Tuple.tuple(List.of(traceIds, spanIds, parents, names, types, starts, ends, statuses, inputs, outputs, attributes));
    }

    private static boolean isSpanStoredBefore(Throwable failure) {
        return failure instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState()) && SPAN_KEY.equals(pg.getConstraint());
    }

    private static boolean isDeadlock(Throwable failure) {
        return failure instanceof io.vertx.pgclient.PgException pg && "40P01".equals(pg.getSqlState());
    }
}
