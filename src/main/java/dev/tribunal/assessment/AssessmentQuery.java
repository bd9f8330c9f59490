package dev.tribunal.assessment;

import dev.tribunal.system.PageToken;

/**
 * Filters of {@code GET /api/assessments}; null means "any".
 *
 * @param runId        a Tribunal judge run's results
 * @param mlflowRunId  what MLflow clients logged for an MLflow run (its run_id, or mlflow.assessment.sourceRunId)
 * @param maxAgreement only verdicts of several samples or jury members whose agreement is at most this share
 * @param includeChallengers whether a sweep's challengers' assessments ({@code tribunal.role: challenger}) are listed too;
 *                           consumers of verdicts never see them unless they ask
 */
public record AssessmentQuery(
        String traceId,
        String name,
        AssessmentSourceType sourceType,
        String sourceId,
        String runId,
        String mlflowRunId,
        Boolean valid,
        Boolean hasError,
        Double maxAgreement,
        boolean includeChallengers,
        PageToken pageToken) {

    /** The metadata key that marks a sweep's challenger's assessment. */
    public static final String ROLE_KEY = "tribunal.role";
    public static final String CHALLENGER = "challenger";
    /** SQL: the assessment (alias-less, or prefixed) is not a challenger's. */
    public static String notChallenger(String alias) {
        return "not (" + alias + "metadata @> '{\"" + ROLE_KEY + "\": \"" + CHALLENGER + "\"}'::jsonb)";
    }

    /**
     * SQL: a judge's verdict as it is compared with people: valid, or overridden by a person. A person's override is
     * their disagreement with the verdict; leaving the verdict out would keep exactly the judge's mistakes out of its
     * agreement. A verdict replaced by a judge's later attempt (a retry) does not count.
     */
    public static String standsForComparison(String alias) {
        return "(" + alias + "valid or exists (select 1 from assessment o where o.overrides = " + alias + "assessment_id "
                + "and o.source_type = 'HUMAN' and o.valid))";
    }
}
