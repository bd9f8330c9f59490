package dev.tribunal.metaeval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;

/**
 * Agreement statistics between a judge and a reference (or two judges) over the same items: for
 * labels, accuracy, Cohen's kappa, per-label precision/recall/F1 and the confusion matrix; for
 * numbers, Pearson and Spearman correlation, mean absolute error and quadratic-weighted kappa; and
 * bootstrap confidence intervals, seeded so that a report can be reproduced.
 */
public final class Agreement {

    private Agreement() {
    }

    /** One label's precision, recall and F1, with the reference as the truth; null where undefined (0 / 0). */
    public record LabelScores(String label, Double precision, Double recall, Double f1, int support) {
    }

    /** A 2.5 % – 97.5 % interval; null ends when too few items. */
    public record Interval(Double low, Double high) {
    }

    private static final double Z95 = 1.959963984540054;

    /** The 95 % Wilson score interval of a share observed over n trials ({@code [low, high]}). */
    public static List<Double> wilson(double share, int n) {
        if (n <= 0) {
            return null;
        }
        double z2 = Z95 * Z95;
        double centre = (share + z2 / (2 * n)) / (1 + z2 / n);
        double half = Z95 * Math.sqrt(share * (1 - share) / n + z2 / (4.0 * n * n)) / (1 + z2 / n);
        return List.of(Math.max(0, centre - half), Math.min(1, centre + half));
    }

    /** Fraction of items where both say the same. */
    public static double accuracy(List<String> judge, List<String> reference) {
        check(judge, reference);
        int same = 0;
        for (int i = 0; i < judge.size(); i++) {
            same += judge.get(i).equals(reference.get(i)) ? 1 : 0;
        }
        return judge.isEmpty() ? Double.NaN : (double) same / judge.size();
    }

    /**
     * Cohen's kappa: agreement beyond what the two label distributions give by chance,
     * (observed − expected) / (1 − expected). NaN when chance agreement is already perfect.
     */
    public static double cohensKappa(List<String> judge, List<String> reference) {
        check(judge, reference);
        Map<LabelPair, Long> counts = new LinkedHashMap<>();
        for (int i = 0; i < judge.size(); i++) {
            counts.merge(new LabelPair(judge.get(i), reference.get(i)), 1L, Long::sum);
        }
        return cohensKappa(counts);
    }

    /** A judge's label and the reference's label for the same item. */
    public record LabelPair(String judged, String reference) {
    }

    /** Cohen's kappa from how often each pair of labels occurs (as summed by a query); NaN as above. */
    public static double cohensKappa(Map<LabelPair, Long> counts) {
        long n = counts.values().stream().mapToLong(Long::longValue).sum();
        if (n == 0) {
            return Double.NaN;
        }
        Map<String, Long> a = new LinkedHashMap<>();
        Map<String, Long> b = new LinkedHashMap<>();
        long same = 0;
        for (Map.Entry<LabelPair, Long> e : counts.entrySet()) {
            a.merge(e.getKey().judged(), e.getValue(), Long::sum);
            b.merge(e.getKey().reference(), e.getValue(), Long::sum);
            same += e.getKey().judged().equals(e.getKey().reference()) ? e.getValue() : 0;
        }
        double observed = (double) same / n;
        double expected = 0;
        for (Map.Entry<String, Long> e : a.entrySet()) {
            expected += (e.getValue() / (double) n) * (b.getOrDefault(e.getKey(), 0L) / (double) n);
        }
        return expected >= 1.0 ? Double.NaN : (observed - expected) / (1 - expected);
    }

    /** The labels of both sides, sorted. */
    public static List<String> labels(List<String> judge, List<String> reference) {
        TreeSet<String> all = new TreeSet<>(judge);
        all.addAll(reference);
        return List.copyOf(all);
    }

    /** counts[r][j]: items the reference labels {@code labels[r]} and the judge {@code labels[j]}. */
    public static int[][] confusion(List<String> judge, List<String> reference, List<String> labels) {
        check(judge, reference);
        int[][] counts = new int[labels.size()][labels.size()];
        for (int i = 0; i < judge.size(); i++) {
            counts[labels.indexOf(reference.get(i))][labels.indexOf(judge.get(i))]++;
        }
        return counts;
    }

    public static List<LabelScores> perLabel(List<String> judge, List<String> reference, List<String> labels) {
        int[][] m = confusion(judge, reference, labels);
        List<LabelScores> scores = new ArrayList<>();
        for (int k = 0; k < labels.size(); k++) {
            int truePositive = m[k][k];
            int predicted = 0;
            int actual = 0;
            for (int i = 0; i < labels.size(); i++) {
                predicted += m[i][k];
                actual += m[k][i];
            }
            Double precision = predicted == 0 ? null : (double) truePositive / predicted;
            Double recall = actual == 0 ? null : (double) truePositive / actual;
            Double f1 = precision == null || recall == null || precision + recall == 0 ? null : 2 * precision * recall / (precision + recall);
            scores.add(new LabelScores(labels.get(k), precision, recall, f1, actual));
        }
        return scores;
    }

    /** Pearson's correlation; NaN when either side is constant. */
    public static double pearson(double[] x, double[] y) {
        check(x, y);
        int n = x.length;
        if (n < 2) {
            return Double.NaN;
        }
        double mx = Arrays.stream(x).average().orElse(0);
        double my = Arrays.stream(y).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxx == 0 || syy == 0 ? Double.NaN : sxy / Math.sqrt(sxx * syy);
    }

    /** Spearman's rank correlation: Pearson's on ranks, tied values sharing their average rank. */
    public static double spearman(double[] x, double[] y) {
        check(x, y);
        return pearson(ranks(x), ranks(y));
    }

    static double[] ranks(double[] values) {
        Integer[] order = new Integer[values.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (i, j) -> Double.compare(values[i], values[j]));
        double[] ranks = new double[values.length];
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && values[order[j + 1]] == values[order[i]]) {
                j++;
            }
            double average = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) {
                ranks[order[k]] = average;
            }
            i = j + 1;
        }
        return ranks;
    }

    public static double meanAbsoluteError(double[] x, double[] y) {
        check(x, y);
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += Math.abs(x[i] - y[i]);
        }
        return x.length == 0 ? Double.NaN : sum / x.length;
    }

    /**
     * Quadratic-weighted kappa for whole numbers in [min, max]: 1 − Σ w·observed / Σ w·expected with
     * w = (i − j)² / (k − 1)², expected from the two histograms. NaN when the sides are constant alike.
     */
    public static double quadraticWeightedKappa(double[] x, double[] y, int min, int max) {
        check(x, y);
        int k = max - min + 1;
        int n = x.length;
        if (n == 0 || k < 2) {
            return Double.NaN;
        }
        double[][] observed = new double[k][k];
        double[] hx = new double[k];
        double[] hy = new double[k];
        for (int i = 0; i < n; i++) {
            int a = (int) Math.round(x[i]) - min;
            int b = (int) Math.round(y[i]) - min;
            observed[a][b]++;
            hx[a]++;
            hy[b]++;
        }
        double numerator = 0;
        double denominator = 0;
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                double w = (double) (i - j) * (i - j) / ((k - 1) * (k - 1));
                numerator += w * observed[i][j];
                denominator += w * hx[i] * hy[j] / n;
            }
        }
        return denominator == 0 ? Double.NaN : 1 - numerator / denominator;
    }

    /**
     * A 95 % bootstrap interval of a statistic over items: {@code samples} resamples with replacement
     * (percentile method), drawn from a generator seeded with {@code seed}.
     *
     * @param statistic computes the figure from the indexes of a resample
     */
    public static Interval bootstrap(int items, int samples, long seed, ToDoubleFunction<int[]> statistic) {
        if (items < 2 || samples < 1) {
            return new Interval(null, null);
        }
        Random random = new Random(seed);
        double[] values = new double[samples];
        int kept = 0;
        int[] pick = new int[items];
        for (int s = 0; s < samples; s++) {
            for (int i = 0; i < items; i++) {
                pick[i] = random.nextInt(items);
            }
            double value = statistic.applyAsDouble(pick);
            if (!Double.isNaN(value)) {
                values[kept++] = value;
            }
        }
        if (kept < 2) {
            return new Interval(null, null);
        }
        double[] sorted = Arrays.copyOf(values, kept);
        Arrays.sort(sorted);
        return new Interval(percentile(sorted, 0.025), percentile(sorted, 0.975));
    }

    private static double percentile(double[] sorted, double p) {
        double position = p * (sorted.length - 1);
        int lower = (int) Math.floor(position);
        int upper = (int) Math.ceil(position);
        return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
    }

    private static void check(List<?> a, List<?> b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException("both sides need the same items");
        }
    }

    private static void check(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("both sides need the same items");
        }
    }
}
