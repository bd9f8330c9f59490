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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Assessments written in bulk on a plain SQL connection, for judge results: one pipelined batch
 * instead of an entity per row. An assessment for a task that already has one is skipped, so a
 * late duplicate of a judgment is harmless.
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
