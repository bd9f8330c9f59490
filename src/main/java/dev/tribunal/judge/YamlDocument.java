package dev.tribunal.judge;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One YAML configuration file being read (a judge, a sweep): where each key and value is, each scalar
 * as written, and every problem found, with its file and line. Keys are addressed by JSON pointer
 * ({@code /output/choices/0}); a problem at a pointer that has no line of its own takes its parent's.
 */
public class YamlDocument {

    /** A problem in a file, where it is. */
    public record Problem(String file, int line, String message) {
        @Override
        public String toString() {
            return file + ":" + line + ": " + message;
        }
    }

    private static final YAMLFactory YAML = YAMLFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    private static final ObjectMapper YAML_MAPPER = new ObjectMapper(YAML);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

    private final String file;
    private final Map<String, Integer> lines = new HashMap<>();
    private final Map<String, String> rawScalars = new HashMap<>();
    private final List<Problem> problems = new ArrayList<>();

    public YamlDocument(String file) {
        this.file = file;
    }

    /**
     * Reads the file: its root mapping, or null when it is unreadable, not YAML, empty or not a mapping
     * (each recorded as a problem; {@code contents} names what the file should hold).
     */
    public ObjectNode read(Path path, String contents) {
        String content;
        try {
            content = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            problems.add(new Problem(file, 1, "cannot be read: " + e.getMessage()));
            return null;
        }
        return parse(content, contents);
    }

    /** A file's text as its root mapping, or null with the problem recorded. */
    public ObjectNode parse(String content, String contents) {
        try {
            scanLines(content);
            JsonNode root = YAML_MAPPER.readTree(content);
            if (root == null || root.isMissingNode() || root.isNull()) {
                problem("", "the file is empty; it needs " + contents);
            } else if (!root.isObject()) {
                problem("", "the file must be a YAML mapping of keys (" + contents + ")");
            } else {
                return (ObjectNode) root;
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            problems.add(new Problem(file, at == null ? 1 : Math.max(1, at.getLineNr()),
                    "not valid YAML: " + e.getOriginalMessage().replaceAll("\\s*\\n\\s*", "; ")));
        } catch (IOException e) {
            problems.add(new Problem(file, 1, "cannot be read: " + e.getMessage()));
        }
        return null;
    }

    /** Records the line of every key and value, and each scalar as written, by JSON pointer. */
    private void scanLines(String content) throws IOException {
        try (JsonParser parser = YAML.createParser(content)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                String pointer = parser.getParsingContext().pathAsPointer().toString();
                lines.putIfAbsent(pointer, parser.currentTokenLocation().getLineNr());
                if (token.isScalarValue()) {
                    rawScalars.put(pointer, parser.getText());
                }
            }
        }
    }

    /** The {@code *.yaml} / {@code *.yml} files of a directory (not its subdirectories), in name order. */
    public static List<Path> filesIn(Path directory) {
        try (java.util.stream.Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile)
                    .filter(f -> f.getFileName().toString().endsWith(".yaml") || f.getFileName().toString().endsWith(".yml"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("Cannot list " + directory, e);
        }
    }

    /** A path as the user would type it: relative to the working directory when inside it. */
    public static String display(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path here = Path.of("").toAbsolutePath();
        return absolute.startsWith(here) ? here.relativize(absolute).toString() : absolute.toString();
    }

    public String file() {
        return file;
    }

    public List<Problem> problems() {
        return problems;
    }

    public void problem(String pointer, String message) {
        problems.add(new Problem(file, lineOf(pointer), message));
    }

    public int lineOf(String pointer) {
        String p = pointer;
        while (true) {
            Integer line = lines.get(p);
            if (line != null) {
                return line;
            }
            if (p.isEmpty()) {
                return 1;
            }
            p = p.substring(0, p.lastIndexOf('/'));
        }
    }

    /** A scalar exactly as written ({@code yes} stays "yes"), else the node's text. */
    public String raw(String pointer, JsonNode value) {
        return rawScalars.getOrDefault(pointer, value.asText());
    }

    public void unknownKeys(JsonNode node, String pointer, Set<String> allowed) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                problem(pointer + "/" + key, "unknown key '" + key + "'" + (pointer.isEmpty() ? "" : " in " + pointer.substring(1).replace('/', '.'))
                        + "; known keys: " + String.join(", ", new TreeSet<>(allowed)));
            }
        }
    }

    /**
     * A file's {@code budget: {per_day: 20.00, ...}}: the most its judgments may cost per UTC day; null when the file sets
     * none, or (with a problem) when it is not a number of at least 0.
     *
     * @param keys the keys the budget may have
     * @param example the budget as it could be written, for the problem's message
     */
    public Double budgetPerDay(JsonNode root, Set<String> keys, String example) {
        JsonNode budget = root.get("budget");
        if (budget == null || budget.isNull()) {
            return null;
        }
        if (!budget.isObject()) {
            problem("/budget", "budget must be a mapping such as " + example);
            return null;
        }
        unknownKeys(budget, "/budget", keys);
        JsonNode perDay = budget.get("per_day");
        if (perDay == null || perDay.isNull()) {
            problem("/budget", "budget.per_day is required: the most the judgments may cost per UTC day, e.g. " + example);
            return null;
        }
        if (!perDay.isNumber() || !(perDay.asDouble() >= 0) || Double.isInfinite(perDay.asDouble())) {
            problem("/budget/per_day", "budget.per_day must be a number of at least 0 (the most the judgments may cost per UTC day, "
                    + "in the providers' currency), not '" + raw("/budget/per_day", perDay) + "'");
            return null;
        }
        return perDay.asDouble();
    }

    public String requiredText(JsonNode node, String pointer) {
        String key = pointer.substring(pointer.lastIndexOf('/') + 1);
        if (!node.has(key) || node.get(key).isNull()) {
            problem(pointer.substring(0, pointer.lastIndexOf('/')), "'" + pointer.substring(1).replace('/', '.') + "' is required");
            return null;
        }
        return optionalText(node, pointer);
    }

    public String optionalText(JsonNode node, String pointer) {
        String key = pointer.substring(pointer.lastIndexOf('/') + 1);
        JsonNode value = node.get(key);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isValueNode()) {
            problem(pointer, "'" + pointer.substring(1).replace('/', '.') + "' must be a text value");
            return null;
        }
        return rawScalars.getOrDefault(pointer, value.asText());
    }

    /**
     * A duration such as 500ms, 30s, 5m, 24h, 7d within [min, max]; null (with a problem) when it is
     * not one, or absent.
     */
    public Duration duration(JsonNode node, String pointer, Duration min, Duration max) {
        String text = optionalText(node, pointer);
        return text == null ? null : duration(pointer, text, min, max);
    }

    /** Parses a duration written at {@code pointer}; null (with a problem) when it is not one within [min, max]. */
    public Duration duration(String pointer, String text, Duration min, Duration max) {
        String name = pointer.substring(1).replace('/', '.');
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            problem(pointer, name + " must be a duration such as 500ms, 30s, 2m, 24h; not '" + text + "'");
            return null;
        }
        long amount = Long.parseLong(m.group(1));
        Duration duration = switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
        if (duration.compareTo(min) < 0 || duration.compareTo(max) > 0) {
            problem(pointer, name + " must be " + (min.isZero() ? "at least 0" : "above zero") + " and at most " + describe(max));
            return null;
        }
        return duration;
    }

    private static String describe(Duration d) {
        if (d.toDays() > 0 && d.equals(Duration.ofDays(d.toDays()))) {
            return d.toDays() + "d";
        }
        if (d.toHours() > 0 && d.equals(Duration.ofHours(d.toHours()))) {
            return d.toHours() + "h";
        }
        return d.toMinutes() + "m";
    }
}
