package dev.tribunal.run;

/** Where a judge run stands. */
public enum RunStatus {
    QUEUED, RUNNING, COMPLETED, CANCELLED
}
