package dev.tribunal.system;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Rules of the code's shape that the compiler does not check, read from the sources. */
class CodeShapeTest {

    private static final Path MAIN = Path.of("src/main/java/dev/tribunal");

    private static List<Path> sources() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            return files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
        }
    }

    private static String name(Path file) {
        return MAIN.relativize(file).toString();
    }

    @Test
    void eachBackgroundJobIsAClassOfItsOwn() throws IOException {
        List<String> crowded = new ArrayList<>();
        for (Path file : sources()) {
            String source = Files.readString(file);
            long jobs = Pattern.compile("@(io\\.quarkus\\.scheduler\\.)?Scheduled\\(").matcher(source).results().count();
            if (jobs > 1) {
                crowded.add(name(file) + " (" + jobs + " jobs)");
            }
        }
        assertEquals(List.of(), crowded, "classes that host more than one @Scheduled job");
    }

    @Test
    void theQueueStoreOnlyTalksToTheDatabase() throws IOException {
        String queue = Files.readString(MAIN.resolve("run/TaskQueue.java"));
        List<String> found = Stream.of("Scheduled", "MeterRegistry", "Logger", "subscribe()")
                .filter(queue::contains).toList();
        assertEquals(List.of(), found, "the queue store holds SQL only: no jobs, metrics, logs or subscriptions");
    }

    /**
     * A statement that turns any failure into nothing ({@code recoverWithNull()}, or an item of {@code null} or
     * {@code Optional.empty()}) logs it in that statement, or calls a method of the same class that does.
     * Failures turned into data (an error judgment, an error answer) are not swallowed and not looked at.
     */
    @Test
    void noFailureIsSwallowedWithoutALogLine() throws IOException {
        Pattern recover = Pattern.compile("\\.onFailure\\(\\)\\s*\\.recoverWith(Null\\(\\)|Item\\(Optional\\.empty\\(\\)\\)|Item\\(\\w+ -> \\{)");
        List<String> silent = new ArrayList<>();
        for (Path file : sources()) {
            String source = Files.readString(file);
            Matcher m = recover.matcher(source);
            while (m.find()) {
                int start = Math.max(source.lastIndexOf(';', m.start()), source.lastIndexOf("{\n", m.start()));
                int end = source.indexOf(";\n", m.end());
                String statement = source.substring(start + 1, end < 0 ? source.length() : end);
                if (!logs(statement, source)) {
                    silent.add(name(file) + ":" + source.substring(0, m.start()).lines().count());
                }
            }
        }
        assertEquals(List.of(), silent, "failures recovered from without a log line");
    }

    private static boolean logs(String statement, String source) {
        if (statement.contains("LOG.")) {
            return true;
        }
        Matcher call = Pattern.compile("(\\w+)\\(").matcher(statement);
        while (call.find()) {
            Matcher declaration = Pattern.compile("\\n    (private |static |final )*void " + call.group(1) + "\\(").matcher(source);
            if (declaration.find()) {
                int bodyEnd = source.indexOf("\n    }\n", declaration.end());
                if (source.substring(declaration.end(), bodyEnd < 0 ? source.length() : bodyEnd).contains("LOG.")) {
                    return true;
                }
            }
        }
        return false;
    }
}
