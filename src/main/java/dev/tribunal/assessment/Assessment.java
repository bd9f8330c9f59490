package dev.tribunal.assessment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.ColumnTransformer;

import java.time.Instant;

/**
 * An assessment row, field for field MLflow's: a Feedback (value or error) or an Expectation
 * attached to a trace or one of its spans. JSON columns are held as their JSON text.
 */
@Entity
@Table(name = "assessment")
public class Assessment {

    @Id
    @Column(name = "assessment_id")
    public String id;

    @Column(name = "trace_id", nullable = false)
    public String traceId;

    @Column(name = "span_id")
    public String spanId;

    @Column(nullable = false)
    public String name;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public AssessmentKind kind;

    /** JSON text of the value; null for a feedback that holds only an error. */
    @Column(name = "value")
    @ColumnTransformer(read = "value::text", write = "cast(cast(? as text) as jsonb)")
    public String valueJson;

    @Column(name = "error_code")
    public String errorCode;

    @Column(name = "error_message")
    public String errorMessage;

    @Column(name = "stack_trace")
    public String stackTrace;

    public String rationale;

    @Enumerated(EnumType.STRING)
    @Column(name = "source_type", nullable = false)
    public AssessmentSourceType sourceType;

    @Column(name = "source_id", nullable = false)
    public String sourceId;

    /** JSON text of a string-to-string map. */
    @Column(name = "metadata", nullable = false)
    @ColumnTransformer(read = "metadata::text", write = "cast(cast(? as text) as jsonb)")
    public String metadataJson;

    @Column(name = "create_time", nullable = false)
    public Instant createTime;

    @Column(name = "last_update_time", nullable = false)
    public Instant lastUpdateTime;

    public String overrides;

    public boolean valid = true;

    /** The Tribunal judge run that made it; null for one logged through the API. */
    @Column(name = "run_id")
    public String runId;

    /** The MLflow run an MLflow client logged it for (its run_id, or metadata mlflow.assessment.sourceRunId). */
    @Column(name = "mlflow_run_id")
    public String mlflowRunId;

    /** The judge task whose result this is: set by Tribunal's runs only, never through the API. */
    @Column(name = "task_id", insertable = false, updatable = false)
    public java.util.UUID taskId;

    /** Whether this is the result of one of Tribunal's judge runs (not a client's own judgment). */
    public boolean isRunResult() {
        return taskId != null;
    }

    public AssessmentSource source() {
        return new AssessmentSource(sourceType, sourceId);
    }

    public AssessmentError error() {
        return errorCode == null ? null : new AssessmentError(errorCode, errorMessage, stackTrace);
    }

    void error(AssessmentError error) {
        errorCode = error == null ? null : error.errorCode();
        errorMessage = error == null ? null : error.errorMessage();
        stackTrace = error == null ? null : error.stackTrace();
    }
}
