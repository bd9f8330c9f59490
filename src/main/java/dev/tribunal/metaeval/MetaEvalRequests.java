package dev.tribunal.metaeval;

import java.util.List;
import java.util.Map;

/** Bodies and answers of the meta-evaluation endpoints. */
public final class MetaEvalRequests {

    private MetaEvalRequests() {
    }

    /**
     * What to compare: the judges' assessments named {@code name} (all judges found, or those of the
     * given models and versions) against a reference, on traces matching the filter, from some runs.
     */
    public record MetaEvalRequest(String name, List<JudgeSelector> judges, ReferenceRequest reference, FilterRequest filter,
                                  List<String> runIds, BootstrapRequest bootstrap) {
    }

    /** A judge to compare: a model id (or a code judge's name) and optionally one version. */
    public record JudgeSelector(String model, String version) {
    }

    /** Exactly one: HUMAN feedback of that name, or an expectation of that name. */
    public record ReferenceRequest(String humanFeedback, String expectation) {
    }

    /** Traces to compare on: all of these tags. */
    public record FilterRequest(Map<String, String> tags) {
    }

    /** Resamples and seed of the confidence intervals (default 1,000 and 42). */
    public record BootstrapRequest(Integer samples, Long seed) {
    }

    /**
     * The report.
     *
     * @param judgesLeftOut judges found but not compared, beyond the most a report holds (absent when none)
     * @param evaluationRuns the MLflow evaluation runs (mlflow.genai.evaluate) whose scorers logged assessments of this
     *                       name, latest first (at most 20), with their metrics named {@code <name>/...}; their verdicts
     *                       are among the judges compared (a request's {@code run_ids} may name them)
     */
    public record MetaEvalView(String name, Map<String, String> reference, int referenceTraces, List<JudgeReportView> judges,
                               List<PairView> pairwise, Integer judgesLeftOut, List<dev.tribunal.mlflow.MlflowRuns.RunSummary> evaluationRuns) {
    }

    /**
     * One judge against the reference.
     *
     * @param kind        categorical (labels) or numeric
     * @param notCompared why no trace could be compared (absent when some were)
     * @param warning     why the figures say nothing although traces were compared (the judge's values and the
     *                    reference's can never be equal, say); absent when there is none
     */
    public record JudgeReportView(String judge, String model, String version, String sourceType, String kind, CoverageView coverage,
                                  StatisticsView statistics, OperationsView operations, SelfAgreementView selfAgreement, int disagreements,
                                  String disagreementsLink,
                                  String notCompared, String warning) {
    }

    /** Which traces the comparison stands on; nothing is silently dropped. */
    public record CoverageView(int compared, int judged, int errored, Map<String, Integer> erroredByCode, int missing) {
    }

    /**
     * The figures; those of the other kind are absent.
     *
     * @param labelCount the labels both sides used; beyond the most a report shows, {@code labels}, {@code confusion}
     *                   and {@code per_label} are absent
     */
    public record StatisticsView(Double accuracy, Double kappa, List<Double> kappaCi, List<String> labels, Integer labelCount, int[][] confusion,
                                 List<Agreement.LabelScores> perLabel, Double pearson, Double spearman, List<Double> spearmanCi,
                                 Double meanAbsoluteError, Double quadraticWeightedKappa, Integer bootstrapSamples) {
    }

    /**
     * A judge's agreement with itself (its samples, or its jury's members), and whether it tells right from wrong: the
     * accuracy against the reference of its verdicts with agreement below {@code lowBelow} and of the others.
     */
    public record SelfAgreementView(Double meanAgreement, double lowBelow, int lowCompared, Double lowAccuracy, int highCompared,
                                    Double highAccuracy) {
    }

    /** What the judgments cost. */
    public record OperationsView(int judgments, Double errorRate, Long latencyMsP50, Long latencyMsP95, Double tokensPerJudgment,
                                 Double costPerJudgment) {
    }

    /** A name judges have given verdicts under, and on how many traces they can be compared with people's labels of it. */
    public record JudgedName(String name, long compared) {
    }

    /** Two judges on their common traces (only pairs that have some are listed). */
    public record PairView(String a, String b, int compared, Double agreement, Double kappa, Double spearman) {
    }

    /**
     * A trace where the judge and the reference differ.
     *
     * @param truncated {@code ["rationale"]} when the rationale alone is larger than an answer may hold
     */
    public record DisagreementView(String traceId, String judgeValue, String referenceValue, String rationale, String trace,
                                   List<String> truncated) {
    }

    /** {@code {"disagreements": [...], "next_page_token": "..."}}; no token on the last page. */
    public record DisagreementListView(String judge, String model, String version, List<DisagreementView> disagreements,
                                       String nextPageToken) {
    }
}
