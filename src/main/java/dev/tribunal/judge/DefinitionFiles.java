package dev.tribunal.judge;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Definitions kept as YAML files of a directory, one a file (judges, sweeps): each file read with every problem found,
 * each definition under a name no other file uses. Any problem in any file stops the start, with every problem listed
 * by file and line.
 */
public final class DefinitionFiles {

    /** A definition's name: what files, URLs and metrics call it. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9_-]{1,64}");

    private DefinitionFiles() {
    }

    /** One file read: its definition, when the file had no problem, and its problems. */
    public record Read<T>(T definition, List<YamlDocument.Problem> problems) {
    }

    /** Reads one file of a directory; the display name is the file as problems name it. */
    @FunctionalInterface
    public interface Reader<T> {
        Read<T> read(Path file, String displayName);
    }

    /**
     * Reads a definition file: its root mapping, with no key but {@code keys} and a {@code name} of 1 to 64 characters
     * of a-z, 0-9, '_' or '-', then the rest of it by {@code rest}, given the root and the name (null when it is
     * missing). The definition is kept only when the file has no problem.
     *
     * @param contents what the file should hold, for a file that holds nothing or no mapping
     */
    public static <T> Read<T> read(YamlDocument doc, Path path, String contents, Set<String> keys, BiFunction<ObjectNode, String, T> rest) {
        return read(doc, doc.read(path, contents), keys, rest);
    }

    /** The same, for a file's text already read (a stored past version, say). */
    public static <T> Read<T> readText(YamlDocument doc, String text, String contents, Set<String> keys, BiFunction<ObjectNode, String, T> rest) {
        return read(doc, doc.parse(text, contents), keys, rest);
    }

    private static <T> Read<T> read(YamlDocument doc, ObjectNode root, Set<String> keys, BiFunction<ObjectNode, String, T> rest) {
        if (root == null) {
            return new Read<>(null, doc.problems());
        }
        doc.unknownKeys(root, "", keys);
        String name = doc.requiredText(root, "/name");
        if (name != null && !NAME.matcher(name).matches()) {
            doc.problem("/name", "name '" + name + "' must be 1 to 64 characters of a-z, 0-9, '_' or '-'");
        }
        T definition = rest.apply(root, name);
        return new Read<>(doc.problems().isEmpty() ? definition : null, doc.problems());
    }

    /**
     * The definitions of every {@code *.yaml} / {@code *.yml} file of a directory (not its subdirectories), by name in
     * name order; none when there is no such directory.
     *
     * @param kind what one file defines, as a problem names it: "judge", "sweep"
     * @throws InvalidJudgeFilesException listing every problem of every file, when there is any
     */
    public static <T> Map<String, T> load(Path directory, String kind, Reader<T> reader, Function<T, String> nameOf) {
        if (!Files.isDirectory(directory)) {
            return Map.of();
        }
        List<String> problems = new ArrayList<>();
        Map<String, T> byName = new TreeMap<>();
        Map<String, String> fileOfName = new HashMap<>();
        for (Path file : YamlDocument.filesIn(directory)) {
            String display = YamlDocument.display(file);
            Read<T> result = reader.read(file, display);
            result.problems().forEach(p -> problems.add(p.toString()));
            T definition = result.definition();
            if (definition == null) {
                continue;
            }
            String name = nameOf.apply(definition);
            String previous = fileOfName.putIfAbsent(name, display);
            if (previous != null) {
                problems.add(display + ":1: " + kind + " name '" + name + "' is already used by " + previous);
            } else {
                byName.put(name, definition);
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidJudgeFilesException(kind + " definitions", YamlDocument.display(directory), problems);
        }
        return byName;
    }
}
