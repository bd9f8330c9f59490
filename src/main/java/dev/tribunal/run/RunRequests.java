package dev.tribunal.run;

import dev.tribunal.system.InvalidRequestException;
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
     * stored first); {@code models} runs every LLM judge on each of them instead of its own model; {@code samples} takes
     * that many samples per judgment instead of each judge's own; {@code mode} is {@code online} (the default) or
     * {@code batch} (sent through the providers' Batch API).
     */
    public record JudgeRunRequest(List<JudgeRef> judges, List<String> traceIds, List<TraceRequest> traces, List<String> models,
                                  Integer samples, Boolean dryRun, Boolean confirmCost, String mode) {

        /** A request in the default mode, online. */
        public JudgeRunRequest(List<JudgeRef> judges, List<String> traceIds, List<TraceRequest> traces, List<String> models,
                               Integer samples, Boolean dryRun, Boolean confirmCost) {
            this(judges, traceIds, traces, models, samples, dryRun, confirmCost, null);
        }
    }

    /**
     * A judge a run names: {@code "correctness"} (the loaded version), or {@code {"name": "correctness", "version": "..."}}
     * (any version ever loaded, see {@code GET /api/judges/{name}/versions}).
     */
    public record JudgeRef(String name, String version) {

        @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.PROPERTIES)
        public JudgeRef(@com.fasterxml.jackson.annotation.JsonProperty("name") String name,
                        @com.fasterxml.jackson.annotation.JsonProperty("version") String version) {
            this.name = name;
            this.version = version == null || version.isBlank() ? null : version;
        }

        @com.fasterxml.jackson.annotation.JsonCreator(mode = com.fasterxml.jackson.annotation.JsonCreator.Mode.DELEGATING)
        public static JudgeRef named(String name) {
            return new JudgeRef(name, null);
        }
    }

    /**
     * What a run would do and cost, from its prompts, without storing or calling anything.
     *
     * @param llmCalls the calls that would be sent: those the judgment cache would answer are not, and neither their
     *                 tokens nor their cost are counted
     * @param cacheHits the calls the judgment cache would answer
     * @param estimatedCost in the mode asked for; null when a provider used has no prices configured
     * @param estimatedCostOnline the same judgments sent one call at a time
     * @param estimatedCostBatch the same judgments sent through the providers' Batch API, at their batch prices; null also
     *                           when a judge cannot be sent in a batch (a jury)
     */
    public record DryRunView(boolean dryRun, String mode, int total, long llmCalls, long cacheHits, long missingInput,
                             long estimatedPromptTokens, long maxCompletionTokens, Double estimatedCost, Double estimatedCostOnline,
                             Double estimatedCostBatch, List<ModelEstimateView> byModel) {
    }

    /** One model's (or code judge's) share of a dry run. */
    public record ModelEstimateView(String model, long judgments, long llmCalls, long cacheHits, long missingInput,
                                    long estimatedPromptTokens, long maxCompletionTokens, Double estimatedCost) {
    }

    /** Which errored tasks to judge again: those with these codes, or all when empty or absent. */
    public record RetryRequest(List<String> errorCodes) {

        /** {@code {"error_codes": [...]}}, or nothing at all for every error. */
        static RetryRequest parse(byte[] body) {
            if (body == null || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
                return new RetryRequest(List.of());
            }
            com.fasterxml.jackson.databind.JsonNode json = dev.tribunal.system.Json.parseClientJson(body, "The body");
            InvalidRequestException.require(json.isObject(), "The body must be a JSON object such as {\"error_codes\": [\"TIMEOUT\"]}");
            refuseUnknownFields(json, List.of("error_codes"));
            com.fasterxml.jackson.databind.JsonNode codes = json.get("error_codes");
            if (codes == null || codes.isNull()) {
                return new RetryRequest(List.of());
            }
            InvalidRequestException.require(codes.isArray(), "error_codes must be an array of error codes");
            List<String> values = new java.util.ArrayList<>();
            codes.forEach(code -> {
                InvalidRequestException.require(code.isTextual() && !code.asText().isBlank(), "error_codes must hold error codes as strings");
                values.add(code.asText());
            });
            return new RetryRequest(values);
        }
    }

    /** A cancel takes no body, or an empty object: any field in it is one the endpoint does not read. */
    static void checkCancelBody(byte[] body) {
        if (body == null || new String(body, java.nio.charset.StandardCharsets.UTF_8).isBlank()) {
            return;
        }
        com.fasterxml.jackson.databind.JsonNode json = dev.tribunal.system.Json.parseClientJson(body, "The body");
        InvalidRequestException.require(json.isObject(), "The body, when there is one, must be a JSON object; a cancel takes no fields");
        refuseUnknownFields(json, List.of());
    }

    private static void refuseUnknownFields(com.fasterxml.jackson.databind.JsonNode json, List<String> known) {
        java.util.Iterator<String> names = json.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!known.contains(name)) {
                throw new InvalidRequestException(dev.tribunal.system.UnknownFields.describe(name, name, known));
            }
        }
    }

    /** The answer to a retry: how many tasks went back to pending, per error code. */
    public record RetryView(String runId, RunStatus status, int requeued, Map<String, Integer> requeuedByCode) {
    }

    /** The answer to a new run. */
    public record RunCreatedView(String runId, RunStatus status, int total) {
    }

    /**
     * A run with its progress.
     *
     * @param cost what its judgments have cost so far (retried errors included); null while none had a price
     * @param cached its judgments answered wholly from the judgment cache (no call sent, no cost)
     * @param errorExamples on a single run's read, a few errored judgments of each error code (trace, judge, model and
     *                      the start of the message); absent from lists
     * @param truncated the fields left out because the run alone is larger than an answer may hold
     *                  ({@code tribunal.api.max-answer-bytes}): {@code judges}, {@code models}
     */
    public record RunView(
            String runId,
            RunStatus status,
            List<String> judges,
            List<String> models,
            Integer samples,
            int total,
            long completed,
            long succeeded,
            long errored,
            Map<String, Long> errorsByCode,
            long cancelled,
            String trigger,
            String sweep,
            String createdBy,
            Instant createdAt,
            Instant startedAt,
            Instant finishedAt,
            Long etaSeconds,
            Double judgmentsPerSecond,
            Double cost,
            long cached,
            Map<String, List<ErrorExampleView>> errorExamples,
            List<String> truncated) {

        /** The same run with examples of its errors. */
        RunView withErrorExamples(Map<String, List<ErrorExampleView>> examples) {
            return new RunView(runId, status, judges, models, samples, total, completed, succeeded, errored, errorsByCode, cancelled,
                    trigger, sweep, createdBy, createdAt, startedAt, finishedAt, etaSeconds, judgmentsPerSecond, cost, cached, examples,
                    truncated);
        }

        /** Whether the run will not move any more (unless its errors are retried). */
        public boolean finished() {
            return status == RunStatus.COMPLETED || status == RunStatus.CANCELLED;
        }
    }

    /** An errored judgment of a run, as an example of its error code; {@code errorMessage} is cut to a few hundred characters. */
    public record ErrorExampleView(String traceId, String judge, String model, String errorMessage) {
    }

    /** {@code {"runs": [...], "next_page_token": "..."}}. */
    public record RunListView(List<RunView> runs, String nextPageToken) {
    }
}
