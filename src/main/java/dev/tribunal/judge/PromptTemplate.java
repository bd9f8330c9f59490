package dev.tribunal.judge;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Judge instructions with {@code {{ variable }}} placeholders for trace data. Only the variables
 * below exist; anything else is refused when the judge file is loaded.
 */
public record PromptTemplate(String text, List<Placeholder> placeholders) {

    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{\\s*(.*?)\\s*}}");
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.:-]*");
    private static final Set<String> WHOLE = Set.of("inputs", "outputs", "expectations", "context", "spans", "output_a", "output_b");
    /** The two responses a pairwise judge compares, in the order shown. */
    public static final Set<String> PAIR = Set.of("output_a", "output_b");
    /** Variables that take a key: {@code expectations.<name>}, {@code tags.<key>}. */
    private static final Set<String> KEYED = Set.of("expectations", "tags");
    static final String KNOWN = "{{ inputs }}, {{ outputs }}, {{ expectations }}, {{ expectations.<name> }}, "
            + "{{ tags.<key> }}, {{ context }}, {{ spans }}, and for pairwise judges {{ output_a }} and {{ output_b }}";

    public PromptTemplate {
        placeholders = List.copyOf(placeholders);
    }

    /** A placeholder: a variable and, for keyed variables, the key. */
    public record Placeholder(String raw, String variable, String key) {
        public Optional<String> keyOptional() {
            return Optional.ofNullable(key);
        }
    }

    /** Parses the instructions; an unknown or malformed variable is an {@link IllegalArgumentException}. */
    public static PromptTemplate parse(String text) {
        List<Placeholder> found = new ArrayList<>();
        Matcher m = PLACEHOLDER.matcher(text);
        while (m.find()) {
            found.add(placeholder(m.group(0), m.group(1)));
        }
        int open = text.replace("{{", "\u0000").chars().filter(c -> c == 0).toArray().length;
        if (open != found.size()) {
            throw new IllegalArgumentException("instructions have a '{{' that is never closed by '}}'");
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("instructions use no trace data; use at least one of " + KNOWN);
        }
        return new PromptTemplate(text, found);
    }

    /** The distinct variables used, such as {@code outputs} or {@code expectations.expected_response}. */
    public Set<String> variables() {
        Set<String> names = new LinkedHashSet<>();
        placeholders.forEach(p -> names.add(p.key() == null ? p.variable() : p.variable() + "." + p.key()));
        return names;
    }

    private static Placeholder placeholder(String raw, String body) {
        if (WHOLE.contains(body)) {
            return new Placeholder(raw, body, null);
        }
        int dot = body.indexOf('.');
        if (dot > 0) {
            String variable = body.substring(0, dot);
            String key = body.substring(dot + 1);
            if (KEYED.contains(variable) && KEY.matcher(key).matches()) {
                return new Placeholder(raw, variable, key);
            }
        }
        throw new IllegalArgumentException("unknown template variable '" + raw + "'; known: " + KNOWN);
    }
}
