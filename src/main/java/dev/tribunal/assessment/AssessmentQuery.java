package dev.tribunal.assessment;

import dev.tribunal.system.PageToken;

/** Filters of {@code GET /api/assessments}; null means "any". */
public record AssessmentQuery(
        String traceId,
        String name,
        AssessmentSourceType sourceType,
        String sourceId,
        String runId,
        Boolean valid,
        Boolean hasError,
        PageToken pageToken) {
}
