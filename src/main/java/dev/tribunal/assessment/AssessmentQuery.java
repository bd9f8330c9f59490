package dev.tribunal.assessment;

import dev.tribunal.system.PageToken;

/**
 * Filters of {@code GET /api/assessments}; null means "any".
 *
 * @param maxAgreement only verdicts of several samples or jury members whose agreement is at most this share
 */
public record AssessmentQuery(
        String traceId,
        String name,
        AssessmentSourceType sourceType,
        String sourceId,
        String runId,
        Boolean valid,
        Boolean hasError,
        Double maxAgreement,
        PageToken pageToken) {
}
