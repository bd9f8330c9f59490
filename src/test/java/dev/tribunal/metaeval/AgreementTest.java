package dev.tribunal.metaeval;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each statistic against a value worked out by hand or a published worked example. */
class AgreementTest {

    /**
     * The classic 2 × 2 example (50 items): both yes 20, judge yes / reference no 5, judge no /
     * reference yes 10, both no 15. Observed 0.70, chance 0.50, kappa 0.40.
     */
    private static List<List<String>> classic() {
        List<String> judge = new ArrayList<>();
        List<String> reference = new ArrayList<>();
        add(judge, reference, "yes", "yes", 20);
        add(judge, reference, "yes", "no", 5);
        add(judge, reference, "no", "yes", 10);
        add(judge, reference, "no", "no", 15);
        return List.of(judge, reference);
    }

    private static void add(List<String> judge, List<String> reference, String j, String r, int n) {
        judge.addAll(Collections.nCopies(n, j));
        reference.addAll(Collections.nCopies(n, r));
    }

    @Test
    void accuracyAndCohensKappaOfTheClassicExample() {
        List<List<String>> data = classic();
        assertEquals(0.70, Agreement.accuracy(data.get(0), data.get(1)), 1e-12);
        assertEquals(0.40, Agreement.cohensKappa(data.get(0), data.get(1)), 1e-12);
        // the same from the counts of each pair of labels, as a query sums them
        java.util.Map<Agreement.LabelPair, Long> counts = new java.util.HashMap<>();
        for (int i = 0; i < data.get(0).size(); i++) {
            counts.merge(new Agreement.LabelPair(data.get(0).get(i), data.get(1).get(i)), 1L, Long::sum);
        }
        assertEquals(0.40, Agreement.cohensKappa(counts), 1e-12);
        assertTrue(Double.isNaN(Agreement.cohensKappa(java.util.Map.of())));
    }

    @Test
    void confusionMatrixAndPerLabelScores() {
        List<List<String>> data = classic();
        List<String> labels = Agreement.labels(data.get(0), data.get(1));
        assertEquals(List.of("no", "yes"), labels);
        // rows: reference no, yes; columns: judge no, yes
        assertArrayEquals(new int[][] {{15, 5}, {10, 20}}, Agreement.confusion(data.get(0), data.get(1), labels));
        Agreement.LabelScores yes = Agreement.perLabel(data.get(0), data.get(1), labels).get(1);
        assertEquals(20 / 25.0, yes.precision(), 1e-12);
        assertEquals(20 / 30.0, yes.recall(), 1e-12);
        assertEquals(2 * 0.8 * (2 / 3.0) / (0.8 + 2 / 3.0), yes.f1(), 1e-12);
        assertEquals(30, yes.support());
    }

    @Test
    void perfectAndChanceLevelAgreement() {
        assertEquals(1.0, Agreement.cohensKappa(List.of("a", "b", "a"), List.of("a", "b", "a")), 1e-12);
        // every item the same label on both sides: chance agreement is already 1, kappa is undefined
        assertTrue(Double.isNaN(Agreement.cohensKappa(List.of("a", "a"), List.of("a", "a"))));
        // agreement exactly at chance: 0
        assertEquals(0.0, Agreement.cohensKappa(List.of("a", "a", "b", "b"), List.of("a", "b", "a", "b")), 1e-12);
    }

    @Test
    void pearsonOfASmallHandWorkedExample() {
        // deviations (-2,-1,0,1,2) and (-2,0,1,0,1): 6 / sqrt(10 × 6)
        assertEquals(6 / Math.sqrt(60), Agreement.pearson(new double[] {1, 2, 3, 4, 5}, new double[] {2, 4, 5, 4, 5}), 1e-12);
        assertTrue(Double.isNaN(Agreement.pearson(new double[] {1, 1, 1}, new double[] {1, 2, 3})));
    }

    @Test
    void spearmanOfThePublishedIqAndTelevisionExample() {
        double[] iq = {106, 100, 86, 101, 99, 103, 97, 113, 112, 110};
        double[] hoursOfTv = {7, 27, 2, 50, 28, 29, 20, 12, 6, 17};
        assertEquals(-29 / 165.0, Agreement.spearman(iq, hoursOfTv), 1e-12);
    }

    @Test
    void tiesShareTheirAverageRank() {
        assertArrayEquals(new double[] {1, 2.5, 2.5, 4}, Agreement.ranks(new double[] {1, 5, 5, 9}), 1e-12);
    }

    @Test
    void meanAbsoluteError() {
        assertEquals(2 / 3.0, Agreement.meanAbsoluteError(new double[] {1, 2, 3}, new double[] {1, 3, 4}), 1e-12);
    }

    @Test
    void quadraticWeightedKappaOfAHandWorkedExample() {
        assertEquals(1.0, Agreement.quadraticWeightedKappa(new double[] {1, 2, 3}, new double[] {1, 2, 3}, 1, 3), 1e-12);
        // observed disagreement 0.25 (one item one step apart), expected 1.25 from the histograms: 1 - 0.25 / 1.25
        assertEquals(0.8, Agreement.quadraticWeightedKappa(new double[] {1, 1, 3}, new double[] {1, 2, 3}, 1, 3), 1e-12);
    }

    @Test
    void bootstrapIntervalsAreReproducibleAndBracketTheEstimate() {
        List<List<String>> data = classic();
        List<String> judge = data.get(0);
        List<String> reference = data.get(1);
        java.util.function.ToDoubleFunction<int[]> kappa = pick -> {
            List<String> a = new ArrayList<>();
            List<String> b = new ArrayList<>();
            for (int i : pick) {
                a.add(judge.get(i));
                b.add(reference.get(i));
            }
            return Agreement.cohensKappa(a, b);
        };
        Agreement.Interval first = Agreement.bootstrap(judge.size(), 1000, 42, kappa);
        Agreement.Interval again = Agreement.bootstrap(judge.size(), 1000, 42, kappa);
        Agreement.Interval otherSeed = Agreement.bootstrap(judge.size(), 1000, 7, kappa);
        assertEquals(first, again, "the same seed gives the same interval");
        assertNotEquals(first, otherSeed);
        assertTrue(first.low() < 0.40 && 0.40 < first.high(), first.toString());
        assertTrue(first.high() - first.low() > 0.2 && first.high() - first.low() < 0.8, "50 items: a wide interval " + first);
        assertEquals(new Agreement.Interval(null, null), Agreement.bootstrap(1, 1000, 42, kappa), "too few items");
    }
}
