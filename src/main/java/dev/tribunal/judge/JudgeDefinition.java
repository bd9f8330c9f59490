package dev.tribunal.judge;

import dev.tribunal.budget.Limit;
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
 * @param gate what a new version must show against people's labels before runs and sweeps use it; null: none
 * @param budget the most the judge's judgments may cost per UTC day; null: no budget of its own
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
        Gate gate,
        String version,
        String file,
        Limit budget) {

    /** At most this many samples per judgment. */
    public static final int MAX_SAMPLES = 15;
    /** The temperature of a judge that takes several samples and sets none: the samples must be free to differ. */
    public static final double SAMPLING_TEMPERATURE = 0.7;
    /** The source id prefix of a jury's verdict: {@code jury:<judge name>}. */
    public static final String JURY_PREFIX = "jury:";

    /** A judge without a budget of its own. */
    public JudgeDefinition(String name, String description, Kind kind, ModelId model, PromptTemplate instructions, OutputSpec output,
                           Inference inference, Duration timeout, SpanTarget spanTarget, CodeScorer scorer, int samples, Jury jury,
                           Gate gate, String version, String file) {
        this(name, description, kind, model, instructions, output, inference, timeout, spanTarget, scorer, samples, jury, gate, version,
                file, null);
    }

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

    /**
     * A judge's gate: a new version is validated against a reference (people's feedback or an expectation) and becomes
     * champion only when the lower bound of the 95 % interval of its metric is at least {@code threshold} over at least
     * {@code minTraces} compared traces. A validation whose estimated cost is over {@code maxCost} waits for a
     * confirmation.
     */
    public record Gate(Reference reference, Metric metric, double threshold, int minTraces, double maxCost) {

        /** Traces a gate needs compared at least, unless it says otherwise. */
        public static final int DEFAULT_MIN_TRACES = 50;
        /** The most a validation may cost unless it says otherwise (or a person confirms more). */
        public static final double DEFAULT_MAX_COST = 2.00;

        public Gate {
            java.util.Objects.requireNonNull(reference, "reference");
            java.util.Objects.requireNonNull(metric, "metric");
        }

        /** Exactly one of: the HUMAN feedback of that name, or the expectation of that name. */
        public record Reference(String humanFeedback, String expectation) {
            public Reference {
                if ((humanFeedback == null) == (expectation == null)) {
                    throw new IllegalArgumentException("a gate's reference is human_feedback or expectation");
                }
            }

            /** How the reference is written in a judge file, e.g. {@code human_feedback: correctness}. */
            public String describe() {
                return humanFeedback != null ? "human_feedback: " + humanFeedback : "expectation: " + expectation;
            }
        }

        /** The figure a gate holds a version to: Cohen's kappa, accuracy, or Spearman's rank correlation. */
        public enum Metric {
            KAPPA, ACCURACY, SPEARMAN;

            /** As written in a judge file: {@code min_kappa}, ... */
            public String key() {
                return "min_" + name().toLowerCase(java.util.Locale.ROOT);
            }
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
