package dev.tribunal.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tribunal.judge.JudgeDefinition.Aggregate;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** How several verdicts become one, and the share that agrees with it. */
class VerdictsTest {

    private static final OutputSpec BOOL = new OutputSpec.BooleanOutput();
    private static final OutputSpec LABELS = new OutputSpec.CategoricalOutput(List.of("bad", "ok", "good"));
    private static final OutputSpec SCORE = new OutputSpec.NumericOutput(1, 5, true);

    private static List<JsonNode> bools(boolean... values) {
        List<JsonNode> nodes = new java.util.ArrayList<>();
        for (boolean v : values) {
            nodes.add(BooleanNode.valueOf(v));
        }
        return nodes;
    }

    private static List<JsonNode> ints(int... values) {
        return java.util.Arrays.stream(values).mapToObj(v -> (JsonNode) IntNode.valueOf(v)).toList();
    }

    @Test
    void theMajorityWinsAndATieIsTheStricterVerdict() {
        Verdicts.Combined three = Verdicts.combine(BOOL, Aggregate.MAJORITY, bools(true, true, false));
        assertEquals(BooleanNode.TRUE, three.value());
        assertEquals(2 / 3.0, three.agreement(), 1e-12);
        // a split vote is not a pass
        Verdicts.Combined tie = Verdicts.combine(BOOL, Aggregate.MAJORITY, bools(true, false, false, true));
        assertEquals(BooleanNode.FALSE, tie.value());
        assertEquals(0.5, tie.agreement(), 1e-12);
        // labels: the tied label listed first in the choices
        Verdicts.Combined labels = Verdicts.combine(LABELS, Aggregate.MAJORITY,
                List.of(TextNode.valueOf("good"), TextNode.valueOf("ok"), TextNode.valueOf("ok"), TextNode.valueOf("good")));
        assertEquals(TextNode.valueOf("ok"), labels.value());
        assertEquals(TextNode.valueOf("good"), Verdicts.combine(LABELS, Aggregate.MAJORITY,
                List.of(TextNode.valueOf("good"), TextNode.valueOf("bad"), TextNode.valueOf("good"))).value());
    }

    @Test
    void numbersTakeTheMedianOrTheMean() {
        Verdicts.Combined median = Verdicts.combine(SCORE, Aggregate.MEDIAN, ints(3, 4, 4, 5, 4));
        assertEquals(IntNode.valueOf(4), median.value());
        // within a tenth of the range (0.4) of the median: the three 4s
        assertEquals(0.6, median.agreement(), 1e-12);
        // whole numbers stay whole: of an even count, the lower middle value
        assertEquals(IntNode.valueOf(3), Verdicts.combine(SCORE, Aggregate.MEDIAN, ints(2, 3, 4, 5)).value());
        assertEquals(DoubleNode.valueOf(3.5), Verdicts.combine(new OutputSpec.NumericOutput(1, 5, false), Aggregate.MEDIAN,
                ints(2, 3, 4, 5)).value());
        assertEquals(DoubleNode.valueOf(3.333333), Verdicts.combine(SCORE, Aggregate.MEAN, ints(2, 3, 5)).value());
    }

    @Test
    void allAndAnyForBooleans() {
        assertEquals(BooleanNode.FALSE, Verdicts.combine(BOOL, Aggregate.ALL, bools(true, true, false)).value());
        assertEquals(BooleanNode.TRUE, Verdicts.combine(BOOL, Aggregate.ALL, bools(true, true)).value());
        assertEquals(BooleanNode.TRUE, Verdicts.combine(BOOL, Aggregate.ANY, bools(false, true, false)).value());
        assertEquals(1 / 3.0, Verdicts.combine(BOOL, Aggregate.ANY, bools(false, true, false)).agreement(), 1e-12);
    }
}
