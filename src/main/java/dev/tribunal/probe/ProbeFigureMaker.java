package dev.tribunal.probe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.judge.Judgment;
import dev.tribunal.judge.Pairs;
import dev.tribunal.judge.TraceData;
import dev.tribunal.probe.ProbeJob.Answer;
import dev.tribunal.probe.ProbeRequests.Group;
import dev.tribunal.probe.ProbeRequests.ProbeFigures;
import dev.tribunal.probe.ProbeRequests.SelfPreference;
import dev.tribunal.system.Json;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A probe's figures from its answered calls: counts, shares and their intervals, per probe. */
final class ProbeFigureMaker {

    private ProbeFigureMaker() {
    }

    /** Which model wrote a trace's response (its {@code tribunal.model} tag), or null. */
    static String writer(TraceData trace) {
        String model = trace.tags().get(ProbeService.MODEL_TAG);
        return model == null || model.isBlank() ? null : model;
    }

    /**
     * @param human the latest valid feedback of a person under the judge's name, JSON text by trace
     */
    static List<ProbeFigures> figures(ProbePlan plan, List<TraceData> traces, List<Answer> answers, Map<String, String> human) {
        VerdictScale scale = new VerdictScale(plan.judge().output());
        List<ProbeFigures> figures = new ArrayList<>();
        for (Probe probe : plan.probes()) {
            List<Answer> mine = answers.stream().filter(a -> a.call().probe().equals(probe)).toList();
            if (probe instanceof Probe.Repeat repeat) {
                figures.add(repeat(repeat, scale, mine));
            } else if (probe instanceof Probe.Verbosity) {
                figures.add(verbosity(scale, mine));
            } else if (probe instanceof Probe.Position) {
                figures.add(position(mine));
            } else {
                figures.add(selfPreference(plan, scale, traces, mine, human));
            }
        }
        return figures;
    }

    /** A trace's answers, in the order its calls were listed. */
    private static Map<String, List<Answer>> byTrace(List<Answer> answers) {
        Map<String, List<Answer>> byTrace = new LinkedHashMap<>();
        answers.forEach(a -> byTrace.computeIfAbsent(a.call().traceId(), id -> new ArrayList<>()).add(a));
        return byTrace;
    }

    private static void countErrors(List<Answer> answers, Map<String, Integer> errors) {
        answers.stream().map(Answer::judgment).filter(j -> !j.succeeded()).forEach(j -> errors.merge(j.errorCode().name(), 1, Integer::sum));
    }

    private static ProbeFigures repeat(Probe.Repeat probe, VerdictScale scale, List<Answer> answers) {
        int compared = 0;
        int changed = 0;
        int errored = 0;
        double agreement = 0;
        Map<String, Integer> errors = new TreeMap<>();
        for (List<Answer> trace : byTrace(answers).values()) {
            countErrors(trace, errors);
            if (trace.stream().anyMatch(a -> !a.judgment().succeeded())) {
                errored++;
                continue;
            }
            Map<Object, Integer> counts = new HashMap<>();
            trace.forEach(a -> counts.merge(key(scale, a.judgment().value()), 1, Integer::sum));
            compared++;
            changed += counts.size() > 1 ? 1 : 0;
            agreement += (double) counts.values().stream().mapToInt(Integer::intValue).max().orElse(0) / trace.size();
        }
        return new ProbeFigures(probe.type(), probe.k(), compared, changed, errored, Shares.share(changed, compared),
                Shares.wilson(changed, compared), errors, compared == 0 ? null : agreement / compared, null, null, null, null, null, null,
                null, null, null, null, null, null, null);
    }

    /** What makes two verdicts the same: their rank (1 and 1.0 are one number), else their JSON. */
    private static Object key(VerdictScale scale, JsonNode value) {
        Double rank = scale.rank(value);
        return rank != null ? rank : String.valueOf(value);
    }

    private static ProbeFigures verbosity(VerdictScale scale, List<Answer> answers) {
        int compared = 0;
        int changed = 0;
        int raised = 0;
        int lowered = 0;
        int errored = 0;
        Map<String, Integer> errors = new TreeMap<>();
        for (List<Answer> trace : byTrace(answers).values()) {
            countErrors(trace, errors);
            Judgment original = trace.stream().filter(a -> !a.call().padded()).map(Answer::judgment).findFirst().orElse(null);
            Judgment padded = trace.stream().filter(a -> a.call().padded()).map(Answer::judgment).findFirst().orElse(null);
            if (original == null || padded == null || !original.succeeded() || !padded.succeeded()) {
                errored++;
                continue;
            }
            compared++;
            Double before = scale.rank(original.value());
            Double after = scale.rank(padded.value());
            if (!key(scale, original.value()).equals(key(scale, padded.value()))) {
                changed++;
                if (before != null && after != null) {
                    raised += after > before ? 1 : 0;
                    lowered += after < before ? 1 : 0;
                }
            }
        }
        Double net = compared == 0 ? null : (double) (raised - lowered) / compared;
        return new ProbeFigures("verbosity", null, compared, changed, errored, Shares.share(changed, compared),
                Shares.wilson(changed, compared), errors, null, scale.basis(), raised, lowered, Shares.share(raised, compared),
                Shares.wilson(raised, compared), Shares.share(lowered, compared), Shares.wilson(lowered, compared), net,
                compared == 0 ? null : Shares.net(raised, lowered, compared), null, null, null, null);
    }

    private static ProbeFigures position(List<Answer> answers) {
        int compared = 0;
        int inconsistent = 0;
        int first = 0;
        int errored = 0;
        Map<String, Integer> errors = new TreeMap<>();
        for (Answer answer : answers) {
            Judgment pair = answer.judgment();
            if (!pair.succeeded()) {
                errored++;
                errors.merge(pair.errorCode().name(), 1, Integer::sum);
                continue;
            }
            compared++;
            if ("false".equals(pair.metadata().get(Pairs.CONSISTENT_KEY))) {
                inconsistent++;
                if ("A".equals(pair.metadata().get(Pairs.CANDIDATE_FIRST_KEY)) && "A".equals(pair.metadata().get(Pairs.BASELINE_FIRST_KEY))) {
                    first++;
                }
            }
        }
        return new ProbeFigures("position", null, compared, inconsistent, errored, Shares.share(inconsistent, compared),
                Shares.wilson(inconsistent, compared), errors, null, null, null, null, null, null, null, null, null, null, first,
                Shares.share(first, inconsistent), Shares.wilson(first, inconsistent), null);
    }

    private static ProbeFigures selfPreference(ProbePlan plan, VerdictScale scale, List<TraceData> traces, List<Answer> answers,
                                               Map<String, String> human) {
        String family = ModelFamily.of(plan.model().toString());
        Map<String, Judgment> verdicts = new HashMap<>();
        answers.forEach(a -> verdicts.put(a.call().traceId(), a.judgment()));
        GroupTally own = new GroupTally();
        GroupTally others = new GroupTally();
        int unattributed = 0;
        Map<String, Integer> errors = new TreeMap<>();
        countErrors(answers, errors);
        for (TraceData trace : traces) {
            String writer = writer(trace);
            if (writer == null) {
                unattributed++;
                continue;
            }
            GroupTally group = family.equals(ModelFamily.of(writer)) ? own : others;
            group.add(scale, verdicts.get(trace.traceId()), human.get(trace.traceId()));
        }
        Group ownGroup = own.group();
        Group othersGroup = others.group();
        Double difference = ownGroup.passRate() == null || othersGroup.passRate() == null ? null
                : ownGroup.passRate() - othersGroup.passRate();
        List<Double> differenceCi = difference == null ? null
                : Shares.difference(ownGroup.passRate(), ownGroup.passRateCi(), othersGroup.passRate(), othersGroup.passRateCi(), 0);
        SelfPreference self = new SelfPreference(family, scale.top(), ownGroup, othersGroup, unattributed, difference, differenceCi);
        return new ProbeFigures("self_preference", null, own.compared + others.compared, null, own.errored + others.errored, null, null,
                errors, null, scale.basis(), null, null, null, null, null, null, null, null, null, null, null, self);
    }

    /** One side of a self-preference probe, counted. */
    private static final class GroupTally {
        int traces;
        int compared;
        int errored;
        int passed;
        int humanCompared;
        int humanAgreed;

        void add(VerdictScale scale, Judgment verdict, String humanValue) {
            traces++;
            if (verdict == null || !verdict.succeeded()) {
                errored++;
                return;
            }
            compared++;
            passed += scale.passes(verdict.value()) ? 1 : 0;
            if (humanValue != null) {
                JsonNode label = Json.read(humanValue);
                humanCompared++;
                humanAgreed += key(scale, label).equals(key(scale, verdict.value())) ? 1 : 0;
            }
        }

        Group group() {
            return new Group(traces, compared, errored, passed, Shares.share(passed, compared), Shares.wilson(passed, compared),
                    humanCompared, humanAgreed, Shares.share(humanAgreed, humanCompared), Shares.wilson(humanAgreed, humanCompared));
        }
    }
}
