package dev.tribunal.assessment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.system.Ids;
import dev.tribunal.system.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Assessments on a plain SQL connection that another feature holds. Judge results are written in bulk: one
 * pipelined batch instead of an entity per row; an assessment for a task that already has one is skipped, so a
 * late duplicate of a judgment is harmless. Judges read the expectations of the traces they judge; a query on
 * traces filters them by their assessments with the conditions written here.
 */
public final class AssessmentRows {

    /** A batch in one statement: its columns as arrays. */
    private static final String INSERT = "insert into assessment (assessment_id, trace_id, span_id, name, kind, value, error_code, "
            + "error_message, stack_trace, rationale, source_type, source_id, metadata, create_time, last_update_time, overrides, valid, "
            + "run_id, task_id, task_attempt, task_part) select a.assessment_id, a.trace_id, a.span_id, a.name, 'FEEDBACK', cast(a.val as jsonb), "
            + "a.error_code, a.error_message, a.stack_trace, a.rationale, a.source_type, a.source_id, "
            + "cast(a.metadata as jsonb), a.at, a.at, "
            + "a.overrides, true, a.run_id, a.task_id, a.task_attempt, a.task_part "
            + "from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], "
            + "$10::text[], $11::text[], $12::text[], $13::timestamptz[], $14::text[], $15::text[], $16::uuid[], $17::int[], $18::int[]) "
            + "as a(assessment_id, trace_id, span_id, name, val, error_code, error_message, stack_trace, rationale, source_type, "
            + "source_id, metadata, at, overrides, run_id, task_id, task_attempt, task_part) "
            + "on conflict (task_id, task_attempt, task_part) where task_id is not null do nothing";
    /**
     * What a new attempt's result overrides is no longer valid (MLflow's rule); it stays, as history. So are the other
     * parts of that attempt's result (a jury's members).
     */
    private static final String INVALIDATE = "update assessment set valid = false, last_update_time = $2 "
            // each arm by an index (the primary key; the task's attempt): an OR of the two would read the whole table
            + "where valid and assessment_id in (select assessment_id from assessment where assessment_id = any($1) "
            + "union select m.assessment_id from assessment o join assessment m on m.task_id = o.task_id "
            + "and m.task_attempt = o.task_attempt where o.assessment_id = any($1) and o.task_id is not null)";
    /** The latest valid expectation of each name is the ground truth: later rows replace earlier ones. */
    private static final String EXPECTATIONS = "select trace_id, name, value::text as value from assessment "
            + "where trace_id = any($1) and kind = 'EXPECTATION' and valid order by create_time, assessment_id";

    private AssessmentRows() {
    }

    /**
     * A judge's result as Feedback: a value with a rationale, or an error; provenance from the judge.
     *
     * @param sourceType LLM_JUDGE or CODE
     * @param metadata the judge's figures; the run id is added as MLflow's {@code mlflow.assessment.sourceRunId}
     * @param overrides the assessment this one replaces (an earlier attempt's error), or null
     * @param loggedBy who started the run: the result is logged in that name ({@code tribunal.logged_by})
     * @param taskPart 0 for the task's judgment, 1 to n for a jury's members
     */
    public record JudgeFeedback(String traceId, String spanId, String name, JsonNode value, String rationale,
                                AssessmentSourceType sourceType, String sourceId, AssessmentError error,
                                Map<String, String> metadata, String runId, UUID taskId, int taskAttempt, int taskPart, String overrides,
                                String loggedBy,
                                Instant at) {
    }

    public static Uni<Void> insert(SqlConnection connection, List<JudgeFeedback> feedback) {
        if (feedback.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        String[] overridden = feedback.stream().map(JudgeFeedback::overrides).filter(java.util.Objects::nonNull).toArray(String[]::new);
        Uni<Void> inserted = connection.preparedQuery(INSERT).execute(columns(feedback)).replaceWithVoid();
        return overridden.length == 0 ? inserted : inserted.chain(() -> connection.preparedQuery(INVALIDATE)
                .execute(Tuple.of(overridden, utc(feedback.get(0).at()))).replaceWithVoid());
    }

    /** The valid expectations of these traces, by trace and name; a trace without any is absent. */
    public static Uni<Map<String, Map<String, JsonNode>>> expectations(SqlConnection connection, Collection<String> traceIds) {
        return connection.preparedQuery(EXPECTATIONS).execute(Tuple.of(traceIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Map<String, JsonNode>> byTrace = new HashMap<>();
                    rows.forEach(row -> {
                        Map<String, JsonNode> ofTrace = byTrace.computeIfAbsent(row.getString("trace_id"), k -> new HashMap<>());
                        JsonNode value = Json.read(row.getString("value"));
                        // an expectation logged without a value (MLflow's log_expectation(value=None)) withdraws the name
                        if (value == null) {
                            ofTrace.remove(row.getString("name"));
                        } else {
                            ofTrace.put(row.getString("name"), value);
                        }
                    });
                    return byTrace;
                });
    }

    /**
     * The SQL condition that a trace (its id at {@code traceId}, a column of the query) has an assessment of every name
     * in {@code names} (a {@code text[]} expression): for a query on traces that filters by assessments in one statement.
     */
    public static String namedEach(String traceId, String names) {
        return "not exists (select 1 from unnest(" + names + ") wanted(name) where not exists (select 1 from assessment a "
                + "where a.trace_id = " + traceId + " and a.name = wanted.name))";
    }

    /** How much of a value assessment_valid_value_idx holds (V26): an index row has a size limit that long values exceed. */
    private static final int INDEXED_VALUE_LENGTH = 200;

    /**
     * The SQL condition that a trace (its id at {@code traceId}) has a valid assessment of the name at {@code name} whose
     * value, as text ({@code no} for the JSON string "no", {@code 0.5}, {@code true}), is the one at {@code value}; from
     * one of the source types at {@code sources} (a {@code text[]} expression) unless that is null. Written as an
     * {@code exists} of its own so that PostgreSQL may start from either side: from the newest traces when the value is
     * common, from assessment_valid_value_idx when it is rare (or matches nothing).
     */
    public static String validValue(String traceId, String name, String value, String sources) {
        return "exists (select 1 from assessment a where a.trace_id = " + traceId + " and a.valid and a.name = " + name
                + " and left(a.value #>> '{}', " + INDEXED_VALUE_LENGTH + ") = left(" + value + ", " + INDEXED_VALUE_LENGTH + ")"
                + " and (a.value #>> '{}') = " + value + fromSources(sources) + ")";
    }

    /**
     * The SQL condition that a trace has a valid assessment that is an error: of the name at {@code name}, or of any
     * name when that is null; from one of {@code sources} unless that is null. By assessment_valid_error_idx when rare.
     */
    public static String validError(String traceId, String name, String sources) {
        return "exists (select 1 from assessment a where a.trace_id = " + traceId + " and a.valid and a.error_code is not null"
                + (name == null ? "" : " and a.name = " + name) + fromSources(sources) + ")";
    }

    /** The SQL condition that a trace has a valid assessment from one of the source types at {@code sources}. */
    public static String validFrom(String traceId, String sources) {
        return "exists (select 1 from assessment a where a.trace_id = " + traceId + " and a.valid" + fromSources(sources) + ")";
    }

    private static String fromSources(String sources) {
        return sources == null ? "" : " and a.source_type = any(" + sources + ")";
    }

    /** The SQL condition that a trace (its id at {@code traceId}) has no assessment of any name in {@code names}. */
    /** SQL: the id of the assessment a task's attempt produced (null when none), for a statement of the run feature. */
    public static String resultOfTask(String taskId, String attempt) {
        return "(select a.assessment_id from assessment a where a.task_id = " + taskId + " and a.task_attempt = " + attempt
                + " and a.task_part = 0)";
    }

    /** SQL: the id of the assessment a task's attempt produced as one of its parts (null when none), for another feature's statement. */
    public static String resultOfTaskPart(String taskId, String attempt, String part) {
        return "(select a.assessment_id from assessment a where a.task_id = " + taskId + " and a.task_attempt = " + attempt
                + " and a.task_part = " + part + ")";
    }

    /** SQL: the error message of the assessment a task's attempt produced (null when none), for a statement of the run feature. */
    public static String errorMessageOfTask(String taskId, String attempt) {
        return "(select a.error_message from assessment a where a.task_id = " + taskId + " and a.task_attempt = " + attempt
                + " and a.task_part = 0)";
    }

    public static String namedNone(String traceId, String names) {
        return "not exists (select 1 from assessment a where a.trace_id = " + traceId + " and a.name = any(" + names + "))";
    }

    private static Tuple columns(List<JudgeFeedback> feedback) {
        int n = feedback.size();
        String[][] text = new String[14][n];
        OffsetDateTime[] at = new OffsetDateTime[n];
        UUID[] taskIds = new UUID[n];
        Integer[] taskAttempts = new Integer[n];
        Integer[] taskParts = new Integer[n];
        for (int i = 0; i < n; i++) {
            JudgeFeedback f = feedback.get(i);
            Map<String, String> metadata = new LinkedHashMap<>(f.metadata());
            metadata.put(AssessmentFactory.SOURCE_RUN_ID_KEY, f.runId());
            metadata.put(AssessmentFactory.LOGGED_BY_KEY, f.loggedBy());
            AssessmentError error = f.error();
            String[] row = {Ids.newAssessmentId(), f.traceId(), f.spanId(), f.name(), Json.write(f.value()),
                    error == null ? null : error.errorCode(), error == null ? null : error.errorMessage(),
                    error == null ? null : error.stackTrace(), f.rationale(), f.sourceType().name(), f.sourceId(), Json.write(metadata),
                    f.overrides(), f.runId()};
            for (int c = 0; c < row.length; c++) {
                text[c][i] = row[c];
            }
            at[i] = utc(f.at());
            taskIds[i] = f.taskId();
            taskAttempts[i] = f.taskAttempt();
            taskParts[i] = f.taskPart();
        }
        List<Object> columns = new java.util.ArrayList<>(List.of(text).subList(0, 12));
        columns.add(at);
        columns.add(text[12]);
        columns.add(text[13]);
        columns.add(taskIds);
        columns.add(taskAttempts);
        columns.add(taskParts);
        return Tuple.tuple(columns);
    }

    static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
