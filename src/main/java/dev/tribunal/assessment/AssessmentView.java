package dev.tribunal.assessment;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.system.Json;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An assessment in MLflow 3's REST JSON (proto field names, RFC 3339 UTC timestamps, enum names).
 * Read from clients and written back to them.
 *
 * @param error MLflow's deprecated top-level error, accepted on input only (copied into feedback)
 * @param truncated on output, the fields left out because the assessment alone is larger than an answer may hold
 *                  ({@code tribunal.api.max-answer-bytes}): {@code value}, {@code rationale}, {@code error_message},
 *                  {@code stack_trace}, {@code metadata}; ignored on input
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
public record AssessmentView(
        String assessmentId,
        String assessmentName,
        String traceId,
        String spanId,
        SourceView source,
        Instant createTime,
        Instant lastUpdateTime,
        FeedbackView feedback,
        ExpectationView expectation,
        String rationale,
        ErrorView error,
        Map<String, String> metadata,
        String overrides,
        Boolean valid,
        String runId,
        List<String> truncated) {

    /** MLflow's {@code AssessmentSource}. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record SourceView(String sourceType, String sourceId) {
    }

    /** MLflow's {@code Feedback}: a value, or an error (the value is then null). */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record FeedbackView(@JsonInclude(JsonInclude.Include.ALWAYS) JsonNode value, ErrorView error) {
    }

    /**
     * MLflow's {@code Expectation}: a primitive {@code value}, or any JSON as {@code serialized_value}.
     *
     * @param error never valid on an expectation; read only to refuse it
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record ExpectationView(JsonNode value, SerializedValueView serializedValue, ErrorView error) {
    }

    /** A non-primitive expectation value as JSON text. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record SerializedValueView(String serializationFormat, String value) {
        public static final String JSON_FORMAT = "JSON_FORMAT";
    }

    /** MLflow's {@code AssessmentError}. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record ErrorView(String errorCode, String errorMessage, String stackTrace) {
    }

    /** The stored assessment in MLflow's JSON shape. */
    public static AssessmentView of(Assessment a) {
        return of(a, null);
    }

    /** The stored assessment in MLflow's JSON shape, read with the fields named in {@code truncated} left out. */
    static AssessmentView of(Assessment a, List<String> truncated) {
        FeedbackView feedback = null;
        ExpectationView expectation = null;
        JsonNode value = Json.read(a.valueJson);
        if (a.kind == AssessmentKind.FEEDBACK) {
            AssessmentError error = a.error();
            feedback = new FeedbackView(value,
                    error == null ? null : new ErrorView(error.errorCode(), error.errorMessage(), error.stackTrace()));
        } else if (value == null) {
            expectation = new ExpectationView(null, null, null);
        } else if (value.isValueNode()) {
            expectation = new ExpectationView(value, null, null);
        } else {
            expectation = new ExpectationView(null, new SerializedValueView(SerializedValueView.JSON_FORMAT, value.toString()), null);
        }
        return new AssessmentView(a.id, a.name, a.traceId, a.spanId,
                new SourceView(a.sourceType.name(), a.sourceId),
                a.createTime, a.lastUpdateTime, feedback, expectation, a.rationale, null,
                a.metadataJson == null ? null : Json.readStringMap(a.metadataJson), a.overrides, a.valid, a.runId != null ? a.runId : a.mlflowRunId, truncated);
    }
}
