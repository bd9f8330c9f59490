package dev.tribunal.dashboard;

import dev.tribunal.system.PageText;

import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/**
 * Figures over days as inline SVG, drawn on the server in the style of the meta-evaluation's charts: a line per series
 * with a whisker for each point's interval, days across, dashed marks where a judge version began. Every text from the
 * data is escaped; the page puts the same figures in a table.
 */
final class TrendCharts {

    /** Colours of the series, distinct for the usual few labels and dark enough to read on white. */
    static final List<String> COLOURS = List.of("#2748c4", "#b45309", "#047857", "#9d174d", "#6d28d9", "#0e7490", "#4b5563", "#a16207");

    private static final int LEFT = 56;
    private static final int WIDTH = 640;
    private static final int TOP = 28;
    private static final int HEIGHT = 180;

    private TrendCharts() {
    }

    /** A point of a series: the day, the value, and its interval (or quartiles), null when it has none. */
    record Point(LocalDate day, double value, Double low, Double high) {
    }

    /** A line: its name and colour and its points by day. */
    record Series(String name, String colour, List<Point> points) {
    }

    /**
     * A chart of {@code series} from {@code from} to {@code to}, on a scale from {@code min} to {@code max}.
     *
     * @param title what the chart shows, its accessible name
     * @param marks days a judge version began, with the version
     */
    static String lines(String title, LocalDate from, LocalDate to, double min, double max, boolean percent, List<Series> series,
                        List<QualityReport.VersionMark> marks) {
        long days = Math.max(1, ChronoUnit.DAYS.between(from, to));
        double span = max - min <= 0 ? 1 : max - min;
        StringBuilder svg = new StringBuilder();
        int width = LEFT + WIDTH + 24;
        int height = TOP + HEIGHT + 36;
        svg.append(String.format(Locale.ROOT, "<svg class=\"trend\" role=\"img\" aria-label=\"%s\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">",
                PageText.escape(title), width, height, width, height));
        svg.append("<title>").append(PageText.escape(title)).append("</title>");
        for (int i = 0; i <= 4; i++) {
            double value = min + span * i / 4;
            double y = y(value, min, span);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" class=\"grid\"/>", LEFT, y, LEFT + WIDTH, y));
            svg.append(text(LEFT - 6, y + 4, percent ? String.format(Locale.ROOT, "%.0f %%", value * 100) : number(value), "end", "label"));
        }
        long step = Math.max(1, (days + 6) / 7);
        for (long d = 0; d <= days; d += step) {
            LocalDate day = from.plusDays(d);
            svg.append(text(x(day, from, days), TOP + HEIGHT + 18, day.toString().substring(5), "middle", "label"));
        }
        svg.append(text(LEFT + WIDTH / 2.0, TOP + HEIGHT + 34, "UTC day", "middle", "axis"));
        for (QualityReport.VersionMark mark : marks) {
            double x = x(mark.day(), from, days);
            svg.append(String.format(Locale.ROOT, "<g class=\"version-mark\"><title>Judge version %s gave its first verdict on %s</title>"
                            + "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" class=\"version-line\"/>", PageText.escape(mark.version()), mark.day(),
                    x, TOP - 6, x, TOP + HEIGHT));
            svg.append(text(x + 3, TOP - 10, "version " + dev.tribunal.judge.JudgeVersions.shortForm(mark.version()), "start", "label")).append("</g>");
        }
        for (Series s : series) {
            StringBuilder path = new StringBuilder();
            for (Point p : s.points()) {
                path.append(path.length() == 0 ? "M" : " L").append(String.format(Locale.ROOT, "%.1f %.1f", x(p.day(), from, days),
                        y(p.value(), min, span)));
            }
            svg.append(String.format(Locale.ROOT, "<g class=\"series\"><title>%s</title>", PageText.escape(s.name())));
            if (s.points().size() > 1) {
                svg.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>", path, s.colour()));
            }
            for (Point p : s.points()) {
                double x = x(p.day(), from, days);
                if (p.low() != null && p.high() != null) {
                    svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-opacity=\"0.5\"/>",
                            x, y(p.low(), min, span), x, y(p.high(), min, span), s.colour()));
                }
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s on %s: %s%s</title></circle>",
                        x, y(p.value(), min, span), s.colour(), PageText.escape(s.name()), p.day(), percent ? percent(p.value()) : number(p.value()),
                        p.low() == null ? "" : " (" + (percent ? percent(p.low()) + " – " + percent(p.high()) : number(p.low()) + " – " + number(p.high())) + ")"));
            }
            svg.append("</g>");
        }
        return svg.append("</svg>").toString();
    }

    /** A version as the chart names it: the first 8 characters of a hash are enough to tell versions apart. */
    static String percent(double share) {
        return String.format(Locale.ROOT, "%.0f %%", share * 100);
    }

    static String number(double value) {
        return Math.abs(value) >= 100 || value == Math.rint(value) ? String.format(Locale.ROOT, "%.0f", value)
                : String.format(Locale.ROOT, "%.2f", value);
    }

    private static double x(LocalDate day, LocalDate from, long days) {
        return LEFT + WIDTH * (double) ChronoUnit.DAYS.between(from, day) / days;
    }

    private static double y(double value, double min, double span) {
        return TOP + HEIGHT * (1 - (value - min) / span);
    }

    private static String text(double x, double y, String content, String anchor, String css) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">%s</text>", x, y, anchor, css,
                PageText.escape(content));
    }
}
