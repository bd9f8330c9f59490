package dev.tribunal.trace;

import dev.tribunal.assessment.AssessmentRows;
import dev.tribunal.assessment.KnownTraces;
import dev.tribunal.system.Json;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import dev.tribunal.system.LeftOut;
import dev.tribunal.system.Page;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.SizedRow;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Traces in PostgreSQL. Entities go through Hibernate (callers provide the session); the answers' traces are read
 * with plain SQL, sizes first, so that columns that do not fit an answer are never read.
 */
@ApplicationScoped
class TraceRepository implements PanacheRepositoryBase<Trace, String>, KnownTraces {

    private static final String COLUMNS = "trace_id, request_time, execution_duration_ms, state, created_at";
    /** The columns an answer may leave out of a trace too large for it, in the order the answer shows them. */
    static final List<String> LARGE = List.of("inputs", "outputs", "tags", "metadata");

    private final Pool pool;

    TraceRepository(Pool pool) {
        this.pool = pool;
    }

    /**
     * The given ids that name a trace. The ids go as one array parameter, never one parameter each: a run
     * names up to 100,000 traces, and PostgreSQL takes at most 65,535 parameters per statement.
     */
    Uni<List<String>> existingIds(Collection<String> traceIds) {
        return getSession()
                .chain(session -> session.createNativeQuery("select trace_id from trace where trace_id = any(:ids)", String.class)
                        .setParameter("ids", traceIds.toArray(String[]::new))
                        .getResultList());
    }

    @Override
    public Uni<Boolean> exists(String traceId) {
        return getSession()
                .chain(session -> session.createNativeQuery("select count(*) from trace where trace_id = :id", Long.class)
                        .setParameter("id", traceId)
                        .getSingleResult())
                .map(count -> count > 0);
    }

    /**
     * Candidates of one page of traces, newest first, with the bytes of their own columns: one more than
     * {@code maxResults}, which tells whether a next page exists. Tag filters use jsonb containment (GIN-indexed).
     */
    Uni<List<SizedRow>> candidates(TraceQuery query, int maxResults) {
        List<Object> params = new ArrayList<>();
        List<String> where = new ArrayList<>();
        if (query.from() != null) {
            where.add("t.request_time >= " + param(params, query.from().atOffset(ZoneOffset.UTC)));
        }
        if (query.to() != null) {
            where.add("t.request_time < " + param(params, query.to().atOffset(ZoneOffset.UTC)));
        }
        // each filter is one parameter however many values it holds: tags as one object the trace's tags must
        // contain, assessment names as arrays
        if (!query.tags().isEmpty()) {
            where.add("t.tags @> cast(" + param(params, Json.write(query.tags())) + "::text as jsonb)");
        }
        if (!query.hasAssessment().isEmpty()) {
            where.add(AssessmentRows.namedEach("t.trace_id", param(params, query.hasAssessment().toArray(String[]::new)) + "::text[]"));
        }
        if (!query.lacksAssessment().isEmpty()) {
            where.add(AssessmentRows.namedNone("t.trace_id", param(params, query.lacksAssessment().toArray(String[]::new)) + "::text[]"));
        }
        if (!query.states().isEmpty()) {
            where.add("t.state = any(" + param(params, query.states().stream().map(Enum::name).toArray(String[]::new)) + "::text[])");
        }
        // values and errors: one condition each, which PostgreSQL may drive from the assessment side when it is rare
        String sources = query.sources().isEmpty() ? null
                : param(params, query.sources().stream().map(Enum::name).toArray(String[]::new)) + "::text[]";
        for (TraceQuery.AssessmentValue value : query.values()) {
            where.add(AssessmentRows.validValue("t.trace_id", param(params, value.name()), param(params, value.value()), sources));
        }
        for (String errored : query.errored()) {
            String condition = AssessmentRows.validError("t.trace_id", errored.equals("true") || errored.equals("false") ? null
                    : param(params, errored), sources);
            where.add(errored.equals("false") ? "not " + condition : condition);
        }
        if (sources != null && query.values().isEmpty() && query.errored().stream().noneMatch(e -> !e.equals("false"))) {
            where.add(AssessmentRows.validFrom("t.trace_id", sources));
        }
        if (query.pageToken() != null) {
            where.add("(t.request_time, t.trace_id) < (" + param(params, query.pageToken().time().atOffset(ZoneOffset.UTC)) + ", "
                    + param(params, query.pageToken().id()) + ")");
        }
        String sql = "select t.trace_id, t.request_time, t.answer_bytes from trace t"
                + (where.isEmpty() ? "" : " where " + String.join(" and ", where))
                + " order by t.request_time desc, t.trace_id desc limit " + (maxResults + 1);
        return plannedForItsValues(sql, params)
                .map(rows -> {
                    List<SizedRow> sized = new ArrayList<>();
                    rows.forEach(row -> sized.add(sizedRow(row)));
                    return sized;
                });
    }

    /**
     * The ids of one page of MLflow's trace search: traces meeting every condition (on alias {@code t}), in the order
     * given, from {@code offset}; one more than {@code limit}, which tells whether a next page exists.
     */
    Uni<List<String>> search(List<String> conditions, List<Object> params, String orderBy, int limit, long offset) {
        String sql = "select t.trace_id from trace t" + (conditions.isEmpty() ? "" : " where " + String.join(" and ", conditions))
                + " order by " + orderBy + " limit " + (limit + 1) + " offset " + offset;
        return plannedForItsValues(sql, params).map(rows -> {
            List<String> ids = new ArrayList<>();
            rows.forEach(row -> ids.add(row.getString("trace_id")));
            return ids;
        });
    }

    /**
     * A filtered search of traces, planned for its own values. The best plan depends on them: a rare or absent value is
     * found through its index first, a common one by reading the newest traces and checking each. A prepared statement's
     * generic plan, chosen for the same text after a few executions, would decide once for all values (and read a
     * million traces for a value that matches none).
     */
    private Uni<io.vertx.mutiny.sqlclient.RowSet<io.vertx.mutiny.sqlclient.Row>> plannedForItsValues(String sql, List<Object> params) {
        return pool.withTransaction(connection -> connection.query("set local plan_cache_mode = force_custom_plan").execute()
                .chain(() -> connection.preparedQuery(sql).execute(Tuple.from(params))));
    }

    /**
     * MLflow's StartTraceV3 merged into the trace table. A trace not stored yet is stored awaiting its root span (which,
     * when it arrives over OTLP, replaces the previews with the whole request and response and gives the times and
     * state); a trace already stored keeps its request and response (filled from the previews where it has none) and
     * takes the info's tags, metadata and, when the info says the trace ended, its state.
     */
    Uni<Void> mergeInfo(String traceId, java.time.Instant requestTime, Long durationMs, String state, String inputs, String outputs,
                        String tags, String metadata) {
        return pool.preparedQuery("insert into trace (trace_id, request_time, execution_duration_ms, state, inputs, outputs, tags, metadata, "
                        + "created_at, awaiting_root, root_remote) values ($1, $2, $3, $4, $5::text::jsonb, $6::text::jsonb, $7::text::jsonb, "
                        + "$8::text::jsonb, now(), true, false) on conflict (trace_id) do update set "
                        + "tags = trace.tags || excluded.tags, metadata = trace.metadata || excluded.metadata, "
                        + "state = case when excluded.state = 'IN_PROGRESS' then trace.state else excluded.state end, "
                        + "inputs = coalesce(trace.inputs, excluded.inputs), outputs = coalesce(trace.outputs, excluded.outputs), "
                        + "execution_duration_ms = coalesce(trace.execution_duration_ms, excluded.execution_duration_ms)")
                .execute(Tuple.tuple(java.util.Arrays.asList(traceId, requestTime.atOffset(ZoneOffset.UTC), durationMs, state, inputs, outputs,
                        tags, metadata)))
                .replaceWithVoid();
    }

    /** Links these traces to an MLflow run (those that exist; a link made before stays); how many exist. */
    Uni<Integer> linkToRun(String runId, List<String> traceIds) {
        return pool.preparedQuery("with found as (select trace_id from trace where trace_id = any($2)), "
                        + "linked as (insert into trace_run_link (run_id, trace_id) select $1, trace_id from found on conflict do nothing) "
                        + "select count(*) as n from found")
                .execute(Tuple.of(runId, traceIds.toArray(String[]::new)))
                .map(rows -> rows.iterator().next().getLong("n").intValue());
    }

    /** Those of these traces whose tags hold every one of {@code tags} (GIN-indexed containment). */
    Uni<Set<String>> withTags(Collection<String> traceIds, Map<String, String> tags) {
        return pool.preparedQuery("select trace_id from trace where trace_id = any($1) and tags @> cast($2::text as jsonb)")
                .execute(Tuple.of(traceIds.toArray(String[]::new), Json.write(tags)))
                .map(rows -> {
                    Set<String> found = new HashSet<>();
                    rows.forEach(row -> found.add(row.getString("trace_id")));
                    return found;
                });
    }

    /** One trace's sort key and the bytes of its own columns; null when there is no such trace. */
    Uni<SizedRow> sized(String traceId) {
        return pool.preparedQuery("select trace_id, request_time, answer_bytes from trace where trace_id = $1")
                .execute(Tuple.of(traceId))
                .map(rows -> rows.rowCount() == 0 ? null : sizedRow(rows.iterator().next()));
    }

    /** The traces of these ids in the order given, with the large columns named left out (null). */
    Uni<List<Trace>> load(List<String> ids, LeftOut leftOut) {
        String large = LARGE.stream().map(c -> (leftOut.has(c) ? "null" : c + "::text") + " as " + c).collect(Collectors.joining(", "));
        return pool.preparedQuery("select " + COLUMNS + ", " + large + " from trace where trace_id = any($1)")
                .execute(Tuple.of(ids.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Trace> byId = new HashMap<>();
                    rows.forEach(row -> {
                        Trace t = fromRow(row);
                        t.inputs = row.getString("inputs");
                        t.outputs = row.getString("outputs");
                        t.tags = row.getString("tags");
                        t.metadata = row.getString("metadata");
                        byId.put(t.traceId, t);
                    });
                    return ids.stream().map(byId::get).filter(Objects::nonNull).toList();
                });
    }

    /** The bytes each large column of one trace adds to an answer, as answer_bytes counts them. */
    Uni<Map<String, Long>> fieldBytes(String traceId) {
        String sizes = LARGE.stream().map(c -> "coalesce(octet_length(" + c + "::text), 0) as " + c).collect(Collectors.joining(", "));
        return pool.preparedQuery("select " + sizes + " from trace where trace_id = $1")
                .execute(Tuple.of(traceId))
                .map(rows -> {
                    Map<String, Long> bytes = new LinkedHashMap<>();
                    rows.forEach(row -> LARGE.forEach(c -> bytes.put(c, row.getLong(c))));
                    return bytes;
                });
    }

    /**
     * A trace as MLflow's trace info shows it: the first {@code previewLength} characters of the inputs' and outputs'
     * JSON text, and the tags and metadata when together they take at most {@code allowance} bytes (else null). Null
     * when there is no such trace.
     */
    Uni<Trace> preview(String traceId, int previewLength, long allowance) {
        return pool.preparedQuery("select " + COLUMNS + ", left(inputs::text, $2) as inputs, left(outputs::text, $2) as outputs, "
                        + "case when octet_length(tags::text) + octet_length(metadata::text) <= $3 then tags::text end as tags, "
                        + "case when octet_length(tags::text) + octet_length(metadata::text) <= $3 then metadata::text end as metadata "
                        + "from trace where trace_id = $1")
                .execute(Tuple.of(traceId, previewLength, allowance))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    Trace t = fromRow(row);
                    t.inputs = row.getString("inputs");
                    t.outputs = row.getString("outputs");
                    t.tags = row.getString("tags");
                    t.metadata = row.getString("metadata");
                    return t;
                });
    }

    private static SizedRow sizedRow(Row row) {
        return new SizedRow(new PageToken(row.getOffsetDateTime("request_time").toInstant(), row.getString("trace_id")),
                row.getLong("answer_bytes") + Page.ROW_OVERHEAD);
    }

    private static Trace fromRow(Row row) {
        Trace t = new Trace();
        t.traceId = row.getString("trace_id");
        t.requestTime = row.getOffsetDateTime("request_time").toInstant();
        t.executionDurationMs = row.getLong("execution_duration_ms");
        t.state = TraceState.valueOf(row.getString("state"));
        t.createdAt = row.getOffsetDateTime("created_at").toInstant();
        return t;
    }

    private static String param(List<Object> params, Object value) {
        params.add(value);
        return "$" + params.size();
    }
}
