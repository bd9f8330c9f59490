package dev.tribunal.trace;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tribunal.assessment.AssessmentView;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** MLflow 3's {@code {"trace": {"trace_info": TraceInfoV3}}}. */
public record MlflowTraceView(TraceBody trace) {

    /** The trace metadata key that keeps the MLflow experiment a trace was sent to (none: experiment "0"). */
    public static final String EXPERIMENT_KEY = "mlflow.experimentId";

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

    /** A trace with its spans, OpenTelemetry's {@code Span} messages in protobuf's JSON mapping (see {@link MlflowSpans}). */
    public record TraceWithSpans(TraceInfo traceInfo, List<com.fasterxml.jackson.databind.JsonNode> spans) {
    }

    /** {@code batchGet}'s answer. */
    public record BatchView(List<TraceWithSpans> traces) {
    }

    /** {@code SearchTracesV3}'s request: experiments (Tribunal keeps one, "0"), MLflow's filter, paging and order. */
    public record SearchRequest(List<Location> locations, List<String> experimentIds, String filter, Integer maxResults, List<String> orderBy,
                                String pageToken) {
    }

    /** A trace location as MLflow's client sends it. */
    public record Location(String type, MlflowExperiment mlflowExperiment) {
    }

    /** {@code SearchTracesV3}'s answer; no token on the last page. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SearchView(List<TraceInfo> traces, String nextPageToken) {
    }

    /** {@code GetTrace}'s answer. */
    public record OneView(TraceWithSpans trace) {
    }

    /** Where MLflow would file the trace; Tribunal keeps every trace in one default experiment. */
    public record TraceLocation(String type, MlflowExperiment mlflowExperiment) {
        static final TraceLocation DEFAULT = new TraceLocation("MLFLOW_EXPERIMENT", new MlflowExperiment("0"));

        /** The experiment a trace was sent to, else the default one, "0". */
        static TraceLocation of(String experimentId) {
            return experimentId == null || experimentId.isBlank() ? DEFAULT : new TraceLocation("MLFLOW_EXPERIMENT", new MlflowExperiment(experimentId));
        }
    }

    /** An MLflow experiment reference. */
    public record MlflowExperiment(String experimentId) {
    }
}
