package dev.tribunal.metaeval;

import dev.tribunal.system.Urls;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.AssessmentKind;
import dev.tribunal.assessment.AssessmentRepository;
import dev.tribunal.assessment.AssessmentRepository.Judgment;
import dev.tribunal.assessment.AssessmentRepository.Reference;
import dev.tribunal.metaeval.MetaEvalRequests.CoverageView;
import dev.tribunal.metaeval.MetaEvalRequests.DisagreementListView;
import dev.tribunal.metaeval.MetaEvalRequests.DisagreementView;
import dev.tribunal.metaeval.MetaEvalRequests.JudgeReportView;
import dev.tribunal.metaeval.MetaEvalRequests.JudgeSelector;
import dev.tribunal.metaeval.MetaEvalRequests.MetaEvalRequest;
import dev.tribunal.metaeval.MetaEvalRequests.MetaEvalView;
import dev.tribunal.metaeval.MetaEvalRequests.OperationsView;
import dev.tribunal.metaeval.MetaEvalRequests.PairView;
import dev.tribunal.metaeval.MetaEvalRequests.SelfAgreementView;
import dev.tribunal.metaeval.MetaEvalRequests.StatisticsView;
import dev.tribunal.system.ApiConfig;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.Json;
import dev.tribunal.system.LeftOut;
import dev.tribunal.system.Page;
import dev.tribunal.system.PageReader;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.SizedRow;
import dev.tribunal.trace.TraceService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Judges compared with a human reference and with each other. A judge is (name, model, version):
 * the assessments' name, source_id and {@code tribunal.judge.version}; the latest valid one per trace
 * counts. The reference is the latest valid HUMAN feedback, or expectation, of a name. Only traces both
 * cover are compared; what is left out is counted.
 */
@ApplicationScoped
public class MetaEvalService {

    private static final int DEFAULT_SAMPLES = 1000;
    private static final long DEFAULT_SEED = 42;
    private static final int MAX_SAMPLES = 10_000;
    /**
     * A report compares at most this many judges (those with the most judgments; the request's {@code judges} picks
     * others): its size, and the pairs compared, grow with the square of the judges.
     */
    static final int MAX_JUDGES = 50;
    /**
     * Labels shown per judge: more (free text, say) and the confusion matrix, which grows with their square, and the
     * per-label scores are left out; agreement and kappa are still computed over all of them. A judge's categorical
     * output has at most 20 choices.
     */
    static final int MAX_LABELS = 50;

    private final AssessmentRepository assessments;
    private final TraceService traces;
    private final ApiConfig api;

    private final dev.tribunal.mlflow.MlflowRuns mlflowRuns;

    MetaEvalService(AssessmentRepository assessments, TraceService traces, ApiConfig api, dev.tribunal.mlflow.MlflowRuns mlflowRuns) {
        this.mlflowRuns = mlflowRuns;
        this.assessments = assessments;
        this.traces = traces;
        this.api = api;
    }

    /** A judge's latest judgment of a trace: its assessment (whose rationale is read only for disagreements) and figures. */
    /** Below this agreement a verdict of several samples or jury members counts as a low-agreement one. */
    static final double LOW_AGREEMENT = 0.8;

    private record Judged(String assessmentId, Instant createTime, String value, Double number, String errorCode, Long latencyMs, long tokens,
                          Double cost, Double agreement) {
    }

    /** Everything one comparison reads. */
    private record Data(Map<String, Map<String, Judged>> byJudge, Map<String, String[]> judgeKeys, Map<String, String> reference,
                        Map<String, Double> referenceNumbers) {
    }

    /** Names that judges have given assessments, alphabetically, with how many traces each can be compared on. */
    public Uni<List<MetaEvalRequests.JudgedName>> judgedNames() {
        return assessments.judgedNames()
                .map(names -> names.stream().map(n -> new MetaEvalRequests.JudgedName(n.name(), n.compared())).toList());
    }

    /** A trace to label: its data and every valid verdict of the name (judges' and people's). */
    public record LabelTrace(String traceId, String inputs, String outputs, List<Verdict> verdicts) {
    }

    /** One valid verdict on the trace. */
    public record Verdict(String assessmentId, String sourceType, String sourceId, String value, String error, String rationale) {
    }

    /** The trace to label next for a name, if any is left. */
    public Uni<java.util.Optional<String>> nextToLabel(String name) {
        return assessments.nextToLabel(name);
    }

    public Uni<LabelTrace> labelTrace(String traceId, String name) {
        return traces.inputsAndOutputs(traceId)
                .onItem().ifNull().failWith(() -> new dev.tribunal.system.ResourceNotFoundException("No trace '" + traceId + "'"))
                .chain(trace -> assessments.validFeedback(traceId, name).map(found -> {
                    List<Verdict> verdicts = found.stream().map(a -> new Verdict(a.id, a.sourceType.name(), a.sourceId,
                            label(Json.read(a.valueJson)), a.errorCode == null ? null : a.errorCode + ": " + a.errorMessage,
                            a.rationale)).toList();
                    return new LabelTrace(traceId, pretty(trace.inputs()), pretty(trace.outputs()), verdicts);
                }));
    }

    private static String pretty(JsonNode node) {
        if (node == null) {
            return "";
        }
        return node.isTextual() ? node.asText() : node.toPrettyString();
    }

    public Uni<MetaEvalView> evaluate(MetaEvalRequest request) {
        Check check = check(request);
        return load(request, check).map(data -> report(request, check, data))
                .chain(view -> assessments.mlflowRunsOf(request.name(), EVALUATION_RUNS_SHOWN)
                        .chain(ids -> mlflowRuns.summaries(ids, request.name() + "/"))
                        .map(runs -> new MetaEvalView(view.name(), view.reference(), view.referenceTraces(), view.judges(), view.pairwise(),
                                view.judgesLeftOut(), runs)));
    }

    /** MLflow evaluation runs a report lists. */
    static final int EVALUATION_RUNS_SHOWN = 20;

    /**
     * A page of the traces where a judge and the reference differ, in the order the judge's verdicts were written: at
     * most {@code maxResults} and tribunal.api.max-answer-bytes (rationales are read for the rows that fit only).
     */
    public Uni<DisagreementListView> disagreements(MetaEvalRequest request, String model, String version, PageToken after,
                                                   Integer maxResults) {
        Check check = check(request);
        InvalidRequestException.require(model != null && !model.isBlank(), "model is required: the judge whose disagreements to list");
        int limit = PageToken.maxResults(maxResults);
        return load(request, check).chain(data -> {
            String key = data.judgeKeys().entrySet().stream()
                    .filter(e -> e.getValue()[1].equals(model) && (version == null || version.isBlank() || e.getValue()[2].equals(version)))
                    .map(Map.Entry::getKey).findFirst()
                    .orElseThrow(() -> new dev.tribunal.system.ResourceNotFoundException("No judgments named '" + request.name() + "' by "
                            + model + (version == null ? "" : " at version " + version)));
            String[] parts = data.judgeKeys().get(key);
            Map<String, Disagreement> byAssessment = new LinkedHashMap<>();
            data.byJudge().get(key).entrySet().stream()
                    .filter(e -> {
                        String expected = data.reference().get(e.getKey());
                        return expected != null && e.getValue().errorCode() == null
                                && !same(e.getValue(), expected, data.referenceNumbers().get(e.getKey()));
                    })
                    .map(e -> new Disagreement(e.getKey(), e.getValue(), data.reference().get(e.getKey())))
                    .filter(d -> after == null || d.judged().createTime().isAfter(after.time())
                            || d.judged().createTime().equals(after.time()) && d.judged().assessmentId().compareTo(after.id()) > 0)
                    .sorted(Comparator.comparing((Disagreement d) -> d.judged().createTime()).thenComparing(d -> d.judged().assessmentId()))
                    .limit(limit + 1L)
                    .forEach(d -> byAssessment.put(d.judged().assessmentId(), d));
            return assessments.rationaleBytes(byAssessment.keySet())
                    .map(rationales -> byAssessment.values().stream().map(d -> new SizedRow(
                            new PageToken(d.judged().createTime(), d.judged().assessmentId()),
                            Page.ROW_OVERHEAD + utf8(d.traceId()) + utf8(d.judged().value()) + utf8(d.reference())
                                    + rationales.getOrDefault(d.judged().assessmentId(), 0L))).toList())
                    .chain(candidates -> PageReader.read(candidates, limit, api.maxAnswerBytes().asLongValue(), disagreementRows(byAssessment)))
                    .map(page -> new DisagreementListView(key, parts[1], parts[2], page.items(), page.nextPageToken()));
        });
    }

    /** A trace where the judge and the reference differ. */
    private record Disagreement(String traceId, Judged judged, String reference) {
    }

    private PageReader.Rows<DisagreementView> disagreementRows(Map<String, Disagreement> byAssessment) {
        return new PageReader.Rows<>() {
            @Override
            public Uni<List<DisagreementView>> load(List<String> ids, LeftOut leftOut) {
                return assessments.rationales(ids, leftOut.has("rationale"))
                        .map(rationales -> ids.stream().map(byAssessment::get).map(d -> new DisagreementView(d.traceId(), d.judged().value(),
                                d.reference(), rationales.get(d.judged().assessmentId()), "/api/traces/" + d.traceId(),
                                leftOut.truncated())).toList());
            }

            @Override
            public Uni<Map<String, Long>> fieldBytes(String id) {
                return assessments.rationaleBytes(List.of(id)).map(bytes -> Map.of("rationale", bytes.getOrDefault(id, 0L)));
            }
        };
    }

    private static long utf8(String text) {
        return text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The request's checked parts. */
    private record Check(String referenceName, AssessmentKind referenceKind, Map<String, String> tags, String[] runIds, int samples, long seed,
                         boolean samplesGiven) {

        /**
         * Resamples for an interval over {@code traces}: the request's own number, else the default, lowered (to at least
         * 100) so that resamples times traces stays within {@link #BOOTSTRAP_WORK}: a report over 100,000 traces then
         * answers in seconds, and with that many traces the interval is narrow anyway.
         */
        int samplesFor(int traces) {
            return samplesGiven ? samples : Math.min(samples, Math.max(MIN_DEFAULT_SAMPLES, (int) (BOOTSTRAP_WORK / Math.max(1, traces))));
        }
    }

    /** Resamples times traces a report computes by default. */
    private static final long BOOTSTRAP_WORK = 10_000_000L;
    private static final int MIN_DEFAULT_SAMPLES = 100;

    private static Check check(MetaEvalRequest request) {
        InvalidRequestException.require(request != null, "The body must be a JSON object with name and reference");
        InvalidRequestException.require(request.name() != null && !request.name().isBlank(), "name is required: the judgments' assessment name");
        InvalidRequestException.require(request.reference() != null,
                "reference is required: {\"human_feedback\": \"<name>\"} or {\"expectation\": \"<name>\"}");
        boolean human = request.reference().humanFeedback() != null;
        InvalidRequestException.require(human != (request.reference().expectation() != null),
                "reference needs exactly one of human_feedback or expectation");
        String referenceName = human ? request.reference().humanFeedback() : request.reference().expectation();
        InvalidRequestException.require(!referenceName.isBlank(), "the reference's name must not be empty");
        Map<String, String> tags = request.filter() == null || request.filter().tags() == null ? Map.of() : request.filter().tags();
        int samples = request.bootstrap() == null || request.bootstrap().samples() == null ? DEFAULT_SAMPLES : request.bootstrap().samples();
        InvalidRequestException.require(samples >= 0 && samples <= MAX_SAMPLES, "bootstrap.samples must be from 0 to " + MAX_SAMPLES);
        long seed = request.bootstrap() == null || request.bootstrap().seed() == null ? DEFAULT_SEED : request.bootstrap().seed();
        String[] runs = request.runIds() == null ? new String[0] : request.runIds().toArray(String[]::new);
        return new Check(referenceName, human ? AssessmentKind.FEEDBACK : AssessmentKind.EXPECTATION, tags, runs, samples, seed,
                request.bootstrap() != null && request.bootstrap().samples() != null);
    }

    /**
     * Reads the judgments and the reference, of the traces that have the request's tags. Once read, the rows are turned
     * into figures on a worker thread, never on the event loop: a report over 100,000 traces (bootstrap intervals
     * included) takes seconds of CPU.
     */
    private Uni<Data> load(MetaEvalRequest request, Check check) {
        return assessments.judgments(request.name(), check.runIds())
                .chain(judgments -> assessments.references(check.referenceName(), check.referenceKind())
                        .chain(reference -> tagged(check, judgments, reference)
                                .emitOn(io.smallrye.mutiny.infrastructure.Infrastructure.getDefaultWorkerPool())
                                .map(kept -> data(request, judgments, reference, kept))));
    }

    /** Which of the traces judged or referenced have the request's tags (every trace, when it names none). */
    private Uni<Predicate<String>> tagged(Check check, List<Judgment> judgments, List<Reference> reference) {
        if (check.tags().isEmpty()) {
            return Uni.createFrom().item(traceId -> true);
        }
        Set<String> traceIds = new HashSet<>();
        judgments.forEach(j -> traceIds.add(j.traceId()));
        reference.forEach(r -> traceIds.add(r.traceId()));
        return traces.withTags(traceIds, check.tags()).map(kept -> kept::contains);
    }

    private static Data data(MetaEvalRequest request, List<Judgment> judgments, List<Reference> reference, Predicate<String> kept) {
        Map<String, Map<String, Judged>> byJudge = new TreeMap<>();
        Map<String, String[]> keys = new HashMap<>();
        for (Judgment judgment : judgments) {
            String model = judgment.sourceId();
            String version = judgment.version() == null ? "" : judgment.version();
            if (!kept.test(judgment.traceId()) || !selected(request.judges(), model, version)) {
                continue;
            }
            String key = request.name() + " · " + model + (version.isEmpty() ? "" : " · " + version);
            keys.putIfAbsent(key, new String[] {judgment.sourceType().name(), model, version});
            JsonNode value = Json.read(judgment.value());
            byJudge.computeIfAbsent(key, k -> new LinkedHashMap<>()).put(judgment.traceId(), new Judged(
                    judgment.assessmentId(), judgment.createTime(), label(value), value != null && value.isNumber() ? value.asDouble() : null,
                    judgment.errorCode(), parseLong(judgment.latencyMs()), judgment.tokens(), parseDouble(judgment.cost()),
                    parseDouble(judgment.agreement())));
        }
        Map<String, String> labels = new LinkedHashMap<>();
        Map<String, Double> numbers = new HashMap<>();
        for (Reference expected : reference) {
            if (!kept.test(expected.traceId())) {
                continue;
            }
            JsonNode value = Json.read(expected.value());
            labels.put(expected.traceId(), label(value));
            if (value != null && value.isNumber()) {
                numbers.put(expected.traceId(), value.asDouble());
            } else {
                numbers.remove(expected.traceId());
            }
        }
        return new Data(byJudge, keys, labels, numbers);
    }

    private static boolean selected(List<JudgeSelector> judges, String model, String version) {
        return judges == null || judges.isEmpty() || judges.stream().anyMatch(j -> j != null && model.equals(j.model())
                && (j.version() == null || j.version().isBlank() || j.version().equals(version)));
    }

    private MetaEvalView report(MetaEvalRequest request, Check check, Data data) {
        // the judges with the most judgments, in the order of their keys
        List<String> keys = data.byJudge().keySet().stream()
                .sorted(Comparator.comparing((String key) -> data.byJudge().get(key).size()).reversed().thenComparing(key -> key))
                .limit(MAX_JUDGES)
                .sorted()
                .toList();
        List<JudgeReportView> judges = new ArrayList<>();
        for (String key : keys) {
            judges.add(judgeReport(request, check, data, key, data.byJudge().get(key)));
        }
        List<PairView> pairs = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            for (int j = i + 1; j < keys.size(); j++) {
                PairView pair = pair(keys.get(i), data.byJudge().get(keys.get(i)), keys.get(j), data.byJudge().get(keys.get(j)));
                // judges that never judged the same traces say nothing about each other
                if (pair.compared() > 0) {
                    pairs.add(pair);
                }
            }
        }
        Map<String, String> reference = Map.of(check.referenceKind() == AssessmentKind.FEEDBACK ? "human_feedback" : "expectation", check.referenceName());
        int leftOut = data.byJudge().size() - keys.size();
        return new MetaEvalView(request.name(), reference, data.reference().size(), judges, pairs, leftOut == 0 ? null : leftOut, List.of());
    }

    private JudgeReportView judgeReport(MetaEvalRequest request, Check check, Data data, String key, Map<String, Judged> judged) {
        String[] parts = data.judgeKeys().get(key);
        List<String> traces = new ArrayList<>();
        Map<String, Integer> errorsByCode = new TreeMap<>();
        int errored = 0;
        int valued = 0;
        for (Map.Entry<String, Judged> e : judged.entrySet()) {
            if (e.getValue().errorCode() != null) {
                errored++;
                errorsByCode.merge(e.getValue().errorCode(), 1, Integer::sum);
            } else {
                valued++;
                if (data.reference().containsKey(e.getKey())) {
                    traces.add(e.getKey());
                }
            }
        }
        int missing = (int) data.reference().keySet().stream().filter(t -> !judged.containsKey(t)).count();
        boolean numeric = !traces.isEmpty() && traces.stream().allMatch(t -> judged.get(t).number() != null && data.referenceNumbers().containsKey(t));
        StatisticsView statistics = numeric ? numericStatistics(traces, judged, data, check) : labelStatistics(traces, judged, data, check);
        int disagreements = (int) traces.stream().filter(t -> !same(judged.get(t), data.reference().get(t), data.referenceNumbers().get(t))).count();
        String link = "/api/meta-evaluations/disagreements?name=" + Urls.encode(request.name()) + "&model=" + Urls.encode(parts[1])
                + (parts[2].isEmpty() ? "" : "&version=" + Urls.encode(parts[2]))
                + (check.referenceKind() == AssessmentKind.FEEDBACK ? "&human_feedback=" : "&expectation=") + Urls.encode(check.referenceName());
        return new JudgeReportView(key, parts[1], parts[2].isEmpty() ? null : parts[2], parts[0], numeric ? "numeric" : "categorical",
                new CoverageView(traces.size(), valued, errored, errorsByCode, missing), statistics, operations(judged),
                agreement(traces, judged, data), disagreements, link,
                traces.isEmpty() ? notCompared(check, data, parts[2], valued, errored, errorsByCode) : null,
                numeric ? null : neverEqual(traces, judged, data));
    }

    /** Why a judge has no trace in common with the reference, in words. */
    private static String notCompared(Check check, Data data, String version, int valued, int errored, Map<String, Integer> errorsByCode) {
        String reference = check.referenceKind() == AssessmentKind.FEEDBACK
                ? "a person's label of '" + check.referenceName() + "'" : "the expectation '" + check.referenceName() + "'";
        String why;
        if (valued == 0) {
            why = "every one of its " + errored + " judgments failed (" + errorsByCode.entrySet().stream()
                    .map(e -> e.getKey() + ": " + e.getValue()).collect(java.util.stream.Collectors.joining(", ")) + ")";
        } else if (data.reference().isEmpty()) {
            why = "no trace has " + reference + " yet";
        } else {
            why = "none of the " + valued + " traces it judged has " + reference;
        }
        return version.isEmpty() ? why + "; its verdicts carry no judge version (logged by hand or by a client, not by a Tribunal run)" : why;
    }

    /**
     * A warning when the judge's values and the reference's can never be equal on the compared traces (a boolean judge
     * against a text expectation, or label sets with nothing in common): agreement and kappa then say nothing of the judge.
     */
    private static String neverEqual(List<String> traces, Map<String, Judged> judged, Data data) {
        if (traces.isEmpty()) {
            return null;
        }
        java.util.Set<String> judges = new java.util.TreeSet<>();
        java.util.Set<String> references = new java.util.TreeSet<>();
        for (String trace : traces) {
            judges.add(String.valueOf(judged.get(trace).value()));
            references.add(String.valueOf(data.reference().get(trace)));
        }
        if (judges.stream().anyMatch(references::contains)) {
            return null;
        }
        return "The judge's values (" + sample(judges) + ") and the reference's (" + sample(references) + ") are never equal: they are of "
                + "different kinds or label sets, so agreement and kappa say nothing of this judge. Compare it with a reference of its own kind.";
    }

    private static String sample(java.util.Set<String> values) {
        String shown = values.stream().limit(5).map(v -> v.length() > 40 ? v.substring(0, 40) + "…" : v)
                .collect(java.util.stream.Collectors.joining(", "));
        return values.size() > 5 ? shown + ", …" : shown;
    }

    private static StatisticsView labelStatistics(List<String> traces, Map<String, Judged> judged, Data data, Check check) {
        if (traces.isEmpty()) {
            return new StatisticsView(null, null, null, List.of(), 0, new int[0][0], List.of(), null, null, null, null, null, null);
        }
        List<String> a = traces.stream().map(t -> judged.get(t).value()).toList();
        List<String> b = traces.stream().map(t -> data.reference().get(t)).toList();
        List<String> labels = Agreement.labels(a, b);
        int samples = check.samplesFor(traces.size());
        Agreement.Interval ci = Agreement.bootstrap(traces.size(), samples, check.seed(),
                pick -> Agreement.cohensKappa(pickList(a, pick), pickList(b, pick)));
        boolean shown = labels.size() <= MAX_LABELS;
        return new StatisticsView(defined(Agreement.accuracy(a, b)), defined(Agreement.cohensKappa(a, b)), interval(ci), shown ? labels : null,
                labels.size(), shown ? Agreement.confusion(a, b, labels) : null, shown ? Agreement.perLabel(a, b, labels).stream()
                .map(s -> new Agreement.LabelScores(s.label(), defined(s.precision()), defined(s.recall()), defined(s.f1()), s.support())).toList() : null,
                null, null, null, null, null, samples);
    }

    private static StatisticsView numericStatistics(List<String> traces, Map<String, Judged> judged, Data data, Check check) {
        double[] a = traces.stream().mapToDouble(t -> judged.get(t).number()).toArray();
        double[] b = traces.stream().mapToDouble(t -> data.referenceNumbers().get(t)).toArray();
        int samples = check.samplesFor(traces.size());
        Agreement.Interval ci = Agreement.bootstrap(traces.size(), samples, check.seed(),
                pick -> Agreement.spearman(pickArray(a, pick), pickArray(b, pick)));
        Double qwk = null;
        if (Arrays.stream(a).allMatch(v -> v == Math.rint(v)) && Arrays.stream(b).allMatch(v -> v == Math.rint(v))) {
            int min = (int) Math.min(Arrays.stream(a).min().orElse(0), Arrays.stream(b).min().orElse(0));
            int max = (int) Math.max(Arrays.stream(a).max().orElse(0), Arrays.stream(b).max().orElse(0));
            qwk = defined(Agreement.quadraticWeightedKappa(a, b, min, max));
        }
        return new StatisticsView(null, null, null, null, null, null, null, defined(Agreement.pearson(a, b)), defined(Agreement.spearman(a, b)),
                interval(ci), defined(Agreement.meanAbsoluteError(a, b)), qwk, samples);
    }

    /**
     * How far a judge's own agreement (between its samples, or its jury's members) tells right from wrong: its mean, and
     * the accuracy against the reference of its verdicts below {@link #LOW_AGREEMENT} and of the others. Null for a judge
     * whose verdicts carry no agreement (one sample of one model).
     */
    private static SelfAgreementView agreement(List<String> traces, Map<String, Judged> judged, Data data) {
        List<Double> all = judged.values().stream().map(Judged::agreement).filter(java.util.Objects::nonNull).toList();
        if (all.isEmpty()) {
            return null;
        }
        int low = 0;
        int lowRight = 0;
        int high = 0;
        int highRight = 0;
        for (String trace : traces) {
            Judged j = judged.get(trace);
            if (j.agreement() == null) {
                continue;
            }
            boolean right = same(j, data.reference().get(trace), data.referenceNumbers().get(trace));
            if (j.agreement() < LOW_AGREEMENT) {
                low++;
                lowRight += right ? 1 : 0;
            } else {
                high++;
                highRight += right ? 1 : 0;
            }
        }
        return new SelfAgreementView(defined(all.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN)), LOW_AGREEMENT,
                low, low == 0 ? null : defined((double) lowRight / low), high, high == 0 ? null : defined((double) highRight / high));
    }

    private static OperationsView operations(Map<String, Judged> judged) {
        int n = judged.size();
        long errors = judged.values().stream().filter(j -> j.errorCode() != null).count();
        long[] latencies = judged.values().stream().map(Judged::latencyMs).filter(java.util.Objects::nonNull).mapToLong(Long::longValue)
                .sorted().toArray();
        double tokens = judged.values().stream().mapToLong(Judged::tokens).average().orElse(0);
        List<Double> costs = judged.values().stream().map(Judged::cost).filter(java.util.Objects::nonNull).toList();
        return new OperationsView(n, n == 0 ? null : defined((double) errors / n), percentile(latencies, 0.50), percentile(latencies, 0.95),
                defined(tokens), costs.isEmpty() ? null : defined(costs.stream().mapToDouble(Double::doubleValue).sum() / n));
    }

    private static PairView pair(String keyA, Map<String, Judged> a, String keyB, Map<String, Judged> b) {
        List<String> common = a.keySet().stream()
                .filter(t -> b.containsKey(t) && a.get(t).errorCode() == null && b.get(t).errorCode() == null).toList();
        if (common.isEmpty()) {
            return new PairView(keyA, keyB, 0, null, null, null);
        }
        boolean numeric = common.stream().allMatch(t -> a.get(t).number() != null && b.get(t).number() != null);
        List<String> la = common.stream().map(t -> a.get(t).value()).toList();
        List<String> lb = common.stream().map(t -> b.get(t).value()).toList();
        Double spearman = numeric ? defined(Agreement.spearman(common.stream().mapToDouble(t -> a.get(t).number()).toArray(),
                common.stream().mapToDouble(t -> b.get(t).number()).toArray())) : null;
        return new PairView(keyA, keyB, common.size(), defined(Agreement.accuracy(la, lb)), numeric ? null : defined(Agreement.cohensKappa(la, lb)),
                spearman);
    }

    /** The same verdict: equal numbers, or equal labels. */
    private static boolean same(Judged judged, String reference, Double referenceNumber) {
        if (judged.number() != null && referenceNumber != null) {
            return judged.number().doubleValue() == referenceNumber.doubleValue();
        }
        return judged.value() != null && judged.value().equals(reference);
    }

    /** A value as a label: text trimmed and lower-cased (Yes = yes), true/false, numbers as written. */
    public static String label(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (value.isTextual()) {
            return value.asText().trim().toLowerCase(Locale.ROOT);
        }
        if (value.isNumber() && value.asDouble() == Math.rint(value.asDouble())) {
            return Long.toString(value.asLong());
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }

    private static List<String> pickList(List<String> values, int[] pick) {
        List<String> picked = new ArrayList<>(pick.length);
        for (int i : pick) {
            picked.add(values.get(i));
        }
        return picked;
    }

    private static double[] pickArray(double[] values, int[] pick) {
        double[] picked = new double[pick.length];
        for (int i = 0; i < pick.length; i++) {
            picked[i] = values[pick[i]];
        }
        return picked;
    }

    private static List<Double> interval(Agreement.Interval ci) {
        return ci.low() == null ? null : List.of(defined(ci.low()), defined(ci.high()));
    }

    private static Long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? null : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** Figures go out at full precision, so that reports can be recomputed and compared; pages round them. Undefined is null. */
    private static Double defined(Double value) {
        return value == null || value.isNaN() || value.isInfinite() ? null : value;
    }

    private static Long parseLong(String text) {
        try {
            return text == null ? null : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static Double parseDouble(String text) {
        try {
            return text == null ? null : Double.parseDouble(text);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
