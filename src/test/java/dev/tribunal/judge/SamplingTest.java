package dev.tribunal.judge;

import com.fasterxml.jackson.databind.node.BooleanNode;
import dev.tribunal.judge.JudgeDefinition.Inference;
import dev.tribunal.judge.JudgeDefinition.Kind;
import dev.tribunal.llm.ErrorCode;
import dev.tribunal.llm.ModelId;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Samples and jury members that fail: they do not vote, and too few answers make an error. */
class SamplingTest {

    private static final ModelId MODEL = new ModelId("openai", "gpt-4o-mini");

    private static JudgeDefinition judge(int samples) {
        return new JudgeDefinition("check", null, Kind.LLM, MODEL, PromptTemplate.parse("Is it right? {{ outputs }}"),
                new OutputSpec.BooleanOutput(), new Inference(null, null), null, null, null, samples, null, "v1", "check.yaml");
    }

    private static Judgment ok(boolean value) {
        return new Judgment("check", "v1", Kind.LLM, MODEL.toString(), null, BooleanNode.valueOf(value), "because", null, null, Map.of(),
                new Judgment.Outcome(1, 40, 100, 20, 0.001));
    }

    private static Judgment failed(ErrorCode code, String message) {
        return new Judgment("check", "v1", Kind.LLM, MODEL.toString(), null, null, null, code, message, Map.of(),
                new Judgment.Outcome(2, 2000, 0, 0, null));
    }

    @Test
    void failedSamplesDoNotVote() {
        Judgment combined = Sampling.combine(judge(4), List.of(ok(true), failed(ErrorCode.TIMEOUT, "no answer in 30s"), ok(true),
                failed(ErrorCode.TIMEOUT, "no answer in 30s")));
        // two of four answered: half is enough
        assertNull(combined.errorCode());
        assertEquals(BooleanNode.TRUE, combined.value());
        assertEquals("1", combined.metadata().get("tribunal.agreement"));
        assertEquals("[true,null,true,null]", combined.metadata().get("tribunal.samples"));
        assertEquals("2", combined.metadata().get("tribunal.samples.failed"));
        assertEquals("{\"TIMEOUT\":2}", combined.metadata().get("tribunal.samples.errors"));
        // figures summed over the samples; the latency is the longest, as they were asked side by side
        assertEquals(6, combined.outcome().attempts());
        assertEquals(2000, combined.outcome().latencyMs());
        assertEquals(200, combined.outcome().promptTokens());
        assertEquals(0.002, combined.outcome().cost(), 1e-12);
    }

    @Test
    void tooFewAnswersAreAnErrorWithTheMostFrequentCode() {
        Judgment combined = Sampling.combine(judge(5), List.of(ok(true), failed(ErrorCode.RATE_LIMIT_EXCEEDED, "429 after 3 tries"),
                failed(ErrorCode.TIMEOUT, "no answer in 30s"), ok(false), failed(ErrorCode.TIMEOUT, "no answer in 30s")));
        assertEquals(ErrorCode.TIMEOUT, combined.errorCode());
        assertTrue(combined.errorMessage().startsWith("3 of 5 samples failed, too few left for a verdict: "), combined.errorMessage());
        assertTrue(combined.errorMessage().contains("RATE_LIMIT_EXCEEDED: 429 after 3 tries"), combined.errorMessage());
        assertTrue(combined.errorMessage().contains("2 × TIMEOUT: no answer in 30s"), combined.errorMessage());
        assertNull(combined.value());
    }

    @Test
    void aJuryWithFewerThanHalfAnsweringNamesTheMembersThatFailed() {
        JudgeDefinition jury = new JudgeDefinition("panel", null, Kind.JURY, null, PromptTemplate.parse("Is it right? {{ outputs }}"),
                new OutputSpec.BooleanOutput(), new Inference(null, null), null, null, null, 1,
                new JudgeDefinition.Jury(List.of(new ModelId("a", "m1"), new ModelId("b", "m2"), new ModelId("c", "m3")),
                        JudgeDefinition.Aggregate.MAJORITY), "v1", "panel.yaml");
        Judgment m1 = new Judgment("panel", "v1", Kind.LLM, "a:/m1", null, null, null, ErrorCode.TIMEOUT, "slow", Map.of(),
                new Judgment.Outcome(1, 10, 0, 0, null));
        Judgment m2 = new Judgment("panel", "v1", Kind.LLM, "b:/m2", null, null, null, ErrorCode.INVALID_JUDGE_OUTPUT, "not JSON", Map.of(),
                new Judgment.Outcome(1, 10, 10, 5, 0.5));
        Judgment m3 = new Judgment("panel", "v1", Kind.LLM, "c:/m3", null, BooleanNode.TRUE, "fine", null, null, Map.of(),
                new Judgment.Outcome(1, 10, 10, 5, 0.25));
        Judgment verdict = Sampling.jury(jury, null, List.of(m1, m2, m3));
        assertEquals(Kind.JURY, verdict.kind());
        assertEquals("jury:panel", verdict.sourceId());
        assertEquals(ErrorCode.TIMEOUT, verdict.errorCode());
        assertTrue(verdict.errorMessage().contains("a:/m1: TIMEOUT: slow") && verdict.errorMessage().contains("b:/m2: INVALID_JUDGE_OUTPUT"),
                verdict.errorMessage());
        assertEquals(3, verdict.members().size());
        assertEquals(0.75, verdict.outcome().cost(), 1e-12);
        assertEquals("{\"a:/m1\":null,\"b:/m2\":null,\"c:/m3\":true}", verdict.metadata().get("tribunal.jury.members"));
    }
}
