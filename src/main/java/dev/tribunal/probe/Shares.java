package dev.tribunal.probe;

import java.util.List;

/** Shares with their 95 % intervals. */
final class Shares {


    private Shares() {
    }

    /** count / n; null when nothing was compared. */
    static Double share(int count, int n) {
        return n == 0 ? null : (double) count / n;
    }

    /** The 95 % Wilson score interval of count successes in n trials; null for n = 0. */
    static List<Double> wilson(int count, int n) {
        return n == 0 ? null : dev.tribunal.metaeval.Agreement.wilson((double) count / n, n);
    }

    /**
     * The 95 % interval of a difference of two shares p1 - p2, by Newcombe's square-and-add (MOVER) from their Wilson
     * intervals, with the correlation of the two estimates: 0 for independent groups, negative for two outcomes counted
     * over the same traces (raised and lowered).
     */
    static List<Double> difference(double p1, List<Double> ci1, double p2, List<Double> ci2, double correlation) {
        double d = p1 - p2;
        double a = p1 - ci1.get(0);
        double b = ci2.get(1) - p2;
        double c = ci1.get(1) - p1;
        double e = p2 - ci2.get(0);
        double lower = d - Math.sqrt(Math.max(0, a * a + b * b - 2 * correlation * a * b));
        double upper = d + Math.sqrt(Math.max(0, c * c + e * e - 2 * correlation * c * e));
        return List.of(Math.max(-1, lower), Math.min(1, upper));
    }

    /** The interval of (raised - lowered) / n, raised and lowered counted over the same n traces (one multinomial). */
    static List<Double> net(int raised, int lowered, int n) {
        double r = (double) raised / n;
        double l = (double) lowered / n;
        double correlation = r == 0 || l == 0 || r == 1 || l == 1 ? 0 : -Math.sqrt(r * l / ((1 - r) * (1 - l)));
        return difference(r, wilson(raised, n), l, wilson(lowered, n), correlation);
    }
}
