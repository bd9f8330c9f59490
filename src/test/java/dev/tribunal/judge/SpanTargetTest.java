package dev.tribunal.judge;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tribunal.judge.JudgeDefinition.Inference;
import dev.tribunal.judge.JudgeDefinition.Kind;
import dev.tribunal.judge.JudgeDefinition.SpanTarget;
import dev.tribunal.llm.ModelId;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A span-level judge sees the first matching span's inputs and outputs instead of the trace's. */
class SpanTargetTest {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static JudgeDefinition judge(SpanTarget target) {
        return new JudgeDefinition("retrieval_relevance", null, Kind.LLM, new ModelId("openai", "gpt-4o-mini"),
                PromptTemplate.parse("Query: {{ inputs }}\nDocuments: {{ outputs }}"), new OutputSpec.BooleanOutput(),
                Inference.DEFAULT, null, target, null, 1, null, null, "abc123", "judges/retrieval_relevance.yaml");
    }

    private static TraceData trace() {
        return new TraceData("tr-1", NODES.textNode("What is MLflow?"), NODES.textNode("An open-source platform."), Map.of(), Map.of(),
                List.of(new TraceData.SpanData("root", "answer", "CHAIN", NODES.textNode("What is MLflow?"), NODES.textNode("An open-source platform.")),
                        new TraceData.SpanData("s-ret", "search_docs", "RETRIEVER", NODES.textNode("mlflow definition"),
                                NODES.textNode("MLflow is an open-source platform for the ML lifecycle.")),
                        new TraceData.SpanData("s-ret-2", "search_more", "RETRIEVER", NODES.textNode("second query"), NODES.textNode("other"))));
    }

    @Test
    void aTraceJudgeSeesTheTrace() {
        JudgeRunner.Target target = JudgeRunner.target(judge(null), trace());
        assertNull(target.spanId());
        assertNull(target.missing());
        assertEquals("An open-source platform.", target.data().outputs().asText());
    }

    @Test
    void aSpanJudgeByTypeSeesTheFirstSpanOfThatType() {
        JudgeRunner.Target target = JudgeRunner.target(judge(new SpanTarget("RETRIEVER", null)), trace());
        assertEquals("s-ret", target.spanId());
        PromptRenderer.Rendered prompt = PromptRenderer.render(judge(new SpanTarget("RETRIEVER", null)), target.data());
        assertTrue(prompt.userMessage().contains("<data name=\"inputs\">\nmlflow definition\n</data>"), prompt.userMessage());
        assertTrue(prompt.userMessage().contains("MLflow is an open-source platform for the ML lifecycle."), prompt.userMessage());
    }

    @Test
    void aSpanJudgeByNameSeesThatSpan() {
        JudgeRunner.Target target = JudgeRunner.target(judge(new SpanTarget(null, "search_more")), trace());
        assertEquals("s-ret-2", target.spanId());
        assertEquals("second query", target.data().inputs().asText());
    }

    @Test
    void noMatchingSpanIsAMissingInput() {
        JudgeRunner.Target target = JudgeRunner.target(judge(new SpanTarget("LLM", null)), trace());
        assertEquals("a span with type LLM", target.missing());
    }
}
