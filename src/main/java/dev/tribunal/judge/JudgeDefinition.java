package dev.tribunal.judge;

import dev.tribunal.llm.ModelId;

import java.time.Duration;
import java.util.Map;

/**
 * One judge, as loaded from its YAML file. An LLM judge has a model, instructions and an output
 * spec; a code judge has a scorer with parameters and an output spec implied by the scorer.
 *
 * @param version a hash of the whole definition: any change to the file's content gives a new version
 * @param timeout null when the provider's timeout applies
 * @param spanTarget null when the judge assesses the whole trace
 */
public record JudgeDefinition(
        String name,
        String description,
        Kind kind,
        ModelId model,
        PromptTemplate instructions,
        OutputSpec output,
        Inference inference,
        Duration timeout,
        SpanTarget spanTarget,
        CodeScorer scorer,
        String version,
        String file) {

    /** LLM judges call a model; code judges compute their verdict in process. */
    public enum Kind {
        LLM, CODE
    }

    /** Sampling parameters sent with every call; null fields are left to the provider. */
    public record Inference(Double temperature, Integer maxTokens) {
        static final Inference DEFAULT = new Inference(null, null);
    }

    /** Which spans a span-level judge assesses: by type or by name. */
    public record SpanTarget(String type, String name) {
    }

    /** A built-in scorer and its parameters. */
    public record CodeScorer(String scorer, Map<String, Object> params) {
        public CodeScorer {
            params = Map.copyOf(params);
        }
    }
}
