package dev.tribunal.system;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a 400 says about a field an endpoint does not read: its name, where it is, and the known field it was most likely
 * meant to be. Tribunal's own endpoints refuse such fields (a misspelt {@code tag} would otherwise be dropped without a
 * word); MLflow's keep ignoring them, as MLflow's server does, since newer clients send fields older servers lack.
 */
public final class UnknownFields {

    private UnknownFields() {
    }

    /**
     * @param field the unknown field's name
     * @param path  where it is, e.g. {@code traces[0].tag}
     * @param known the fields the object there takes
     */
    public static String describe(String field, String path, Collection<String> known) {
        List<String> sorted = known.stream().sorted().toList();
        StringBuilder text = new StringBuilder("Unknown field '").append(field).append("' at '").append(path).append("'");
        nearest(field, sorted).ifPresent(guess -> text.append(": did you mean \"").append(guess).append("\"?"));
        if (sorted.isEmpty()) {
            text.append("; this object takes no fields");
        } else {
            text.append("; known fields here: ").append(String.join(", ", sorted));
        }
        return text.toString();
    }

    /** The known name closest to {@code field}: few edits apart (case, '-' and '_' aside), or one it is the start or the end of. */
    static Optional<String> nearest(String field, Collection<String> known) {
        String wanted = plain(field);
        int allowed = Math.max(1, Math.min(3, wanted.length() / 3));
        return known.stream()
                .filter(name -> distance(wanted, plain(name)) <= allowed
                        || wanted.length() >= 3 && (plain(name).startsWith(wanted) || plain(name).endsWith(wanted)
                        || wanted.startsWith(plain(name))))
                .min(Comparator.comparingInt((String name) -> distance(wanted, plain(name))).thenComparing(name -> name));
    }

    private static String plain(String name) {
        return name.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
    }

    /** Levenshtein's edit distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
