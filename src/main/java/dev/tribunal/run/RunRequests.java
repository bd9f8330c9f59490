package dev.tribunal.run;

import dev.tribunal.trace.TraceRequests.TraceRequest;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Bodies of the judge-run endpoints. */
public final class RunRequests {

    private RunRequests() {
    }

    /**
     * Judges to run over stored traces ({@code trace_ids}) or over traces given inline ({@code traces},
     * stored first); {@code models} runs every LLM judge on each of them instead of its own model.
     */
    public record JudgeRunRequest(List<String> judges, List<String> traceIds, List<TraceRequest> traces, List<String> models) {
    }

    /** The answer to a new run. */
    public record RunCreatedView(String runId, RunStatus status, int total) {
    }

    /** A run with its progress. */
    public record RunView(
            String runId,
            RunStatus status,
            List<String> judges,
            List<String> models,
            int total,
            long completed,
            long succeeded,
            long errored,
            Map<String, Long> errorsByCode,
            Instant createdAt,
            Instant startedAt,
            Instant finishedAt,
            Long etaSeconds,
            Double judgmentsPerSecond) {
    }

    /** {@code {"runs": [...], "next_page_token": "..."}}. */
    public record RunListView(List<RunView> runs, String nextPageToken) {
    }
}
