package dev.tribunal.judge;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.tribunal.judge.JudgeDefinition.Inference;
import dev.tribunal.judge.JudgeDefinition.Kind;
import dev.tribunal.llm.FakeOpenAiServer;
import dev.tribunal.llm.FakeProviders;
import dev.tribunal.llm.ModelId;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A judge with long instructions judged over several traces, on a provider that discounts a prompt prefix it has seen
 * recently (simulated as OpenAI does it, see {@link FakeOpenAiServer}; provider {@code fake} bills cached input tokens at
 * 0.075 per million instead of 0.15).
 */
@QuarkusTest
class PromptPrefixCacheTest {

    private static final double INPUT = 0.15;
    private static final double CACHED_INPUT = 0.075;
    private static final double OUTPUT = 0.60;
    /** A model name of its own: no other test's prompts are in its simulated cache. */
    private static final ModelId MODEL = new ModelId("fake", "prefix-cached");

    @Inject
    JudgeRunner runner;

    @Inject
    MeterRegistry metrics;

    @Test
    void laterJudgmentsOfAJudgeReadItsInstructionsFromTheProvidersCacheAndCostLess() {
        // the trace's data is named at the top, as judges usually do; the long rules that follow do not depend on it
        StringBuilder instructions = new StringBuilder("""
                Request: {{ inputs }}
                Response: {{ outputs }}

                Grade the response against every rule below.
                """);
        for (int rule = 1; instructions.length() < 6_000; rule++) {
            instructions.append("Rule ").append(rule).append(": the response must not contradict rule ").append(rule - 1)
                    .append(" or any fact the request states, and it must say so plainly when it does not know.\n");
        }
        JudgeDefinition judge = new JudgeDefinition("long_rules", null, Kind.LLM, MODEL, PromptTemplate.parse(instructions.toString()),
                new OutputSpec.BooleanOutput(), new Inference(0.0, 400), null, null, null, 1, null, null, "v-long", "long_rules.yaml");
        PromptRenderer.Rendered firstPrompt = PromptRenderer.render(judge, trace(0));
        int staticTokens = (firstPrompt.systemMessage().length() + firstPrompt.userMessage().indexOf("<data name=")) / 4;
        assertTrue(staticTokens >= FakeOpenAiServer.CACHEABLE_TOKENS + 200, "instructions long enough to be cached: " + staticTokens);
        double cachedBefore = cachedPromptCounter();

        Judgment first = runner.run(judge, MODEL, trace(0), "prefix-test").await().indefinitely();

        assertTrue(first.succeeded(), first.errorMessage());
        assertNull(first.metadata().get(JudgeRunner.CACHED_PROMPT_TOKENS_KEY), "nothing cached yet: " + first.metadata());
        int firstPromptTokens = Integer.parseInt(first.metadata().get(JudgeRunner.PROMPT_TOKENS_KEY));
        assertEquals(fullPrice(firstPromptTokens), first.outcome().cost(), 1e-15);

        int cachedTotal = 0;
        for (int i = 1; i <= 3; i++) {
            Judgment later = runner.run(judge, MODEL, trace(i), "prefix-test").await().indefinitely();

            assertTrue(later.succeeded(), later.errorMessage());
            int promptTokens = Integer.parseInt(later.metadata().get(JudgeRunner.PROMPT_TOKENS_KEY));
            int cached = Integer.parseInt(later.metadata().getOrDefault(JudgeRunner.CACHED_PROMPT_TOKENS_KEY, "0"));
            // the whole system message and instructions, down to the provider's 128-token step, and no trace data
            assertTrue(cached > staticTokens - FakeOpenAiServer.CACHE_STEP && cached <= staticTokens + 8,
                    "cached " + cached + " of " + promptTokens + " prompt tokens, the static part being " + staticTokens);
            assertEquals(cached, later.outcome().cachedPromptTokens());
            assertEquals(fullPrice(promptTokens) - cached * (INPUT - CACHED_INPUT) / 1_000_000, later.outcome().cost(), 1e-15,
                    "the cached tokens at the cached-input price, the rest at the input price");
            assertEquals(later.outcome().cost(), Double.parseDouble(later.metadata().get(JudgeRunner.COST_KEY)),
                    later.outcome().cost() * 1e-5, "the stored cost is the discounted one");
            cachedTotal += cached;
        }
        assertEquals(cachedTotal, cachedPromptCounter() - cachedBefore, "the provider's cached_prompt token counter");
    }

    private static double fullPrice(int promptTokens) {
        return (promptTokens * INPUT + 30 * OUTPUT) / 1_000_000;
    }

    private double cachedPromptCounter() {
        var counter = metrics.find("tribunal.provider.tokens").tags("provider", "fake", "kind", "cached_prompt").counter();
        return counter == null ? 0 : counter.count();
    }

    /** Traces that differ from their first character on, so that only the judge's own text is shared. */
    private static TraceData trace(int i) {
        String[] names = {"Alpha", "Bravo", "Charlie", "Delta"};
        return new TraceData("prefix-" + i, TextNode.valueOf(names[i] + ": what is " + i + " + " + i + "?"),
                TextNode.valueOf((char) ('W' + i) + " says " + (2 * i)), Map.of(), Map.of(), List.of());
    }
}
