package dev.tribunal.trace;

import dev.tribunal.trace.TraceFactory.NewTrace;

import java.util.List;

/**
 * An ingest batch that passed its checks, as the rows it becomes: made by {@link TraceService#check}, stored by
 * {@link TraceService#ingest(CheckedTraceBatch)} without being checked again.
 */
public final class CheckedTraceBatch {

    private final List<NewTrace> traces;

    CheckedTraceBatch(List<NewTrace> traces) {
        this.traces = List.copyOf(traces);
    }

    List<NewTrace> traces() {
        return traces;
    }

    /** The batch's trace ids (those it was given, or made for it), in the order sent. */
    public List<String> traceIds() {
        return traces.stream().map(t -> t.trace().traceId).toList();
    }
}
