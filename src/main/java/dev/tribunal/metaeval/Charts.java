package dev.tribunal.metaeval;

import static dev.tribunal.system.PageText.escape;
import static dev.tribunal.system.PageText.figure;
import static dev.tribunal.system.PageText.plain;

import java.util.List;
import java.util.Locale;

/**
 * The page's charts as inline SVG, drawn on the server: no script, readable as they are, and every
 * piece of text from the data escaped.
 */
public final class Charts {

    private Charts() {
    }

    /** One bar: a judge's headline figure (kappa or Spearman) with its interval, and its cost per judgment. */
    public record Bar(String judge, Double value, Double low, Double high, Double cost) {
    }

    /** Labels longer than this are shortened on the heatmap's axes, their full text shown on hover. */
    static final int MAX_LABEL = 18;
    /** Roughly the width of a character of the axis labels (12 px system sans-serif), to make room for the longest. */
    private static final double CHAR_WIDTH = 7.2;

    /**
     * A confusion matrix as a heatmap: rows the reference's labels, columns the judge's, darker for more items. The
     * margins grow with the longest label (shortened beyond {@link #MAX_LABEL} characters, the whole label in its
     * tooltip); column labels stand upright so that long ones never run into each other, and the axis titles sit
     * outside the labels.
     */
    static String heatmap(List<String> labels, int[][] counts) {
        if (labels == null || labels.isEmpty()) {
            return "";
        }
        int cell = 44;
        int longest = labels.stream().mapToInt(l -> shorten(l).length()).max().orElse(1);
        double labelRoom = longest * CHAR_WIDTH;
        int axisRoom = 24;
        int left = (int) Math.ceil(axisRoom + labelRoom + 10);
        // column labels stand upright (read bottom to top), so that long ones never run into their neighbours
        int top = (int) Math.ceil(axisRoom + labelRoom + 12);
        int size = labels.size() * cell;
        int width = left + size + 10;
        int height = top + size + 10;
        int max = 1;
        for (int[] row : counts) {
            for (int c : row) {
                max = Math.max(max, c);
            }
        }
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg class=\"heatmap\" role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">",
                width, height, width, height));
        svg.append("<title>Confusion matrix: rows are the reference's labels, columns the judge's</title>");
        svg.append(text(left + size / 2.0, 14, "judge", "middle", "axis"));
        for (int j = 0; j < labels.size(); j++) {
            double x = left + j * cell + cell / 2.0 + 4;
            double y = top - 8;
            svg.append(label(x, y, labels.get(j), "start", "rotate(-90 " + fmt(x) + " " + fmt(y) + ")"));
        }
        for (int i = 0; i < labels.size(); i++) {
            svg.append(label(left - 8, top + i * cell + cell / 2.0 + 4, labels.get(i), "end", null));
            for (int j = 0; j < labels.size(); j++) {
                double shade = counts[i][j] / (double) max;
                int light = (int) Math.round(245 - shade * 170);
                svg.append(String.format(Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"rgb(%d,%d,255)\" stroke=\"#fff\"><title>reference %s, judge %s: %d</title></rect>",
                        left + j * cell, top + i * cell, cell, cell, light, light, escape(labels.get(i)), escape(labels.get(j)), counts[i][j]));
                svg.append(text(left + j * cell + cell / 2.0, top + i * cell + cell / 2.0 + 5, Integer.toString(counts[i][j]), "middle",
                        shade > 0.6 ? "count dark" : "count"));
            }
        }
        svg.append(text(12, top + size / 2.0, "reference", "middle", "axis", "rotate(-90 12 " + fmt(top + size / 2.0) + ")"));
        return svg.append("</svg>").toString();
    }

    /** An axis label, shortened when long, with the whole label as its tooltip. */
    private static String label(double x, double y, String content, String anchor, String transform) {
        String shown = shorten(content);
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"label\"%s>%s<title>%s</title></text>", x, y,
                anchor, transform == null ? "" : " transform=\"" + transform + "\"", escape(shown), escape(content));
    }

    static String shorten(String label) {
        String text = label == null ? "" : label;
        return text.codePointCount(0, text.length()) <= MAX_LABEL ? text
                : text.substring(0, text.offsetByCodePoints(0, MAX_LABEL - 1)) + "…";
    }

    private static String fmt(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    /** Horizontal bars of the headline figure with 95 % interval whiskers, on a scale from −1 (or 0) to 1. */
    public static String agreementBars(List<Bar> bars, String figure) {
        if (bars.isEmpty()) {
            return "";
        }
        int left = 230;
        int width = 320;
        int row = 30;
        double min = bars.stream().map(b -> b.low() != null ? b.low() : b.value()).filter(v -> v != null).anyMatch(v -> v < 0) ? -1 : 0;
        StringBuilder svg = new StringBuilder();
        int height = bars.size() * row + 40;
        svg.append(String.format(Locale.ROOT, "<svg class=\"bars\" role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">",
                left + width + 60, height, left + width + 60, height));
        svg.append("<title>").append(escape(figure)).append(" of each judge with its 95 % interval</title>");
        for (double tick = min; tick <= 1.0001; tick += 0.5) {
            double x = left + (tick - min) / (1 - min) * width;
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" class=\"grid\"/>", x, x, height - 20));
            svg.append(text(x, height - 6, String.format(Locale.ROOT, "%.1f", tick), "middle", "label"));
        }
        for (int i = 0; i < bars.size(); i++) {
            Bar bar = bars.get(i);
            double y = 8 + i * row;
            svg.append(text(left - 8, y + 14, bar.judge(), "end", "label"));
            if (bar.value() == null) {
                svg.append(text(left + 4, y + 14, "no figure", "start", "label"));
                continue;
            }
            double zero = left + (0 - min) / (1 - min) * width;
            double end = left + (bar.value() - min) / (1 - min) * width;
            svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"18\" class=\"bar\"><title>%s %s %.3f</title></rect>",
                    Math.min(zero, end), y, Math.abs(end - zero), escape(bar.judge()), escape(figure), bar.value()));
            if (bar.low() != null && bar.high() != null) {
                double lo = left + (bar.low() - min) / (1 - min) * width;
                double hi = left + (bar.high() - min) / (1 - min) * width;
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"whisker\"/>", lo, y + 9, hi, y + 9));
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"whisker\"/>", lo, y + 3, lo, y + 15));
                svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"whisker\"/>", hi, y + 3, hi, y + 15));
            }
            svg.append(text(left + width + 8, y + 14, String.format(Locale.ROOT, "%.2f", bar.value()), "start", "label"));
        }
        return svg.append("</svg>").toString();
    }

    /** Each judge as a point: cost per judgment across, agreement up; the cheap and good are top left. */
    static String costVsAgreement(List<Bar> bars, String figure) {
        List<Bar> points = bars.stream().filter(b -> b.value() != null && b.cost() != null).toList();
        if (points.isEmpty()) {
            return "";
        }
        int left = 60;
        int width = 360;
        int height = 220;
        double maxCost = points.stream().mapToDouble(Bar::cost).max().orElse(1);
        maxCost = maxCost <= 0 ? 1 : maxCost * 1.15;
        double min = points.stream().anyMatch(b -> b.value() < 0) ? -1 : 0;
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg class=\"scatter\" role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">",
                left + width + 160, height + 40, left + width + 160, height + 40));
        svg.append("<title>Cost per judgment against ").append(escape(figure)).append("</title>");
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" class=\"axis-line\"/>", left, height, left + width, height));
        svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"0\" x2=\"%d\" y2=\"%d\" class=\"axis-line\"/>", left, left, height));
        svg.append(text(left + width / 2.0, height + 32, "cost per judgment", "middle", "axis"));
        svg.append(text(14, height / 2.0, figure, "middle", "axis", "rotate(-90 14 " + height / 2.0 + ")"));
        svg.append(text(left - 6, 16, "1", "end", "label"));
        svg.append(text(left - 6, height - 8, String.format(Locale.ROOT, "%.0f", min), "end", "label"));
        svg.append(text(left + width, height + 16, plain(maxCost), "end", "label"));
        for (Bar point : points) {
            double x = left + point.cost() / maxCost * width;
            // 12 px of room above and below, so that a point at the top or bottom is drawn whole
            double y = 12 + (height - 24) * (1 - (point.value() - min) / (1 - min));
            svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"6\" class=\"point\"><title>%s: %s %.3f at %s a judgment</title></circle>",
                    x, y, escape(point.judge()), escape(figure), point.value(), plain(point.cost())));
            svg.append(text(x + 9, y + 4, point.judge(), "start", "label"));
        }
        return svg.append("</svg>").toString();
    }

    private static String text(double x, double y, String content, String anchor, String css) {
        return text(x, y, content, anchor, css, null);
    }

    private static String text(double x, double y, String content, String anchor, String css, String transform) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\"%s>%s</text>", x, y, anchor, css,
                transform == null ? "" : " transform=\"" + transform + "\"", escape(content));
    }
}
