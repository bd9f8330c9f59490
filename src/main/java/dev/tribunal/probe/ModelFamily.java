package dev.tribunal.probe;

import dev.tribunal.llm.ModelId;

import java.util.Locale;

/**
 * A model's family, for the self-preference probe: the model's name without its provider (and without an
 * organisation before a {@code /}), lower case, up to its first {@code -} or digit. {@code openai:/gpt-4o-mini} is
 * {@code gpt}, {@code claude-3-5-sonnet} is {@code claude}, {@code meta-llama/Llama-3.1-8B} is {@code llama}.
 */
final class ModelFamily {

    private ModelFamily() {
    }

    /** The family of a model named {@code provider:/model} or just {@code model}; null for a blank name. */
    static String of(String name) {
        if (name == null || name.isBlank()) {
            return null;
        }
        String model = ModelId.parse(name).map(ModelId::model).orElse(name.trim());
        model = model.substring(model.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
        int end = 0;
        while (end < model.length() && model.charAt(end) != '-' && !Character.isDigit(model.charAt(end))) {
            end++;
        }
        // a name that starts with a digit or a dash is its own family
        return end == 0 ? model : model.substring(0, end);
    }
}
