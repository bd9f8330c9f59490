package dev.tribunal.judge;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tribunal.judge.JudgeDefinition.Kind;
import dev.tribunal.llm.ModelId;
import io.smallrye.mutiny.Uni;

import java.util.List;
import java.util.Map;

/**
 * A pairwise judge's verdict on one pair, position-debiased: the pair is shown twice, the candidate first and then the
 * baseline first, and the candidate wins (or loses) only when both orders say so. Orders that disagree give a tie
 * marked {@code position_consistent: false}; a judge that always prefers what it sees first ends with only such ties.
 */
public final class Pairs {

    /** The reply (A, B or tie) when the candidate was shown first (as A), and its rationale. */
    public static final String CANDIDATE_FIRST_KEY = "tribunal.pairwise.candidate_first";
    public static final String CANDIDATE_FIRST_RATIONALE_KEY = "tribunal.pairwise.candidate_first.rationale";
    /** The reply (A, B or tie) when the baseline was shown first (as A), and its rationale. */
    public static final String BASELINE_FIRST_KEY = "tribunal.pairwise.baseline_first";
    public static final String BASELINE_FIRST_RATIONALE_KEY = "tribunal.pairwise.baseline_first.rationale";
    /** Whether both orders gave the same verdict. */
    public static final String CONSISTENT_KEY = "tribunal.pairwise.position_consistent";
    /** The trace the candidate was compared with. */
    public static final String BASELINE_TRACE_KEY = "tribunal.baseline_trace_id";
    /** The comparison (the run) that made the verdict. */
    public static final String COMPARISON_KEY = "tribunal.comparison";

    public static final String CANDIDATE = "candidate";
    public static final String BASELINE = "baseline";
    public static final String TIE = "tie";

    private Pairs() {
    }

    /** Both orders asked side by side, then combined. */
    static Uni<Judgment> judge(JudgeRunner runner, JudgeDefinition judge, ModelId model, TraceData candidate, TraceData baseline,
                               String comparison) {
        Uni<Judgment> candidateFirst = runner.askPair(judge, model, candidate, candidate.outputs(), baseline.outputs(), comparison);
        Uni<Judgment> baselineFirst = runner.askPair(judge, model, candidate, baseline.outputs(), candidate.outputs(), comparison);
        return Uni.combine().all().unis(candidateFirst, baselineFirst).asTuple()
                .map(both -> combine(judge, model, baseline.traceId(), comparison, both.getItem1(), both.getItem2()));
    }

    /** The pair's verdict from its two orders: an error when either order has none. */
    static Judgment combine(JudgeDefinition judge, ModelId model, String baselineTraceId, String comparison, Judgment candidateFirst,
                            Judgment baselineFirst) {
        Judgment.Outcome outcome = Judgment.Outcome.sum(List.of(candidateFirst.outcome(), baselineFirst.outcome()));
        Map<String, String> metadata = JudgeRunner.metadata(judge, outcome);
        metadata.put(BASELINE_TRACE_KEY, baselineTraceId);
        metadata.put(COMPARISON_KEY, comparison);
        if (!candidateFirst.succeeded() || !baselineFirst.succeeded()) {
            Judgment failed = candidateFirst.succeeded() ? baselineFirst : candidateFirst;
            String message = (candidateFirst.succeeded() ? "" : "with the candidate shown first: " + candidateFirst.errorCode() + ": "
                    + candidateFirst.errorMessage() + (baselineFirst.succeeded() ? "" : "; "))
                    + (baselineFirst.succeeded() ? "" : "with the baseline shown first: " + baselineFirst.errorCode() + ": "
                    + baselineFirst.errorMessage());
            return new Judgment(judge.name(), judge.version(), Kind.LLM, model.toString(), null, null, null, failed.errorCode(), message,
                    metadata, outcome);
        }
        String first = candidateFirst.value().asText();
        String second = baselineFirst.value().asText();
        String one = winner(first, CANDIDATE, BASELINE);
        String other = winner(second, BASELINE, CANDIDATE);
        boolean consistent = one.equals(other);
        metadata.put(CANDIDATE_FIRST_KEY, first);
        metadata.put(BASELINE_FIRST_KEY, second);
        metadata.put(CONSISTENT_KEY, Boolean.toString(consistent));
        if (candidateFirst.rationale() != null) {
            metadata.put(CANDIDATE_FIRST_RATIONALE_KEY, candidateFirst.rationale());
        }
        if (baselineFirst.rationale() != null) {
            metadata.put(BASELINE_FIRST_RATIONALE_KEY, baselineFirst.rationale());
        }
        String rationale = "Candidate shown first: " + first + " (" + one + "). " + nonNull(candidateFirst.rationale())
                + "\nBaseline shown first: " + second + " (" + other + "). " + nonNull(baselineFirst.rationale())
                + (consistent ? "" : "\nThe two orders disagree: a tie, position-inconsistent.");
        return new Judgment(judge.name(), judge.version(), Kind.LLM, model.toString(), null, TextNode.valueOf(consistent ? one : TIE),
                rationale, null, null, metadata, outcome);
    }

    /** A reply read as the trace it prefers: A is the one shown first. */
    private static String winner(String reply, String shownFirst, String shownSecond) {
        return switch (reply) {
            case "A" -> shownFirst;
            case "B" -> shownSecond;
            default -> TIE;
        };
    }

    private static String nonNull(String text) {
        return text == null ? "" : text;
    }
}
