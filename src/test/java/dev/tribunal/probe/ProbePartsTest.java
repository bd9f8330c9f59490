package dev.tribunal.probe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.judge.OutputSpec;
import dev.tribunal.system.Json;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The parts of a probe that need no server: model families, padding, the order of verdicts, intervals. */
class ProbePartsTest {

    @Test
    void aModelsFamilyIsItsNameUpToTheFirstDashOrDigit() {
        assertEquals("gpt", ModelFamily.of("openai:/gpt-4o-mini"));
        assertEquals("gpt", ModelFamily.of("gpt-4o"));
        assertEquals("gpt", ModelFamily.of("GPT4"));
        assertEquals("claude", ModelFamily.of("claude-3-5-sonnet"));
        assertEquals("llama", ModelFamily.of("local:/meta-llama/Llama-3.1-8B"));
        assertEquals("gemini", ModelFamily.of("gemini1.5-pro"));
        assertEquals(null, ModelFamily.of(" "));
    }

    @Test
    void paddingAtLeastDoublesTheLongestTextWithTrueSentences() {
        String text = "The capital of Peru is Lima, and it lies on the coast of the Pacific Ocean near Callao.";
        String padded = Padding.padded(text, 7);
        assertTrue(padded.startsWith(text + "\n\n"), padded);
        assertTrue(padded.length() >= 2 * text.length() + 2, padded);
        assertTrue(Padding.padded("yes", 0).split("\\. ").length >= Padding.MIN_SENTENCES, "a short response still gets a paragraph");

        JsonNode outputs = Json.read("{\"id\": 7, \"answer\": \"" + text + "\", \"sources\": [\"a short note\"]}");
        JsonNode result = Padding.pad(outputs, 3);
        assertTrue(result.get("answer").asText().startsWith(text + "\n\n"), result.toString());
        assertEquals("a short note", result.get("sources").get(0).asText());
        assertEquals(7, result.get("id").asInt());
        assertEquals(text, outputs.get("answer").asText(), "the trace's own outputs are left alone");

        JsonNode numbers = Padding.pad(Json.read("[1, 2, 3]"), 3);
        assertTrue(numbers.isTextual() && numbers.asText().startsWith("[1,2,3]\n\n"), numbers.toString());
        assertEquals(null, Padding.pad(null, 3));
    }

    @Test
    void verdictsAreOrderedFalseBelowTrueByValueAndEarlierChoicesHigher() {
        VerdictScale bool = new VerdictScale(new OutputSpec.BooleanOutput());
        assertTrue(bool.rank(Json.read("true")) > bool.rank(Json.read("false")));
        assertTrue(bool.passes(Json.read("true")));
        VerdictScale grade = new VerdictScale(new OutputSpec.CategoricalOutput(List.of("good", "fair", "poor")));
        assertTrue(grade.rank(Json.read("\"good\"")) > grade.rank(Json.read("\"fair\"")));
        assertTrue(grade.passes(Json.read("\"good\"")));
        assertFalse(grade.passes(Json.read("\"fair\"")));
        assertEquals("good", grade.top());
        VerdictScale score = new VerdictScale(new OutputSpec.NumericOutput(1, 5, true));
        assertEquals(score.rank(Json.read("4")), score.rank(Json.read("4.0")));
        assertTrue(score.passes(Json.read("5")));
        assertEquals("5", score.top());
    }

    @Test
    void intervalsHoldTheirShareAndNeverLeaveTheirRange() {
        List<Double> none = Shares.wilson(0, 60);
        assertEquals(0.0, none.get(0), 1e-12);
        assertTrue(none.get(1) > 0.03 && none.get(1) < 0.1, none.toString());
        List<Double> net = Shares.net(30, 10, 60);
        assertTrue(net.get(0) < 20 / 60.0 && 20 / 60.0 < net.get(1), net.toString());
        // wider than if raised and lowered were independent: they are counted over the same traces
        List<Double> independent = Shares.difference(0.5, Shares.wilson(30, 60), 10 / 60.0, Shares.wilson(10, 60), 0);
        assertTrue(net.get(1) - net.get(0) > independent.get(1) - independent.get(0));
        List<Double> all = Shares.net(60, 0, 60);
        assertTrue(all.get(1) <= 1 && all.get(0) > 0.9, all.toString());
    }
}
