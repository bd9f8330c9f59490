package dev.tribunal.assessment;

/** MLflow's two kinds of assessment. */
public enum AssessmentKind {
    /** A quality judgment: a value, or an error when the judgment could not be made. */
    FEEDBACK,
    /** Ground truth: what the right answer is. */
    EXPECTATION
}
