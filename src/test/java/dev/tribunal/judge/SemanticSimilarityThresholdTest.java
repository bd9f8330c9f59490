package dev.tribunal.judge;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shipped {@code semantic_similarity} judge's threshold is the one its labelled set supports: over the pairs in
 * {@code semantic-similarity-pairs.tsv} (paraphrases, unrelated answers, sentences with one fact changed), no other
 * threshold classifies more pairs right. At it, every paraphrase passes and every unrelated answer fails; a changed
 * fact mostly passes, which is why judges/README.md says the judge is for paraphrase, not facts.
 */
class SemanticSimilarityThresholdTest {

    private record Pair(String expected, String response, boolean same, String kind, double cosine) {
    }

    @Test
    void theShippedThresholdIsTheBestOnTheLabelledSet() throws IOException {
        SentenceEmbeddings embeddings = new SentenceEmbeddings();
        List<Pair> pairs = new ArrayList<>();
        try (InputStream in = Objects.requireNonNull(getClass().getResourceAsStream("/judges/semantic-similarity-pairs.tsv"))) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#") || line.startsWith("expected\t")) {
                    continue;
                }
                String[] fields = line.split("\t");
                pairs.add(new Pair(fields[0], fields[1], fields[2].strip().equals("yes"), fields[3].strip(),
                        embeddings.cosineSimilarity(fields[1], fields[0])));
            }
        }
        double shipped = shippedThreshold();
        double best = Double.NaN;
        int bestCorrect = -1;
        StringBuilder table = new StringBuilder("threshold  correct of " + pairs.size() + "\n");
        for (int step = 50; step <= 99; step++) {
            double threshold = step / 100.0;
            int correct = correct(pairs, threshold);
            table.append(String.format(Locale.ROOT, "%.2f       %d%n", threshold, correct));
            if (correct > bestCorrect) {
                bestCorrect = correct;
                best = threshold;
            }
        }
        pairs.sort(java.util.Comparator.comparingDouble(Pair::cosine));
        for (Pair pair : pairs) {
            table.append(String.format(Locale.ROOT, "%.3f %-12s %s | %s%n", pair.cosine(), pair.kind(), pair.response(), pair.expected()));
        }
        System.out.println(table);
        assertEquals(bestCorrect, correct(pairs, shipped),
                "the shipped threshold " + shipped + " classifies as many pairs right as the best one (" + best + "):\n" + table);

        assertTrue(pairs.stream().filter(p -> p.kind().equals("paraphrase")).allMatch(p -> p.cosine() >= shipped),
                "every paraphrase passes:\n" + table);
        assertTrue(pairs.stream().filter(p -> p.kind().equals("unrelated")).allMatch(p -> p.cosine() < shipped),
                "every unrelated answer fails:\n" + table);
        long caught = pairs.stream().filter(p -> p.kind().equals("changed-fact") && p.cosine() < shipped).count();
        long changed = pairs.stream().filter(p -> p.kind().equals("changed-fact")).count();
        System.out.println("changed facts caught: " + caught + " of " + changed);
        assertTrue(caught * 2 < changed, "most changed facts pass, as judges/README.md warns: " + caught + " of " + changed + " caught");
    }

    private static int correct(List<Pair> pairs, double threshold) {
        return (int) pairs.stream().filter(p -> (p.cosine() >= threshold) == p.same()).count();
    }

    private static double shippedThreshold() throws IOException {
        String file = Files.readString(Path.of("judges", "semantic_similarity.yaml"));
        Matcher threshold = Pattern.compile("(?m)^\\s+threshold:\\s*([0-9.]+)").matcher(file);
        assertTrue(threshold.find(), "the shipped judge has a threshold");
        return Double.parseDouble(threshold.group(1));
    }
}
