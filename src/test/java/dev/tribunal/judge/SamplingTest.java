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
                new OutputSpec.BooleanOutput(), new Inference(null, null), null, null, null, samples, null, null, "v1", "check.yaml");
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
    void promptTokensFromTheProvidersCacheAreSummedOverSamplesAndShownOnlyWhenThereAreSome() {
        Judgment cachedOnce = new Judgment("check", "v1", Kind.LLM, MODEL.toString(), null, BooleanNode.TRUE, "because", null, null,
                Map.of(), new Judgment.Outcome(1, 40, 1500, 1280, 20, 0.001));
        Judgment cachedTwice = new Judgment("check", "v1", Kind.LLM, MODEL.toString(), null, BooleanNode.TRUE, "because", null, null,
                Map.of(), new Judgment.Outcome(1, 40, 1500, 1408, 20, 0.001));

        Judgment combined = Sampling.combine(judge(3), List.of(ok(true), cachedOnce, cachedTwice));
        Judgment uncached = Sampling.combine(judge(2), List.of(ok(true), ok(true)));

        assertEquals("3100", combined.metadata().get("tribunal.tokens.prompt"));
        assertEquals("2688", combined.metadata().get("tribunal.tokens.cached_prompt"));
        assertEquals("200", uncached.metadata().get("tribunal.tokens.prompt"));
        assertNull(uncached.metadata().get("tribunal.tokens.cached_prompt"), "no figure for a prompt the provider did not cache");
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
    void oneAnswerAloneHasNoAgreementAndAStoppingProcessDecidesTheCode() {
        Judgment half = Sampling.combine(judge(2), List.of(ok(true), failed(ErrorCode.TIMEOUT, "slow")));
        assertEquals(BooleanNode.TRUE, half.value());
        assertNull(half.metadata().get("tribunal.agreement"), "one answer agrees with itself and says nothing");
        Judgment stopping = Sampling.combine(judge(3), List.of(failed(ErrorCode.TIMEOUT, "slow"), failed(ErrorCode.TIMEOUT, "slow"),
                failed(ErrorCode.SHUTTING_DOWN, "not sent")));
        assertEquals(ErrorCode.SHUTTING_DOWN, stopping.errorCode(), "the task goes back rather than failing");
    }

    private static JudgeDefinition jury(JudgeDefinition.Aggregate aggregate) {
        return new JudgeDefinition("panel", null, Kind.JURY, null, PromptTemplate.parse("Is it right? {{ outputs }}"),
                new OutputSpec.BooleanOutput(), new Inference(null, null), null, null, null, 1,
                new JudgeDefinition.Jury(List.of(new ModelId("a", "m1"), new ModelId("b", "m2"), new ModelId("c", "m3")), aggregate),
                null, "v1", "panel.yaml");
    }

    private static Judgment member(String model, Boolean value) {
        return value == null
                ? new Judgment("panel", "v1", Kind.LLM, model, null, null, null, ErrorCode.TIMEOUT, "slow", Map.of(), new Judgment.Outcome(1, 1, 0, 0, null))
                : new Judgment("panel", "v1", Kind.LLM, model, null, BooleanNode.valueOf(value), "r", null, null, Map.of(),
                new Judgment.Outcome(1, 1, 0, 0, null));
    }

    @Test
    void allAndAnyNeedTheSilentMembersUnlessTheAnswersDecide() {
        // all: two say true, one is silent: it might have said false
        Judgment all = Sampling.jury(jury(JudgeDefinition.Aggregate.ALL), null, List.of(member("a:/m1", true), member("b:/m2", true),
                member("c:/m3", null)));
        assertEquals(ErrorCode.TIMEOUT, all.errorCode());
        assertTrue(all.errorMessage().contains("cannot be decided without every member") && all.errorMessage().contains("c:/m3"),
                all.errorMessage());
        // all: one says false: false whatever the silent one would have said
        assertEquals(BooleanNode.FALSE, Sampling.jury(jury(JudgeDefinition.Aggregate.ALL), null, List.of(member("a:/m1", true),
                member("b:/m2", false), member("c:/m3", null))).value());
        // any: one says true: true; none says true and one is silent: undecided
        assertEquals(BooleanNode.TRUE, Sampling.jury(jury(JudgeDefinition.Aggregate.ANY), null, List.of(member("a:/m1", false),
                member("b:/m2", true), member("c:/m3", null))).value());
        assertEquals(ErrorCode.TIMEOUT, Sampling.jury(jury(JudgeDefinition.Aggregate.ANY), null, List.of(member("a:/m1", false),
                member("b:/m2", false), member("c:/m3", null))).errorCode());
    }

    @Test
    void aJuryWithFewerThanHalfAnsweringNamesTheMembersThatFailed() {
        JudgeDefinition jury = new JudgeDefinition("panel", null, Kind.JURY, null, PromptTemplate.parse("Is it right? {{ outputs }}"),
                new OutputSpec.BooleanOutput(), new Inference(null, null), null, null, null, 1,
                new JudgeDefinition.Jury(List.of(new ModelId("a", "m1"), new ModelId("b", "m2"), new ModelId("c", "m3")),
                        JudgeDefinition.Aggregate.MAJORITY), null, "v1", "panel.yaml");
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
