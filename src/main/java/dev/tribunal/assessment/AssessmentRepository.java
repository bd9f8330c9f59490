package dev.tribunal.assessment;

import dev.tribunal.system.LeftOut;
import dev.tribunal.system.Page;
import dev.tribunal.system.PageReader;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Assessments in PostgreSQL. Entities go through Hibernate (callers provide the session: services carry
 * {@code @WithSession}); the pages of answers are read with plain SQL, sizes first (see {@link PageReader}), and so are
 * the judgments that the meta-evaluation compares, without a session.
 */
@ApplicationScoped
public class AssessmentRepository implements PanacheRepositoryBase<Assessment, String> {

    private static final String COLUMNS = "assessment_id, trace_id, span_id, name, kind, error_code, source_type, source_id, create_time, "
            + "last_update_time, overrides, valid, run_id, mlflow_run_id, task_id";
    /** The characters JSON escapes in a text: a control character (as up to 6 bytes), a quote, a backslash. */
    private static final String TEXT_ESCAPES = "'[\\x01-\\x1f\"\\\\]'";
    /**
     * The columns an answer may leave out of an assessment too large for it, in the order the answer shows them, with
     * the SQL of their size as the answer_bytes column counts it.
     */
    private static final Map<String, String> LARGE = new LinkedHashMap<>();

    static {
        LARGE.put("value", "coalesce(octet_length(value::text) + regexp_count(value::text, '[\"\\\\]'), 0)");
        for (String text : List.of("rationale", "error_message", "stack_trace")) {
            LARGE.put(text, "coalesce(octet_length(" + text + ") + 5 * regexp_count(" + text + ", " + TEXT_ESCAPES + "), 0)");
        }
        LARGE.put("metadata", "octet_length(metadata::text)");
    }

    /** How the JSON columns are read: as their text. */
    private static final Map<String, String> READ = Map.of("value", "value::text", "metadata", "metadata::text");

    private final Pool pool;

    AssessmentRepository(Pool pool) {
        this.pool = pool;
    }

    Uni<Assessment> findOnTrace(String traceId, String assessmentId) {
        return find("id = ?1 and traceId = ?2", assessmentId, traceId).firstResult();
    }

    /** Whether any assessment other than {@code excludedId} still overrides {@code targetId}. */
    Uni<Boolean> isOverriddenByAnother(String targetId, String excludedId) {
        return count("overrides = ?1 and id <> ?2", targetId, excludedId).map(count -> count > 0);
    }

    /** Every assessment of the given traces, oldest first: for traces whose assessments' sizes are known to fit an answer. */
    Uni<List<Assessment>> forTraces(Collection<String> traceIds) {
        if (traceIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return pool.preparedQuery("select " + COLUMNS + ", " + large(LeftOut.nothing(0)) + " from assessment where trace_id = any($1) "
                        + "and " + AssessmentQuery.notChallenger("") + " order by create_time, assessment_id")
                .execute(Tuple.of(traceIds.toArray(String[]::new)))
                .map(rows -> {
                    List<Assessment> found = new ArrayList<>();
                    rows.forEach(row -> found.add(fromRow(row)));
                    return found;
                });
    }

    /**
     * Candidates of one page of {@code GET /api/assessments}, newest first, with their sizes: one more than
     * {@code maxResults}, which tells whether a next page exists.
     */
    Uni<List<SizedRow>> candidates(AssessmentQuery query, int maxResults) {
        List<Object> params = new ArrayList<>();
        List<String> where = new ArrayList<>();
        if (query.traceId() != null) {
            where.add("trace_id = " + param(params, query.traceId()));
        }
        if (query.name() != null) {
            where.add("name = " + param(params, query.name()));
        }
        if (query.sourceType() != null) {
            where.add("source_type = " + param(params, query.sourceType().name()));
        }
        if (query.sourceId() != null) {
            where.add("source_id = " + param(params, query.sourceId()));
        }
        if (query.mlflowRunId() != null) {
            where.add("mlflow_run_id = " + param(params, query.mlflowRunId()));
        }
        if (query.runId() != null) {
            where.add("run_id = " + param(params, query.runId()));
        }
        if (query.valid() != null) {
            where.add("valid = " + param(params, query.valid()));
        }
        if (query.hasError() != null) {
            where.add(query.hasError() ? "error_code is not null" : "error_code is null");
        }
        if (query.maxAgreement() != null) {
            // written by Tribunal as a share: the verdicts of several samples or of a jury (any other text is no agreement)
            String agreement = "metadata ->> '" + dev.tribunal.judge.JudgeRunner.AGREEMENT_KEY + "'";
            where.add("(case when " + agreement + " ~ '^(0|1)(\\.[0-9]+)?$' then (" + agreement + ")::float8 end) <= "
                    + param(params, query.maxAgreement()));
        }
        if (!query.includeChallengers()) {
            where.add(AssessmentQuery.notChallenger(""));
        }
        PageToken after = query.pageToken();
        if (after != null) {
            where.add("(create_time, assessment_id) < (" + param(params, utc(after)) + ", " + param(params, after.id()) + ")");
        }
        return sized("select create_time, assessment_id, answer_bytes from assessment"
                + (where.isEmpty() ? "" : " where " + String.join(" and ", where))
                + " order by create_time desc, assessment_id desc limit " + (maxResults + 1), Tuple.from(params));
    }

    /** Candidates of one page of a trace's assessments, oldest first (as a trace shows them), with their sizes. */
    Uni<List<SizedRow>> candidatesOfTrace(String traceId, PageToken after, int maxResults, boolean includeChallengers) {
        String sql = "select create_time, assessment_id, answer_bytes from assessment where trace_id = $1"
                + (includeChallengers ? "" : " and " + AssessmentQuery.notChallenger(""))
                + (after == null ? "" : " and (create_time, assessment_id) > ($2, $3)")
                + " order by create_time, assessment_id limit " + (maxResults + 1);
        return sized(sql, after == null ? Tuple.of(traceId) : Tuple.of(traceId, utc(after), after.id()));
    }

    /** What the assessments of each trace add to an answer that lists the trace with them; traces without any are absent. */
    Uni<Map<String, Long>> bytesByTrace(List<String> traceIds) {
        return byKey("select trace_id, sum(answer_bytes) + count(*) * " + Page.ROW_OVERHEAD
                + " as bytes from assessment where trace_id = any($1) and " + AssessmentQuery.notChallenger("") + " group by trace_id", traceIds, "trace_id", row -> row.getLong("bytes"));
    }

    /** The assessments of these ids in the order given, with the large columns named left out (null). */
    Uni<List<Assessment>> load(List<String> ids, LeftOut leftOut) {
        return pool.preparedQuery("select " + COLUMNS + ", " + large(leftOut) + " from assessment where assessment_id = any($1)")
                .execute(Tuple.of(ids.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Assessment> byId = new HashMap<>();
                    rows.forEach(row -> byId.put(row.getString("assessment_id"), fromRow(row)));
                    return ids.stream().map(byId::get).filter(Objects::nonNull).toList();
                });
    }

    /** The bytes each large column of one assessment adds to an answer, as answer_bytes counts them. */
    Uni<Map<String, Long>> fieldBytes(String assessmentId) {
        String sizes = LARGE.entrySet().stream().map(e -> e.getValue() + " as " + e.getKey()).collect(Collectors.joining(", "));
        return pool.preparedQuery("select " + sizes + " from assessment where assessment_id = $1")
                .execute(Tuple.of(assessmentId))
                .map(rows -> {
                    Map<String, Long> bytes = new LinkedHashMap<>();
                    rows.forEach(row -> LARGE.keySet().forEach(field -> bytes.put(field, row.getLong(field))));
                    return bytes;
                });
    }

    /**
     * A value whose JSON text is longer than this many bytes is read as a short label that names it: its first 200
     * characters, its size and its MD5. Reading every value whole would take the memory of every judgment's text;
     * two such values are the same label when their JSON text is the same.
     */
    static final int MAX_LABEL_BYTES = 1024;
    private static final String LABEL = "case when octet_length(a.value::text) <= " + MAX_LABEL_BYTES + " then a.value::text "
            + "else to_jsonb(left(a.value #>> '{}', 200) || '… (' || octet_length(a.value::text) || ' bytes, md5 ' || md5(a.value::text) || ')')::text "
            + "end as value";
    private static final String JUDGMENTS = "select a.assessment_id, a.create_time, a.trace_id, a.source_type, a.source_id, "
            + "left(a.metadata->>'tribunal.judge.version', 250) as version, "
            + LABEL + ", a.error_code, a.metadata->>'tribunal.latency_ms' as latency, "
            + "coalesce((a.metadata->>'tribunal.tokens.prompt')::bigint, 0) + coalesce((a.metadata->>'tribunal.tokens.completion')::bigint, 0) as tokens, "
            + "a.metadata->>'mlflow.assessment.judgeCost' as cost, a.metadata->>'tribunal.agreement' as agreement, "
            + "not " + AssessmentQuery.notChallenger("a.") + " as challenger "
            + "from assessment a "
            + "where a.name = $1 and a.kind = 'FEEDBACK' and a.source_type in ('LLM_JUDGE', 'CODE') and " + AssessmentQuery.standsForComparison("a.")
            + " and (cardinality($2::text[]) = 0 or a.run_id = any($2) or a.mlflow_run_id = any($2)) "
            + "order by a.create_time, a.assessment_id";
    private static final String REFERENCES = "select a.trace_id, " + LABEL + " from assessment a "
            + "where a.name = $1 and a.kind = $2 and ($2 = 'EXPECTATION' or a.source_type = 'HUMAN') and a.valid and a.error_code is null "
            + "and a.value is not null "
            + "order by a.create_time, a.assessment_id";
    /**
     * Names judges have given verdicts under, each with the traces whose valid verdict of a judge (not an error) has a
     * valid label of a person under the same name.
     */
    private static final String JUDGED_NAMES = "select j.name, count(distinct h.trace_id) as compared from assessment j "
            + "left join assessment h on h.trace_id = j.trace_id and h.name = j.name and h.kind = 'FEEDBACK' and h.source_type = 'HUMAN' "
            + "and h.valid and h.error_code is null and " + AssessmentQuery.standsForComparison("j.") + " and j.error_code is null "
            + "where j.kind = 'FEEDBACK' and j.source_type in ('LLM_JUDGE', 'CODE') group by j.name order by j.name limit 500";
    /** The oldest trace a judge of the name judged that no person has labelled yet. */
    private static final String NEXT_TO_LABEL = "select a.trace_id from assessment a where a.name = $1 and a.kind = 'FEEDBACK' "
            + "and a.source_type in ('LLM_JUDGE', 'CODE') and a.valid and not exists (select 1 from assessment h where h.trace_id = a.trace_id "
            + "and h.name = $1 and h.kind = 'FEEDBACK' and h.source_type = 'HUMAN' and h.valid) order by a.create_time, a.trace_id limit 1";

    /**
     * A judge's valid feedback under a name, with the figures a comparison of judges reads from its metadata.
     *
     * @param value     the value's JSON text, or the short label of a long one (see {@link #MAX_LABEL_BYTES})
     * @param version   {@code tribunal.judge.version}, if any
     * @param latencyMs {@code tribunal.latency_ms} as written, if any
     * @param tokens    prompt and completion tokens together (0 when unknown)
     * @param cost      {@code mlflow.assessment.judgeCost} as written, if any
     * @param agreement {@code tribunal.agreement} as written (a verdict of several samples or of a jury), if any
     */
    public record Judgment(String assessmentId, Instant createTime, String traceId, AssessmentSourceType sourceType, String sourceId,
                           String version, String value, String errorCode, String latencyMs, long tokens, String cost, String agreement,
                           boolean challenger) {
    }

    /**
     * A run's result on one trace: the valid assessment of each task (not a jury's members), its value as JSON text or
     * its error, and its metadata.
     */
    public record RunVerdict(String assessmentId, String traceId, String sourceId, String value, String errorCode, String errorMessage,
                             String rationale, Map<String, String> metadata) {
    }

    private static final String RUN_VERDICTS = "select assessment_id, trace_id, source_id, value::text as value, error_code, "
            + "error_message, rationale, metadata::text as metadata from assessment where run_id = $1 and task_id is not null "
            + "and task_part = 0 and valid order by source_id, trace_id";

    /** The valid results of a run's tasks, by model and trace. */
    public Uni<List<RunVerdict>> verdictsOfRun(String runId) {
        return pool.preparedQuery(RUN_VERDICTS).execute(Tuple.of(runId))
                .map(rows -> {
                    List<RunVerdict> found = new ArrayList<>();
                    rows.forEach(row -> found.add(new RunVerdict(row.getString("assessment_id"), row.getString("trace_id"),
                            row.getString("source_id"), row.getString("value"), row.getString("error_code"), row.getString("error_message"),
                            row.getString("rationale"), dev.tribunal.system.Json.readStringMap(row.getString("metadata")))));
                    return found;
                });
    }

    /** A reference's value on a trace: its JSON text, or the short label of a long one. */
    public record Reference(String traceId, String value) {
    }

    /** A name judges have given verdicts under, with the traces on which a person's valid label can be compared with one. */
    public record JudgedName(String name, long compared) {
    }

    /** The MLflow runs (at most {@code limit}, the latest first) whose clients logged assessments of this name. */
    public Uni<List<String>> mlflowRunsOf(String name, int limit) {
        return pool.preparedQuery("select mlflow_run_id from assessment where name = $1 and mlflow_run_id is not null "
                        + "group by mlflow_run_id order by max(create_time) desc limit $2")
                .execute(Tuple.of(name, limit))
                .map(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getString("mlflow_run_id")));
                    return ids;
                });
    }

    /**
     * The valid feedback of judges (LLM and code) under {@code name}, oldest first; of these runs only (Tribunal's judge
     * runs or MLflow's evaluation runs), unless none is named.
     */
    public Uni<List<Judgment>> judgments(String name, String[] runIds) {
        return pool.preparedQuery(JUDGMENTS).execute(Tuple.of(name, runIds))
                .map(rows -> {
                    List<Judgment> found = new ArrayList<>();
                    rows.forEach(row -> found.add(new Judgment(row.getString("assessment_id"), row.getOffsetDateTime("create_time").toInstant(),
                            row.getString("trace_id"), AssessmentSourceType.valueOf(row.getString("source_type")), row.getString("source_id"),
                            row.getString("version"), row.getString("value"), row.getString("error_code"), row.getString("latency"),
                            row.getLong("tokens"), row.getString("cost"), row.getString("agreement"),
                            Boolean.TRUE.equals(row.getBoolean("challenger")))));
                    return found;
                });
    }

    /**
     * The valid references of a name, oldest first: a person's feedback without error ({@code FEEDBACK}) or an
     * expectation ({@code EXPECTATION}). A trace may come more than once; its latest counts.
     */
    public Uni<List<Reference>> references(String name, AssessmentKind kind) {
        return pool.preparedQuery(REFERENCES).execute(Tuple.of(name, kind.name()))
                .map(rows -> {
                    List<Reference> found = new ArrayList<>();
                    rows.forEach(row -> found.add(new Reference(row.getString("trace_id"), row.getString("value"))));
                    return found;
                });
    }

    private static final String LATEST_HUMAN = "select distinct on (trace_id) trace_id, " + LABEL + " from assessment a "
            + "where a.name = $1 and a.trace_id = any($2) and a.kind = 'FEEDBACK' and a.source_type = 'HUMAN' and a.valid "
            + "and a.error_code is null order by a.trace_id, a.create_time desc, a.assessment_id desc";

    /** The latest valid feedback of a person under a name on each of these traces that has one: its value's JSON text, by trace. */
    public Uni<Map<String, String>> latestHumanFeedback(String name, Collection<String> traceIds) {
        return pool.preparedQuery(LATEST_HUMAN).execute(Tuple.of(name, traceIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, String> found = new java.util.HashMap<>();
                    rows.forEach(row -> found.put(row.getString("trace_id"), row.getString("value")));
                    return found;
                });
    }

    /** The names judges have given verdicts under, alphabetically (the first 500). */
    public Uni<List<JudgedName>> judgedNames() {
        return pool.query(JUDGED_NAMES).execute().map(rows -> {
            List<JudgedName> names = new ArrayList<>();
            rows.forEach(row -> names.add(new JudgedName(row.getString("name"), row.getLong("compared"))));
            return names;
        });
    }

    /** The oldest trace a judge gave a verdict of the name on that no person has labelled under it yet, if any. */
    public Uni<Optional<String>> nextToLabel(String name) {
        return pool.preparedQuery(NEXT_TO_LABEL).execute(Tuple.of(name))
                .map(rows -> rows.rowCount() == 0 ? Optional.<String>empty() : Optional.of(rows.iterator().next().getString("trace_id")));
    }

    /** Every valid feedback of the name on a trace, judges' and people's, oldest first. */
    public Uni<List<Assessment>> validFeedback(String traceId, String name) {
        return pool.preparedQuery("select " + COLUMNS + ", " + large(LeftOut.nothing(0)) + " from assessment "
                        + "where trace_id = $1 and name = $2 and kind = 'FEEDBACK' and valid order by create_time")
                .execute(Tuple.of(traceId, name))
                .map(rows -> {
                    List<Assessment> found = new ArrayList<>();
                    rows.forEach(row -> found.add(fromRow(row)));
                    return found;
                });
    }

    /** The bytes the rationale of each of these assessments adds to an answer, as answer_bytes counts them. */
    public Uni<Map<String, Long>> rationaleBytes(Collection<String> assessmentIds) {
        return byKey("select assessment_id, " + LARGE.get("rationale") + " as bytes from assessment where assessment_id = any($1)",
                assessmentIds, "assessment_id", row -> row.getLong("bytes"));
    }

    /** The rationale of each of these assessments (null for each when {@code leftOut}), by assessment id. */
    public Uni<Map<String, String>> rationales(Collection<String> assessmentIds, boolean leftOut) {
        return byKey("select assessment_id, " + (leftOut ? "null" : "rationale") + " as rationale from assessment where assessment_id = any($1)",
                assessmentIds, "assessment_id", row -> row.getString("rationale"));
    }

    /** A value per row of a query whose one parameter is the array of {@code ids}, by the row's {@code key} column. */
    private <V> Uni<Map<String, V>> byKey(String sql, Collection<String> ids, String key, Function<Row, V> value) {
        return pool.preparedQuery(sql).execute(Tuple.of(ids.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, V> byKey = new HashMap<>();
                    rows.forEach(row -> byKey.put(row.getString(key), value.apply(row)));
                    return byKey;
                });
    }

    private Uni<List<SizedRow>> sized(String sql, Tuple params) {
        return pool.preparedQuery(sql).execute(params)
                .map(rows -> {
                    List<SizedRow> sized = new ArrayList<>();
                    rows.forEach(row -> sized.add(new SizedRow(
                            new PageToken(row.getOffsetDateTime("create_time").toInstant(), row.getString("assessment_id")),
                            row.getLong("answer_bytes") + Page.ROW_OVERHEAD)));
                    return sized;
                });
    }

    private static String large(LeftOut leftOut) {
        return LARGE.keySet().stream()
                .map(field -> (leftOut.has(field) ? "null" : READ.getOrDefault(field, field)) + " as " + field)
                .collect(Collectors.joining(", "));
    }

    private static Assessment fromRow(Row row) {
        Assessment a = new Assessment();
        a.id = row.getString("assessment_id");
        a.traceId = row.getString("trace_id");
        a.spanId = row.getString("span_id");
        a.name = row.getString("name");
        a.kind = AssessmentKind.valueOf(row.getString("kind"));
        a.valueJson = row.getString("value");
        a.errorCode = row.getString("error_code");
        a.errorMessage = row.getString("error_message");
        a.stackTrace = row.getString("stack_trace");
        a.rationale = row.getString("rationale");
        a.sourceType = AssessmentSourceType.valueOf(row.getString("source_type"));
        a.sourceId = row.getString("source_id");
        a.metadataJson = row.getString("metadata");
        a.createTime = row.getOffsetDateTime("create_time").toInstant();
        a.lastUpdateTime = row.getOffsetDateTime("last_update_time").toInstant();
        a.overrides = row.getString("overrides");
        a.valid = row.getBoolean("valid");
        a.runId = row.getString("run_id");
        a.mlflowRunId = row.getString("mlflow_run_id");
        a.taskId = row.getUUID("task_id");
        return a;
    }

    private static String param(List<Object> params, Object value) {
        params.add(value);
        return "$" + params.size();
    }

    private static OffsetDateTime utc(PageToken token) {
        return token.time().atOffset(ZoneOffset.UTC);
    }
}
