package dev.tribunal.probe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.judge.OutputSpec;

/**
 * How a judge's verdicts are ordered, to tell a raised verdict from a lowered one: booleans false &lt; true; numbers
 * by value; categorical verdicts by their position in the judge's {@code choices}, the first listed the highest. The
 * top verdict (a pass) is {@code true}, the judge's maximum, or the first choice. Pairwise verdicts are not ordered.
 */
final class VerdictScale {

    private final OutputSpec output;

    VerdictScale(OutputSpec output) {
        this.output = output;
    }

    /** The convention, as answers state it. */
    String basis() {
        if (output instanceof OutputSpec.BooleanOutput) {
            return "boolean: false < true";
        }
        if (output instanceof OutputSpec.NumericOutput) {
            return "numeric: by value";
        }
        if (output instanceof OutputSpec.CategoricalOutput c) {
            return "categorical: by position in choices, earlier is higher (" + String.join(" > ", c.choices()) + ")";
        }
        return "pairwise: not ordered";
    }

    /** The top verdict as text; null for a pairwise judge. */
    String top() {
        if (output instanceof OutputSpec.BooleanOutput) {
            return "true";
        }
        if (output instanceof OutputSpec.NumericOutput n) {
            return n.integer() ? Long.toString((long) n.max()) : Double.toString(n.max());
        }
        if (output instanceof OutputSpec.CategoricalOutput c) {
            return c.choices().get(0);
        }
        return null;
    }

    /** A verdict's place on the scale (higher is higher); null for a value the judge cannot give. */
    Double rank(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (output instanceof OutputSpec.BooleanOutput) {
            return value.isBoolean() ? (value.asBoolean() ? 1.0 : 0.0) : null;
        }
        if (output instanceof OutputSpec.NumericOutput) {
            return value.isNumber() ? value.asDouble() : null;
        }
        if (output instanceof OutputSpec.CategoricalOutput c) {
            int at = c.choices().indexOf(value.asText());
            return at < 0 ? null : (double) (c.choices().size() - 1 - at);
        }
        return null;
    }

    /** Whether the verdict is the top one. */
    boolean passes(JsonNode value) {
        Double rank = rank(value);
        if (rank == null) {
            return false;
        }
        if (output instanceof OutputSpec.NumericOutput n) {
            return rank == n.max();
        }
        if (output instanceof OutputSpec.CategoricalOutput c) {
            return rank == c.choices().size() - 1;
        }
        return rank == 1.0;
    }
}
