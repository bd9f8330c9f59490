package dev.tribunal.assessment;

/** Request and response bodies of MLflow's assessment endpoints. */
public final class AssessmentRequests {

    private AssessmentRequests() {
    }

    /** {@code {"assessment": {...}}}: the body of a create and the response of create, get and update. */
    public record AssessmentEnvelope(AssessmentView assessment) {
    }

    /** {@code {"assessment": {...}, "update_mask": "feedback,rationale"}}. */
    public record UpdateAssessmentRequest(AssessmentView assessment, String updateMask) {
    }
}
