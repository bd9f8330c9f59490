package dev.tribunal.assessment;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

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

    public static Uni<Void> insert(SqlConnection connection, List<Assessment> assessments) {
        if (assessments.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> rows = assessments.stream().map(AssessmentRows::tuple).toList();
        return connection.preparedQuery(INSERT).executeBatch(rows).replaceWithVoid();
    }

    private static Tuple tuple(Assessment a) {
        return Tuple.tuple(List.of()).addString(a.id).addString(a.traceId).addString(a.spanId).addString(a.name)
                .addString(a.kind.name()).addString(a.valueJson).addString(a.errorCode).addString(a.errorMessage)
                .addString(a.stackTrace).addString(a.rationale).addString(a.sourceType.name()).addString(a.sourceId)
                .addString(a.metadataJson).addOffsetDateTime(utc(a.createTime)).addOffsetDateTime(utc(a.lastUpdateTime))
                .addString(a.overrides).addBoolean(a.valid).addString(a.runId).addUUID(a.taskId);
    }

    static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
