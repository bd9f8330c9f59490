package dev.tribunal.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tribunal.system.InvalidRequestException;

import java.util.List;

/**
 * A person's label for a judged name, as the judge of that name answers: the choices a form offers, and the label typed
 * as the judge's output is, so that people's labels and judges' verdicts compare.
 */
public final class HumanLabels {

    private HumanLabels() {
    }

    /** The labels to choose from: a categorical judge's choices, true/false for a boolean one, none otherwise (free text). */
    public static List<String> choices(JudgeDefinition judge) {
        OutputSpec output = judge == null ? null : judge.output();
        if (output instanceof OutputSpec.CategoricalOutput c) {
            return c.choices();
        }
        if (output instanceof OutputSpec.BooleanOutput) {
            return List.of("true", "false");
        }
        return List.of();
    }

    /**
     * The label as JSON: true/false for a boolean judge, a number for a numeric one, else text; a label a boolean or
     * numeric judge could not give is refused with a 400 that says so.
     */
    public static JsonNode typed(JudgeDefinition judge, String value) {
        OutputSpec output = judge == null ? null : judge.output();
        if (output instanceof OutputSpec.BooleanOutput) {
            InvalidRequestException.require(value.equals("true") || value.equals("false"), "the label must be true or false");
            return JsonNodeFactory.instance.booleanNode(Boolean.parseBoolean(value));
        }
        if (output instanceof OutputSpec.NumericOutput) {
            try {
                double number = Double.parseDouble(value);
                InvalidRequestException.require(Double.isFinite(number), "the label must be a finite number");
                return JsonNodeFactory.instance.numberNode(number);
            } catch (NumberFormatException e) {
                throw new InvalidRequestException("the label must be a number");
            }
        }
        return JsonNodeFactory.instance.textNode(value);
    }
}
