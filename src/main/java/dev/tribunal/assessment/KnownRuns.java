package dev.tribunal.assessment;

import io.smallrye.mutiny.Uni;

/**
 * What assessments need to know of judge runs, answered by the run feature, which owns the judge_run table (its
 * repository implements this): no client logs an assessment under the id of one of Tribunal's runs.
 */
public interface KnownRuns {

    /** Whether a judge run of this id exists, asked in the caller's Hibernate session. */
    Uni<Boolean> exists(String runId);

    /** Which of these ids are judge runs (the others are MLflow clients' runs). */
    Uni<java.util.Set<String>> existing(java.util.Collection<String> runIds);
}
