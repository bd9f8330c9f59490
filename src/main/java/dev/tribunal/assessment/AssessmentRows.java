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
            + "run_id, task_id) values ($1, $2, $3, $4, $5, cast($6::text as jsonb), $7, $8, $9, $10, $11, $12, cast($13::text as jsonb), "
            + "$14, $15, $16, $17, $18, $19) on conflict (task_id) where task_id is not null do nothing";

    private AssessmentRows() {
    }

    /**
     * A judge's result as Feedback: a value with a rationale, or an error; provenance from the judge.
     *
     * @param sourceType LLM_JUDGE or CODE
     * @param metadata the judge's figures; the run id is added as MLflow's {@code mlflow.assessment.sourceRunId}
     */
    public record JudgeFeedback(String traceId, String spanId, String name, JsonNode value, String rationale,
                                AssessmentSourceType sourceType, String sourceId, AssessmentError error,
                                Map<String, String> metadata, String runId, UUID taskId, Instant at) {
    }

    public static Uni<Void> insert(SqlConnection connection, List<JudgeFeedback> feedback) {
        if (feedback.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = feedback.stream().map(AssessmentRows::tuple).toList();
        return connection.preparedQuery(INSERT).executeBatch(rows).replaceWithVoid();
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
                .addString(null).addBoolean(true).addString(f.runId()).addUUID(f.taskId());
    }

    static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
