package dev.tribunal.judge;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Property: whatever a judge file holds, loading it either gives judges or refuses it with problems that name the
 * file and a line; nothing else (no other exception, no problem without a place). Checked over seeded random
 * mutations of a valid file (lines dropped, doubled, swapped; YAML syntax and odd values put anywhere).
 */
class JudgeFileFuzzTest {

    private static final int CASES = 400;
    private static final String VALID = JudgeCatalogTest.VALID;

    private static final String[] TOKENS = {"[", "]", "{", "}", ":", ": ", "- ", "&a ", "*a", "!!binary ", "!!python/object ", "\t", "'", "\"",
            "|", ">", "#", "---", "...", "? ", "%YAML 1.2", "{{", "}}", "{{ x }}", "1e999", "-1", "999999999999999999999", "null", "~",
            "true", "yes", "\u0000", "\uFFFF", "é", "😀", "<<: *a", "\n", "  ", "numeric", "boolean", "categorical", "type:", "choices:"};

    @TempDir
    Path dir;

    @Test
    void everyFileLoadsOrIsRefusedWithItsFileAndLine() throws IOException {
        Files.writeString(dir.resolve("judge.yaml"), VALID);
        assertTrue(JudgeCatalog.load(dir, Set.of("openai")).containsKey("correctness"), "the file mutated is valid");
        Random random = new Random(20261125L);
        int loaded = 0;
        int refused = 0;
        for (int i = 0; i < CASES; i++) {
            String content = mutate(VALID, random);
            Path file = dir.resolve("judge.yaml");
            Files.writeString(file, content);
            try {
                JudgeCatalog.load(dir, Set.of("openai"));
                loaded++;
            } catch (InvalidJudgeFilesException e) {
                refused++;
                for (String problem : e.problems()) {
                    if (!problem.matches("(?s).*judge\\.yaml(:\\d+)?: .+")) {
                        fail("case " + i + ": a problem without its file: " + problem + "\n---\n" + content);
                    }
                }
            } catch (RuntimeException | StackOverflowError e) {
                fail("case " + i + ": " + e + "\n---\n" + content, e);
            }
        }
        assertTrue(loaded > 0 && refused > CASES / 4, "the mutations reach both outcomes: " + loaded + " loaded, " + refused + " refused");
    }

    private static String mutate(String valid, Random random) {
        List<String> lines = new ArrayList<>(Arrays.asList(valid.split("\n", -1)));
        int changes = 1 + random.nextInt(3);
        for (int c = 0; c < changes; c++) {
            int at = random.nextInt(lines.size());
            switch (random.nextInt(6)) {
                case 0 -> lines.remove(at);
                case 1 -> lines.add(at, lines.get(at));
                case 2 -> {
                    int other = random.nextInt(lines.size());
                    String line = lines.get(at);
                    lines.set(at, lines.get(other));
                    lines.set(other, line);
                }
                case 3 -> {
                    String line = lines.get(at);
                    int pos = line.isEmpty() ? 0 : random.nextInt(line.length() + 1);
                    lines.set(at, line.substring(0, pos) + TOKENS[random.nextInt(TOKENS.length)] + line.substring(pos));
                }
                case 4 -> {
                    String line = lines.get(at);
                    int colon = line.indexOf(':');
                    lines.set(at, (colon < 0 ? line : line.substring(0, colon + 1) + " ") + TOKENS[random.nextInt(TOKENS.length)]);
                }
                default -> lines.add(at, "  ".repeat(random.nextInt(3)) + "x" + random.nextInt(9) + ": " + TOKENS[random.nextInt(TOKENS.length)]);
            }
            if (lines.isEmpty()) {
                lines.add("");
            }
        }
        return String.join("\n", lines);
    }
}
