package dev.tribunal.assessment;

import dev.tribunal.system.InvalidRequestException;

import java.util.Locale;

/** Who made an assessment. */
public enum AssessmentSourceType {
    HUMAN, LLM_JUDGE, CODE;

    /**
     * Parses MLflow's source type: case-insensitive, the legacy {@code AI_JUDGE} means
     * {@code LLM_JUDGE}; null, blank or {@code SOURCE_TYPE_UNSPECIFIED} give the fallback.
     */
    public static AssessmentSourceType parse(String text, AssessmentSourceType fallback) {
        if (text == null || text.isBlank()) {
            return fallback;
        }
        String upper = text.trim().toUpperCase(Locale.ROOT);
        return switch (upper) {
            case "SOURCE_TYPE_UNSPECIFIED" -> fallback;
            case "AI_JUDGE", "LLM_JUDGE" -> LLM_JUDGE;
            case "HUMAN" -> HUMAN;
            case "CODE" -> CODE;
            default -> throw new InvalidRequestException(
                    "source_type '" + text + "' is not one of HUMAN, LLM_JUDGE, CODE (AI_JUDGE is accepted as LLM_JUDGE)");
        };
    }
}
