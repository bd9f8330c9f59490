package dev.tribunal.probe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.List;

/**
 * Correct but irrelevant text appended to a response, for the verbosity probe: a paragraph of true, generic English
 * sentences, at least {@link #MIN_SENTENCES} and about as long as the text it follows, so that the padded response is
 * roughly twice as long and says nothing new about the question.
 */
final class Padding {

    /** True whatever the question; none carries a judgement of anything. */
    static final List<String> SENTENCES = List.of(
            "A kilometre is one thousand metres.",
            "Water boils at one hundred degrees Celsius at sea level.",
            "The Pacific is the largest ocean on Earth.",
            "A week has seven days.",
            "Paris is the capital of France.",
            "There are sixty minutes in an hour.",
            "The Earth orbits the Sun once a year.",
            "A litre of water weighs about one kilogram.",
            "Mount Everest is the highest mountain above sea level.",
            "The Nile flows north into the Mediterranean Sea.",
            "A triangle has three sides.",
            "Light travels faster than sound.",
            "Canberra is the capital of Australia.",
            "An inch is two and a half centimetres, roughly.",
            "The Moon orbits the Earth.",
            "Ice is the solid form of water.",
            "A leap year has three hundred and sixty-six days.",
            "The Sahara is a desert in Africa.",
            "A dozen means twelve.",
            "Oxygen is a gas at room temperature.");

    /** Sentences in every padding, however short the response: a paragraph, not a remark. */
    static final int MIN_SENTENCES = 4;

    private Padding() {
    }

    /**
     * The outputs padded: text gets a paragraph after it; in a JSON object or array the longest string is padded (any
     * depth); JSON without a string becomes its text with the paragraph after it. Null for no outputs.
     *
     * @param seed picks where in the list the paragraph starts, so that traces are not all padded alike
     */
    static JsonNode pad(JsonNode outputs, long seed) {
        if (outputs == null || outputs.isNull() || outputs.isMissingNode()) {
            return null;
        }
        if (outputs.isTextual()) {
            return TextNode.valueOf(padded(outputs.asText(), seed));
        }
        if (outputs.isContainerNode()) {
            JsonNode copy = outputs.deepCopy();
            Longest longest = new Longest();
            find(copy, longest);
            if (longest.parent != null) {
                String padded = padded(longest.text, seed);
                if (longest.parent instanceof ObjectNode object) {
                    object.put(longest.field, padded);
                } else {
                    ((ArrayNode) longest.parent).set(longest.index, TextNode.valueOf(padded));
                }
                return copy;
            }
        }
        return TextNode.valueOf(padded(outputs.toString(), seed));
    }

    /** The text, a blank line, and a paragraph at least as long as the text. */
    static String padded(String text, long seed) {
        StringBuilder paragraph = new StringBuilder();
        int start = (int) Math.floorMod(seed, (long) SENTENCES.size());
        for (int i = 0; i < MIN_SENTENCES || paragraph.length() < text.length(); i++) {
            paragraph.append(i == 0 ? "" : " ").append(SENTENCES.get((start + i) % SENTENCES.size()));
        }
        return text + "\n\n" + paragraph;
    }

    /** Where the longest string of a JSON tree is. */
    private static final class Longest {
        JsonNode parent;
        String field;
        int index;
        String text = "";
    }

    private static void find(JsonNode node, Longest longest) {
        if (node instanceof ObjectNode object) {
            object.fields().forEachRemaining(e -> {
                if (e.getValue().isTextual()) {
                    consider(object, e.getKey(), -1, e.getValue().asText(), longest);
                } else {
                    find(e.getValue(), longest);
                }
            });
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isTextual()) {
                    consider(array, null, i, array.get(i).asText(), longest);
                } else {
                    find(array.get(i), longest);
                }
            }
        }
    }

    private static void consider(JsonNode parent, String field, int index, String text, Longest longest) {
        if (longest.parent == null || text.length() > longest.text.length()) {
            longest.parent = parent;
            longest.field = field;
            longest.index = index;
            longest.text = text;
        }
    }
}
