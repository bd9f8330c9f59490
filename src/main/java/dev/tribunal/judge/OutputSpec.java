package dev.tribunal.judge;

import java.util.List;

/** The typed result a judge must produce; anything else is an INVALID_JUDGE_OUTPUT error. */
public sealed interface OutputSpec {

    /** boolean, categorical, numeric or pairwise. */
    String type();

    /** true / false. */
    record BooleanOutput() implements OutputSpec {
        @Override
        public String type() {
            return "boolean";
        }
    }

    /** One of 2 to 20 labels. */
    record CategoricalOutput(List<String> choices) implements OutputSpec {
        public CategoricalOutput {
            choices = List.copyOf(choices);
        }

        @Override
        public String type() {
            return "categorical";
        }
    }

    /**
     * A comparison of two responses to one request. The model is asked which of the two it was shown is better
     * ({@link #ASKED}: A is the one shown first); the stored verdict names the trace ({@link #STORED}).
     */
    record PairwiseOutput() implements OutputSpec {
        public static final CategoricalOutput ASKED = new CategoricalOutput(List.of("A", "B", "tie"));
        public static final CategoricalOutput STORED = new CategoricalOutput(List.of("candidate", "baseline", "tie"));

        @Override
        public String type() {
            return "pairwise";
        }
    }

    /** A number within inclusive bounds, optionally whole. */
    record NumericOutput(double min, double max, boolean integer) implements OutputSpec {
        public NumericOutput {
            if (!(min < max)) {
                throw new IllegalArgumentException("min must be below max");
            }
        }

        @Override
        public String type() {
            return "numeric";
        }
    }
}
