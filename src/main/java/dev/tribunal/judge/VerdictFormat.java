package dev.tribunal.judge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.langchain4j.model.chat.request.json.JsonBooleanSchema;
import dev.langchain4j.model.chat.request.json.JsonEnumSchema;
import dev.langchain4j.model.chat.request.json.JsonIntegerSchema;
import dev.langchain4j.model.chat.request.json.JsonNumberSchema;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.request.json.JsonSchemaElement;
import dev.tribunal.judge.OutputSpec.CategoricalOutput;
import dev.tribunal.judge.OutputSpec.NumericOutput;
import dev.tribunal.system.Json;
import dev.tribunal.system.ShortText;

import java.util.List;

/**
 * The verdict a model must return, {@code {"rationale": "...", "result": <typed>}}: its JSON schema
 * for structured output, and the strict reading of the reply. A reply that does not fit is an error,
 * never a pass and never a default.
 */
public final class VerdictFormat {

    /** A reply read: the typed value and the rationale, or why it was refused. */
    public record Verdict(JsonNode value, String rationale, String problem) {
        public boolean valid() {
            return problem == null;
        }

        static Verdict invalid(String problem) {
            return new Verdict(null, null, problem);
        }
    }

    private static final java.util.Map<OutputSpec, JsonSchema> SCHEMAS = new java.util.concurrent.ConcurrentHashMap<>();

    private VerdictFormat() {
    }

    /** The schema of an output spec, built once per spec (specs are values). */
    public static JsonSchema schema(OutputSpec output) {
        // a pairwise judge's model says which of the two it was shown is better
        return SCHEMAS.computeIfAbsent(output instanceof OutputSpec.PairwiseOutput ? OutputSpec.PairwiseOutput.ASKED : output,
                VerdictFormat::buildSchema);
    }

    private static JsonSchema buildSchema(OutputSpec output) {
        return JsonSchema.builder()
                .name("judge_verdict")
                .rootElement(JsonObjectSchema.builder()
                        .addStringProperty("rationale", "One or two sentences that justify the result")
                        .addProperty("result", resultSchema(output))
                        .required(List.of("rationale", "result"))
                        .additionalProperties(false)
                        .build())
                .build();
    }

    private static JsonSchemaElement resultSchema(OutputSpec output) {
        if (output instanceof CategoricalOutput c) {
            return JsonEnumSchema.builder().enumValues(c.choices()).build();
        }
        if (output instanceof NumericOutput n) {
            String range = "From " + n.min() + " to " + n.max();
            return n.integer() ? JsonIntegerSchema.builder().description(range).build()
                    : JsonNumberSchema.builder().description(range).build();
        }
        return new JsonBooleanSchema();
    }

    /** Reads a reply; a single surrounding Markdown code fence is tolerated, nothing else. */
    public static Verdict read(String reply, OutputSpec output) {
        if (reply == null || reply.isBlank()) {
            return Verdict.invalid("the model returned an empty reply");
        }
        String text = stripFence(reply.trim());
        JsonNode root;
        try {
            root = Json.parseStrict(text);
        } catch (JsonProcessingException e) {
            return Verdict.invalid("the reply is not valid JSON, or not only JSON (" + ShortText.oneLine(e.getOriginalMessage(), 60) + "): "
                    + snippet(reply));
        }
        if (root == null || !root.isObject()) {
            return Verdict.invalid("the reply is not a JSON object: " + snippet(reply));
        }
        JsonNode result = root.get("result");
        if (result == null || result.isNull()) {
            return Verdict.invalid("the reply has no result: " + snippet(reply));
        }
        JsonNode rationaleNode = root.get("rationale");
        String rationale = rationaleNode == null || rationaleNode.isNull() ? null : rationaleNode.asText();
        return typed(result, rationale, output);
    }

    /**
     * A result checked against an output spec, as a model's reply is read: the value as stored (a choice in its
     * declared spelling, a whole number as such), or why it does not fit.
     */
    public static Verdict check(JsonNode result, OutputSpec output) {
        if (result == null || result.isNull()) {
            return Verdict.invalid("there is no result");
        }
        return typed(result, null, output);
    }

    private static Verdict typed(JsonNode result, String rationale, OutputSpec spec) {
        // a stored pairwise verdict names the trace that won
        OutputSpec output = spec instanceof OutputSpec.PairwiseOutput ? OutputSpec.PairwiseOutput.STORED : spec;
        if (output instanceof CategoricalOutput c) {
            if (!result.isTextual()) {
                return Verdict.invalid("result " + result + " is not one of " + c.choices());
            }
            String label = result.asText().trim();
            for (String choice : c.choices()) {
                if (choice.equals(label)) {
                    return new Verdict(JsonNodeFactory.instance.textNode(choice), rationale, null);
                }
            }
            List<String> caseless = c.choices().stream().filter(choice -> choice.equalsIgnoreCase(label)).toList();
            if (caseless.size() == 1) {
                return new Verdict(JsonNodeFactory.instance.textNode(caseless.get(0)), rationale, null);
            }
            return Verdict.invalid("result \"" + label + "\" is not one of " + c.choices());
        }
        if (output instanceof NumericOutput n) {
            if (!result.isNumber()) {
                return Verdict.invalid("result " + result + " is not a number");
            }
            double value = result.asDouble();
            if (Double.isNaN(value) || value < n.min() || value > n.max()) {
                return Verdict.invalid("result " + result + " is outside the range [" + n.min() + ", " + n.max() + "]");
            }
            if (n.integer()) {
                if (value != Math.rint(value)) {
                    return Verdict.invalid("result " + result + " is not a whole number");
                }
                return new Verdict(JsonNodeFactory.instance.numberNode((long) value), rationale, null);
            }
            return new Verdict(JsonNodeFactory.instance.numberNode(value), rationale, null);
        }
        if (!result.isBoolean()) {
            return Verdict.invalid("result " + result + " is not true or false");
        }
        return new Verdict(result, rationale, null);
    }

    private static String stripFence(String text) {
        if (text.startsWith("```") && text.endsWith("```") && text.length() >= 6) {
            String inner = text.substring(3, text.length() - 3);
            int newline = inner.indexOf('\n');
            return newline >= 0 && inner.substring(0, newline).trim().matches("[A-Za-z]*") ? inner.substring(newline + 1).trim() : inner.trim();
        }
        return text;
    }

    private static String snippet(String reply) {
        return ShortText.oneLine(reply, 160);
    }
}
