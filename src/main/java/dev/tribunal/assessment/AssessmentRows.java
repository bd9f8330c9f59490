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

    private static final String INSERT = "insert into assessment (assessment_id, trace_id, span_id, name, kind, value, error_code, "
            + "error_message, stack_trace, rationale, source_type, source_id, metadata, create_time, last_update_time, overrides, valid, "
            + "run_id, task_id, task_attempt) values ($1, $2, $3, $4, $5, cast($6::text as jsonb), $7, $8, $9, $10, $11, $12, "
            // logged by whoever started the run
            + "cast($13::text as jsonb) || jsonb_build_object('tribunal.logged_by', coalesce((select r.created_by from judge_run r "
            + "where r.run_id = $18), 'tribunal')), $14, $15, $16, $17, $18, $19, $20) "
            + "on conflict (task_id, task_attempt) where task_id is not null do nothing";
    /** What a new attempt's result overrides is no longer valid (MLflow's rule); it stays, as history. */
    private static final String INVALIDATE = "update assessment set valid = false, last_update_time = $2 "
            + "where assessment_id = any($1) and valid";
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
     */
    public record JudgeFeedback(String traceId, String spanId, String name, JsonNode value, String rationale,
                                AssessmentSourceType sourceType, String sourceId, AssessmentError error,
                                Map<String, String> metadata, String runId, UUID taskId, int taskAttempt, String overrides, Instant at) {
    }

    public static Uni<Void> insert(SqlConnection connection, List<JudgeFeedback> feedback) {
        if (feedback.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = feedback.stream().map(AssessmentRows::tuple).toList();
        String[] overridden = feedback.stream().map(JudgeFeedback::overrides).filter(java.util.Objects::nonNull).toArray(String[]::new);
        Uni<Void> inserted = connection.preparedQuery(INSERT).executeBatch(rows).replaceWithVoid();
        return overridden.length == 0 ? inserted : inserted.chain(() -> connection.preparedQuery(INVALIDATE)
                .execute(Tuple.of(overridden, utc(feedback.get(0).at()))).replaceWithVoid());
    }

    /** The valid expectations of these traces, by trace and name; a trace without any is absent. */
    public static Uni<Map<String, Map<String, JsonNode>>> expectations(SqlConnection connection, Collection<String> traceIds) {
        return connection.preparedQuery(EXPECTATIONS).execute(Tuple.of(traceIds.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Map<String, JsonNode>> byTrace = new HashMap<>();
                    rows.forEach(row -> byTrace.computeIfAbsent(row.getString("trace_id"), k -> new HashMap<>())
                            .put(row.getString("name"), Json.read(row.getString("value"))));
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

    /** The SQL condition that a trace (its id at {@code traceId}) has no assessment of any name in {@code names}. */
    public static String namedNone(String traceId, String names) {
        return "not exists (select 1 from assessment a where a.trace_id = " + traceId + " and a.name = any(" + names + "))";
    }

    private static Tuple tuple(JudgeFeedback f) {
        Map<String, String> metadata = new LinkedHashMap<>(f.metadata());
        metadata.put(AssessmentFactory.SOURCE_RUN_ID_KEY, f.runId());
        AssessmentError error = f.error();
        OffsetDateTime at = utc(f.at());
        return Tuple.tuple(List.of()).addString(Ids.newAssessmentId()).addString(f.traceId()).addString(f.spanId()).addString(f.name())
                .addString(AssessmentKind.FEEDBACK.name()).addString(Json.write(f.value()))
                .addString(error == null ? null : error.errorCode()).addString(error == null ? null : error.errorMessage())
                .addString(error == null ? null : error.stackTrace()).addString(f.rationale()).addString(f.sourceType().name())
                .addString(f.sourceId()).addString(Json.write(metadata)).addOffsetDateTime(at).addOffsetDateTime(at)
                .addString(f.overrides()).addBoolean(true).addString(f.runId()).addUUID(f.taskId()).addInteger(f.taskAttempt());
    }

    static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
