package dev.tribunal.assessment;

/** Request and response bodies of MLflow's assessment endpoints. */
public final class AssessmentRequests {

    private AssessmentRequests() {
    }

    /** {@code {"assessment": {...}}}: the body of a create and the response of create, get and update. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record AssessmentEnvelope(AssessmentView assessment) {
    }

    /** {@code {"assessment": {...}, "update_mask": "feedback,rationale"}}. */
    @com.fasterxml.jackson.annotation.JsonIgnoreProperties(ignoreUnknown = true)
    public record UpdateAssessmentRequest(AssessmentView assessment, String updateMask) {
    }
}
