package dev.tribunal.llm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes secrets (the providers' keys) out of text that a provider sent back, wherever it is echoed: an error
 * message, a model's rationale or value. Per key it recognises, in any letter case:
 * <ul>
 *   <li>any {@value #MIN_RUN} characters or more of the key in a row: the key itself, a prefix, a cut-off copy;</li>
 *   <li>the same of its hex, its percent-encoding (every byte, or only the reserved ones), and its base64 and base64url,
 *       with or without padding, of the key alone or inside anything else, such as {@code Bearer <key>} or a basic-auth
 *       {@code user:<key>} (the key's part of such an encoding is the same at each of the three byte alignments);</li>
 *   <li>a masked form: a mask ({@code ***}, {@code ...}, {@code …}) followed by the key's last {@value #MASKED_TAIL} or
 *       more characters, or following its first {@value #MASKED_HEAD} or more.</li>
 * </ul>
 * Twelve characters of a key cannot turn up by chance in a model's words, and fewer leave too little of a key of
 * 40 or more random characters to matter; masked forms are recognised by their mask. A key shorter than
 * {@value #MIN_RUN} characters cannot be told from ordinary words in any other form: only its exact spelling is taken
 * out (and one shorter than four characters, a placeholder such as {@code x}, not at all). Everything is prepared once, at
 * start: redacting costs one pass over the text with a rolling hash per window length.
 */
public final class SecretRedactor {

    /** What a recognised secret is replaced with. */
    public static final String MASK = "[api key]";
    /** The shortest run of a key's characters recognised anywhere. */
    static final int MIN_RUN = 12;
    /** Keys shorter than this are placeholders ("x", "-"), no secrets worth mangling text for. */
    private static final int MIN_KEY = 4;
    private static final int MASKED_TAIL = 4;
    private static final int MASKED_HEAD = 6;
    private static final long BASE = 1_000_003L;
    private static final Pattern MASK_RUN = Pattern.compile("\\*{3,}|\\.{3,}|…+|•{3,}");

    /** A text a key may appear as, and how many of its characters in a row recognise it. */
    private record Form(String text, int window) {
    }

    /** Where a window of a form starts. */
    private record Occurrence(int form, int offset) {
    }

    /** The windows of every form, per window length, by rolling hash. */
    private final Map<Integer, Map<Long, List<Occurrence>>> windows = new TreeMap<>();
    private final List<Form> forms = new ArrayList<>();
    private final List<String> keys = new ArrayList<>();
    private final List<String> shortKeys = new ArrayList<>();

    public SecretRedactor(Collection<String> secrets) {
        Set<String> distinct = new LinkedHashSet<>();
        for (String secret : secrets) {
            if (secret != null && secret.strip().length() >= MIN_KEY) {
                distinct.add(secret.strip());
            }
        }
        for (String key : distinct) {
            if (key.length() < MIN_RUN) {
                // too short to tell from ordinary words in any other form: only its exact spelling is taken out
                shortKeys.add(key);
                continue;
            }
            keys.add(key.toLowerCase(Locale.ROOT));
            int run = MIN_RUN;
            for (String spelling : new LinkedHashSet<>(List.of(key, key.toUpperCase(Locale.ROOT), key.toLowerCase(Locale.ROOT)))) {
                byte[] bytes = spelling.getBytes(StandardCharsets.UTF_8);
                add(spelling, run);
                add(HexFormat.of().formatHex(bytes), 2 * run);
                add(percentEncoded(bytes), 3 * run);
                add(URLEncoder.encode(spelling, StandardCharsets.UTF_8), run);
                for (int offset = 0; offset < 3; offset++) {
                    String base64 = base64Inner(bytes, offset);
                    // a run of the key's bytes holds at least this many whole base64 characters, however it is aligned
                    int window = Math.min(base64.length(), (run * 8 - 8) / 6);
                    add(base64, window);
                    add(base64.replace('+', '-').replace('/', '_'), window);
                }
            }
        }
    }

    private void add(String text, int window) {
        String lower = text.toLowerCase(Locale.ROOT);
        if (window <= 0 || lower.length() < window || forms.stream().anyMatch(f -> f.text().equals(lower) && f.window() == window)) {
            return;
        }
        int index = forms.size();
        forms.add(new Form(lower, window));
        Map<Long, List<Occurrence>> byHash = windows.computeIfAbsent(window, w -> new HashMap<>());
        long power = power(window);
        long hash = 0;
        for (int i = 0; i < lower.length(); i++) {
            if (i >= window) {
                hash -= lower.charAt(i - window) * power;
            }
            hash = hash * BASE + lower.charAt(i);
            if (i >= window - 1) {
                byHash.computeIfAbsent(hash, h -> new ArrayList<>(1)).add(new Occurrence(index, i - window + 1));
            }
        }
    }

    private static long power(int window) {
        long power = 1;
        for (int i = 1; i < window; i++) {
            power *= BASE;
        }
        return power;
    }

    /** Whether there is any secret to look for. */
    public boolean isEmpty() {
        return keys.isEmpty() && shortKeys.isEmpty();
    }

    /** The text with every recognised form of a secret replaced by {@link #MASK}. */
    public String redact(String text) {
        if (text == null || isEmpty() || text.isEmpty()) {
            return text;
        }
        String lower = text.toLowerCase(Locale.ROOT);
        // lower-casing keeps each character in place for the texts a provider sends; where it would not, match the text as it is
        if (lower.length() != text.length()) {
            lower = text;
        }
        boolean[] secret = new boolean[text.length()];
        boolean found = false;
        for (Map.Entry<Integer, Map<Long, List<Occurrence>>> entry : windows.entrySet()) {
            found |= markRuns(lower, entry.getKey(), entry.getValue(), secret);
        }
        found |= markMasked(lower, secret);
        for (String key : shortKeys) {
            for (int at = text.indexOf(key); at >= 0; at = text.indexOf(key, at + 1)) {
                java.util.Arrays.fill(secret, at, at + key.length(), true);
                found = true;
            }
        }
        if (!found) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            if (!secret[i]) {
                out.append(text.charAt(i));
            } else if (i == 0 || !secret[i - 1]) {
                out.append(MASK);
            }
        }
        return out.toString();
    }

    /** Every text inside a JSON value redacted (object keys too); other values as they are. */
    public JsonNode redact(JsonNode value) {
        if (value == null || isEmpty()) {
            return value;
        }
        if (value.isTextual()) {
            String redacted = redact(value.asText());
            return redacted.equals(value.asText()) ? value : JsonNodeFactory.instance.textNode(redacted);
        }
        if (value.isArray()) {
            ArrayNode copy = JsonNodeFactory.instance.arrayNode();
            value.forEach(element -> copy.add(redact(element)));
            return copy;
        }
        if (value.isObject()) {
            ObjectNode copy = JsonNodeFactory.instance.objectNode();
            value.fields().forEachRemaining(field -> copy.set(redact(field.getKey()), redact(field.getValue())));
            return copy;
        }
        return value;
    }

    /** Every value of a map redacted. */
    public Map<String, String> redact(Map<String, String> values) {
        if (values == null || isEmpty()) {
            return values;
        }
        Map<String, String> copy = new java.util.LinkedHashMap<>();
        values.forEach((k, v) -> copy.put(redact(k), redact(v)));
        return copy;
    }

    /** Marks each run of a form's characters at least its window long, found by its windows' hashes and then checked. */
    private boolean markRuns(String text, int window, Map<Long, List<Occurrence>> byHash, boolean[] secret) {
        if (text.length() < window) {
            return false;
        }
        boolean found = false;
        long power = power(window);
        long hash = 0;
        for (int i = 0; i < text.length(); i++) {
            if (i >= window) {
                hash -= text.charAt(i - window) * power;
            }
            hash = hash * BASE + text.charAt(i);
            if (i < window - 1) {
                continue;
            }
            List<Occurrence> candidates = byHash.get(hash);
            if (candidates == null) {
                continue;
            }
            int start = i - window + 1;
            for (Occurrence o : candidates) {
                String form = forms.get(o.form()).text();
                if (!text.regionMatches(start, form, o.offset(), window)) {
                    continue;
                }
                // as far as the text goes on matching the form, both ways
                int from = start;
                int offset = o.offset();
                while (from > 0 && offset > 0 && text.charAt(from - 1) == form.charAt(offset - 1)) {
                    from--;
                    offset--;
                }
                int to = start + window;
                int end = o.offset() + window;
                while (to < text.length() && end < form.length() && text.charAt(to) == form.charAt(end)) {
                    to++;
                    end++;
                }
                java.util.Arrays.fill(secret, from, to, true);
                found = true;
            }
        }
        return found;
    }

    /** Marks masked forms: {@code sk-pro...} or {@code sk-...wxyz}, a key's first or last characters beside a mask. */
    private boolean markMasked(String text, boolean[] secret) {
        boolean found = false;
        Matcher mask = MASK_RUN.matcher(text);
        while (mask.find()) {
            int headStart = mask.start();
            while (headStart > 0 && isKeyChar(text.charAt(headStart - 1))) {
                headStart--;
            }
            int tailEnd = mask.end();
            while (tailEnd < text.length() && isKeyChar(text.charAt(tailEnd))) {
                tailEnd++;
            }
            String head = text.substring(headStart, mask.start());
            String tail = text.substring(mask.end(), tailEnd);
            for (String key : keys) {
                boolean tailShown = tail.length() >= MASKED_TAIL && tail.length() < key.length() && key.endsWith(tail);
                boolean headShown = head.length() >= MASKED_HEAD && head.length() < key.length() && key.startsWith(head);
                if (tailShown || headShown) {
                    java.util.Arrays.fill(secret, headStart, tailShown ? tailEnd : mask.end(), true);
                    found = true;
                }
            }
        }
        return found;
    }

    private static boolean isKeyChar(char c) {
        return Character.isLetterOrDigit(c) || c == '-' || c == '_';
    }

    private static String percentEncoded(byte[] bytes) {
        StringBuilder out = new StringBuilder(bytes.length * 3);
        for (byte b : bytes) {
            out.append('%').append(HexFormat.of().withUpperCase().toHexDigits(b));
        }
        return out.toString();
    }

    /**
     * The base64 characters that depend on the key's bytes alone when the key starts {@code offset} bytes into what is
     * encoded (the characters it shares with its neighbours left out).
     */
    private static String base64Inner(byte[] key, int offset) {
        byte[] shifted = new byte[offset + key.length];
        System.arraycopy(key, 0, shifted, offset, key.length);
        String encoded = Base64.getEncoder().withoutPadding().encodeToString(shifted);
        int first = (offset * 8 + 5) / 6;
        int last = (offset + key.length) * 8 / 6;
        return first >= last ? "" : encoded.substring(first, Math.min(last, encoded.length()));
    }
}
