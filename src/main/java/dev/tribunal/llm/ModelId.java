package dev.tribunal.llm;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A judge model as MLflow writes it: {@code <provider>:/<model>}, e.g. {@code openai:/gpt-4o-mini}.
 * The provider names a configured endpoint; the model is sent to it as is.
 */
public record ModelId(String provider, String model) {

    private static final Pattern FORMAT = Pattern.compile("([a-z0-9][a-z0-9_-]*):/(\\S+)");

    public ModelId {
        if (provider == null || provider.isBlank() || model == null || model.isBlank()) {
            throw new IllegalArgumentException("provider and model are required");
        }
    }

    /** Parses {@code provider:/model}; empty when the text has another shape. */
    public static java.util.Optional<ModelId> parse(String text) {
        if (text == null) {
            return java.util.Optional.empty();
        }
        Matcher m = FORMAT.matcher(text.trim());
        return m.matches() ? java.util.Optional.of(new ModelId(m.group(1), m.group(2))) : java.util.Optional.empty();
    }

    @Override
    public String toString() {
        return provider + ":/" + model;
    }
}
