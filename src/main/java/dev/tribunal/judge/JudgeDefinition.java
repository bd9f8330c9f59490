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
 * @param samples calls per judgment (1 to {@link #MAX_SAMPLES}), their verdicts aggregated into one
 * @param jury the member models of a jury (kind JURY), null for any other judge
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
        int samples,
        Jury jury,
        String version,
        String file) {

    /** At most this many samples per judgment. */
    public static final int MAX_SAMPLES = 15;
    /** The temperature of a judge that takes several samples and sets none: the samples must be free to differ. */
    public static final double SAMPLING_TEMPERATURE = 0.7;
    /** The source id prefix of a jury's verdict: {@code jury:<judge name>}. */
    public static final String JURY_PREFIX = "jury:";

    public JudgeDefinition {
        if (samples < 1 || samples > MAX_SAMPLES) {
            throw new IllegalArgumentException("samples must be 1 to " + MAX_SAMPLES);
        }
        if ((jury != null) != (kind == Kind.JURY)) {
            throw new IllegalArgumentException("a jury judge has members, no other judge has");
        }
    }

    /** LLM judges call a model; a jury calls each of its member models; code judges compute their verdict in process. */
    public enum Kind {
        LLM, CODE, JURY;

        /** Whether the judge's verdicts come from models (LLM_JUDGE provenance). */
        public boolean callsModels() {
            return this != CODE;
        }
    }

    /** The source id of a jury's verdict. */
    public String jurySourceId() {
        return JURY_PREFIX + name;
    }

    /** The models one judgment calls when no run names others: the judge's model, each member of a jury, none for code. */
    public java.util.List<ModelId> ownModels() {
        return switch (kind) {
            case LLM -> java.util.List.of(model);
            case JURY -> jury.members();
            case CODE -> java.util.List.of();
        };
    }

    /**
     * The temperature of a judgment's calls: the judge's own; else, when it takes several samples,
     * {@link #SAMPLING_TEMPERATURE}; else the provider's default (null).
     */
    public Double temperature(int samplesTaken) {
        if (inference.temperature() != null) {
            return inference.temperature();
        }
        return samplesTaken > 1 ? SAMPLING_TEMPERATURE : null;
    }

    /**
     * A jury's members and how their verdicts become the jury's: {@code majority} (the most frequent label),
     * {@code mean} or {@code median} (numeric), {@code all} or {@code any} (boolean: true only when every member says
     * true, or when at least one does).
     */
    public record Jury(java.util.List<ModelId> members, Aggregate aggregate) {
        public Jury {
            members = java.util.List.copyOf(members);
        }
    }

    /** How several verdicts become one. */
    public enum Aggregate {
        MAJORITY, MEAN, MEDIAN, ALL, ANY
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
