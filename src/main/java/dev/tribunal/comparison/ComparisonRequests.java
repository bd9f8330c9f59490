package dev.tribunal.comparison;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Bodies and answers of the comparison endpoints. */
public final class ComparisonRequests {

    private ComparisonRequests() {
    }

    /**
     * A pairwise judge over pairs of traces: the candidate traces each paired with a baseline trace of equal inputs
     * ({@code "match_on": "inputs"}, the default) or of equal value of a tag ({@code {"tag": "<key>"}}).
     *
     * @param models each model judges every pair (none: the judge's own)
     */
    public record ComparisonRequest(String judge, Selector baseline, Selector candidate, JsonNode matchOn, List<String> models,
                                    Boolean dryRun, Boolean confirmCost) {
    }

    /** Traces by id, or by tags; either within an optional window of request time ({@code from} inclusive, {@code to} exclusive). */
    public record Selector(List<String> traceIds, Map<String, String> tags, Instant from, Instant to) {
    }

    /** The answer to a new comparison: its id (also its run's), its pairs, and the traces that found no partner. */
    public record ComparisonCreatedView(String comparisonId, int pairs, int judgments, Unmatched unmatched) {
    }

    /** Traces left without a partner, counted, and the first ones listed. */
    public record Unmatched(int candidates, int baselines, List<String> candidateIds, List<String> baselineIds) {
    }

    /** What a comparison would take: its pairs, calls (two per pair and model), tokens and cost. */
    public record ComparisonDryRunView(boolean dryRun, int pairs, long llmCalls, long estimatedPromptTokens, long maxCompletionTokens,
                                       Double estimatedCost, Unmatched unmatched) {
    }

    /**
     * A comparison's report.
     *
     * @param models each model's figures, side by side
     * @param pairs the pairs from {@code offset}, at most {@code max_pairs}
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ComparisonView(String comparisonId, String judge, String judgeVersion, String status, int pairsTotal, long completed,
                                 Unmatched unmatched, JsonNode request, Instant createdAt, String createdBy, List<ModelFigures> models,
                                 List<PairView> pairs, Integer nextOffset) {
    }

    /**
     * One model's verdicts over the pairs.
     *
     * @param winRate the candidate's share of wins, a tie counted as half a win
     * @param winRateCi its 95 % Wilson score interval over the judged pairs
     * @param positionConsistency the share of judged pairs whose two orders agreed
     * @param firstPositionPreference of the pairs whose orders disagreed, the share where both orders chose the response shown first
     */
    public record ModelFigures(String model, int judged, int errored, Map<String, Integer> erroredByCode, int wins, int ties, int losses,
                               int positionInconsistent, Double winRate, List<Double> winRateCi, Double positionConsistency,
                               Double firstPositionPreference) {
    }

    /** A comparison in a list: what it compares and how far it has come. */
    public record ComparisonSummary(String comparisonId, String judge, String judgeVersion, List<String> models, int pairs,
                                    Unmatched unmatched, String status, long completed, Instant createdAt, String createdBy) {
    }

    /** {@code {"comparisons": [...], "next_page_token": "..."}}. */
    public record ComparisonListView(List<ComparisonSummary> comparisons, String nextPageToken) {
    }

    /** One pair as judged by one model: both orders' replies and rationales, and links to both traces. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PairView(String model, String candidateTraceId, String baselineTraceId, String verdict, Boolean positionConsistent,
                           String candidateFirst, String baselineFirst, String candidateFirstRationale, String baselineFirstRationale,
                           String errorCode, String errorMessage, String candidateLink, String baselineLink, String assessmentId) {
    }
}
