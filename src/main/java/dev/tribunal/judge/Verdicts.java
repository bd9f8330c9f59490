package dev.tribunal.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.IntNode;
import dev.tribunal.judge.JudgeDefinition.Aggregate;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Several verdicts of one output (a judge's samples, a jury's members) made one, with the share that agrees with it.
 * <ul>
 *   <li>{@code majority}: the most frequent label. A tie between labels goes to the stricter side: for a boolean
 *       output {@code false} (a split vote is not a pass), for a categorical one the tied label listed first in the
 *       judge's {@code choices}.</li>
 *   <li>{@code median}: the middle value; of an even number of values, the mean of the two middle ones (for whole-number
 *       outputs the lower of the two, so that the verdict stays a whole number and a split does not round up).</li>
 *   <li>{@code mean}: the arithmetic mean.</li>
 *   <li>{@code all} / {@code any} (boolean): true when every value is true / when at least one is.</li>
 * </ul>
 * Agreement is the share of the verdicts equal to the aggregate; for numbers, within a tenth of the output's range of it.
 */
public final class Verdicts {

    /** The share of a numeric output's range within which a value agrees with the aggregate. */
    static final double NUMERIC_AGREEMENT_SPAN = 0.10;

    private Verdicts() {
    }

    /**
     * @param value the aggregate verdict
     * @param agreement the share of the verdicts that agree with it, 0 to 1
     */
    public record Combined(JsonNode value, double agreement) {
    }

    /** The rule samples are combined by: the median of numbers, the majority label otherwise. */
    public static Aggregate samplesRule(OutputSpec output) {
        return output instanceof OutputSpec.NumericOutput ? Aggregate.MEDIAN : Aggregate.MAJORITY;
    }

    /** @param values at least one verdict, each valid for {@code output} */
    public static Combined combine(OutputSpec output, Aggregate rule, List<JsonNode> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no verdict to combine");
        }
        JsonNode value = switch (rule) {
            case MAJORITY -> majority(output, values);
            case MEDIAN -> number(output, median(numbers(values), output instanceof OutputSpec.NumericOutput n && n.integer()));
            case MEAN -> number(output, Arrays.stream(numbers(values)).average().orElseThrow());
            case ALL -> BooleanNode.valueOf(values.stream().allMatch(JsonNode::asBoolean));
            case ANY -> BooleanNode.valueOf(values.stream().anyMatch(JsonNode::asBoolean));
        };
        long agreeing = values.stream().filter(v -> agrees(output, v, value)).count();
        return new Combined(value, (double) agreeing / values.size());
    }

    /** Whether one verdict agrees with the aggregate. */
    static boolean agrees(OutputSpec output, JsonNode verdict, JsonNode aggregate) {
        if (output instanceof OutputSpec.NumericOutput numeric) {
            return Math.abs(verdict.asDouble() - aggregate.asDouble()) <= NUMERIC_AGREEMENT_SPAN * (numeric.max() - numeric.min()) + 1e-9;
        }
        return label(verdict).equals(label(aggregate));
    }

    private static JsonNode majority(OutputSpec output, List<JsonNode> values) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        Map<String, JsonNode> byLabel = new LinkedHashMap<>();
        for (JsonNode value : values) {
            counts.merge(label(value), 1, Integer::sum);
            byLabel.putIfAbsent(label(value), value);
        }
        int most = counts.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
        List<String> tied = counts.entrySet().stream().filter(e -> e.getValue() == most).map(Map.Entry::getKey).toList();
        if (tied.size() == 1) {
            return byLabel.get(tied.get(0));
        }
        if (output instanceof OutputSpec.BooleanOutput) {
            return BooleanNode.FALSE;
        }
        if (output instanceof OutputSpec.CategoricalOutput categorical) {
            for (String choice : categorical.choices()) {
                if (tied.contains(choice)) {
                    return byLabel.get(choice);
                }
            }
        }
        return byLabel.get(tied.stream().sorted().findFirst().orElseThrow());
    }

    private static double[] numbers(List<JsonNode> values) {
        return values.stream().mapToDouble(JsonNode::asDouble).sorted().toArray();
    }

    /** The middle value; of an even number, the mean of the two middle ones, or for whole numbers the lower (stricter) one. */
    private static double median(double[] sorted, boolean whole) {
        int n = sorted.length;
        if (n % 2 == 1) {
            return sorted[n / 2];
        }
        return whole ? sorted[n / 2 - 1] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** A whole number as an integer node, anything else as a number. */
    private static JsonNode number(OutputSpec output, double value) {
        double rounded = Math.round(value * 1e6) / 1e6;
        if (rounded == Math.rint(rounded) && Math.abs(rounded) < Integer.MAX_VALUE) {
            return IntNode.valueOf((int) rounded);
        }
        return DoubleNode.valueOf(rounded);
    }

    /** A verdict as the label it is counted under. */
    static String label(JsonNode value) {
        return value.isTextual() ? value.asText() : value.toString();
    }
}
