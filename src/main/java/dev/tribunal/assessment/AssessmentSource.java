package dev.tribunal.assessment;

import dev.tribunal.system.InvalidRequestException;

/**
 * Provenance of an assessment: its type and an id (a user for HUMAN, the judge model id such as
 * {@code openai:/gpt-4o-mini} for LLM_JUDGE, a scorer name for CODE).
 */
public record AssessmentSource(AssessmentSourceType type, String id) {

    public static final String DEFAULT_ID = "default";
    public static final int MAX_ID_LENGTH = 250;

    public AssessmentSource {
        if (type == null) {
            throw new IllegalArgumentException("source type is required");
        }
        id = id == null || id.isBlank() ? DEFAULT_ID : id;
        InvalidRequestException.require(id.length() <= MAX_ID_LENGTH,
                "source_id is " + id.length() + " characters long; at most " + MAX_ID_LENGTH + " are allowed");
    }

    /** From MLflow's JSON; a missing source or type takes the fallback type. */
    public static AssessmentSource from(AssessmentView.SourceView view, AssessmentSourceType fallback) {
        if (view == null) {
            return new AssessmentSource(fallback, null);
        }
        return new AssessmentSource(AssessmentSourceType.parse(view.sourceType(), fallback), view.sourceId());
    }

    /** Feedback defaults to CODE, expectations to HUMAN, as in MLflow. */
    static AssessmentSourceType defaultType(AssessmentKind kind) {
        return kind == AssessmentKind.FEEDBACK ? AssessmentSourceType.CODE : AssessmentSourceType.HUMAN;
    }
}
