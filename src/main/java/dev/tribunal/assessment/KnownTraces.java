package dev.tribunal.assessment;

import io.smallrye.mutiny.Uni;

/**
 * What assessments need to know of traces, answered by the trace feature, which owns the trace table (its
 * repository implements this): an assessment is logged, read and deleted on a trace that exists.
 */
public interface KnownTraces {

    /** Whether a trace of this id exists, asked in the caller's Hibernate session. */
    Uni<Boolean> exists(String traceId);
}
