package dev.tribunal.assessment;

/**
 * What figures over assessments need to know of traces' tags, answered by the trace feature, which owns the trace table
 * (a bean of it implements this): the condition is SQL that the assessment feature puts in its own statements.
 */
public interface TaggedTraces {

    /**
     * SQL: the trace whose id is at {@code traceId} carries every tag of the JSON object at {@code tags} (a text
     * parameter, such as {@code $5::text}).
     */
    String carrying(String traceId, String tags);
}
