package dev.tribunal.trace;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tribunal.assessment.AssessmentView;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** MLflow 3's {@code {"trace": {"trace_info": TraceInfoV3}}}. */
public record MlflowTraceView(TraceBody trace) {

    /** The trace without its spans, which MLflow serves separately. */
    public record TraceBody(TraceInfo traceInfo) {
    }

    /** MLflow's {@code TraceInfoV3}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record TraceInfo(
            String traceId,
            TraceLocation traceLocation,
            String requestPreview,
            String responsePreview,
            Instant requestTime,
            String executionDuration,
            String state,
            Map<String, String> traceMetadata,
            List<AssessmentView> assessments,
            Map<String, String> tags) {
    }

    /** Where MLflow would file the trace; Tribunal keeps every trace in one default experiment. */
    public record TraceLocation(String type, MlflowExperiment mlflowExperiment) {
        static final TraceLocation DEFAULT = new TraceLocation("MLFLOW_EXPERIMENT", new MlflowExperiment("0"));
    }

    /** An MLflow experiment reference. */
    public record MlflowExperiment(String experimentId) {
    }
}
