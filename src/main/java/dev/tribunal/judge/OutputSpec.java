package dev.tribunal.judge;

import java.util.List;

/** The typed result a judge must produce; anything else is an INVALID_JUDGE_OUTPUT error. */
public sealed interface OutputSpec {

    /** boolean, categorical or numeric. */
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
