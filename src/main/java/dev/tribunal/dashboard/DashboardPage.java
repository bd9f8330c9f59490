package dev.tribunal.dashboard;

import dev.tribunal.system.Urls;
import dev.tribunal.assessment.AssessmentTrends;
import dev.tribunal.security.Roles;
import dev.tribunal.security.Viewer;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.QueryParams;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestQuery;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Quality over time, at {@code /dashboard}: for each name judges give verdicts under, day by day (UTC), the share of each
 * label with its 95 % interval (or the mean and interquartile range of numeric verdicts), how many were judged and the
 * error rate, with a mark where a new judge version began. Filters (window, name, judge version, trace tags) are in
 * the URL, so a view can be bookmarked and shared.
 */
@Path("/dashboard")
@RolesAllowed(Roles.READ)
public class DashboardPage {

    /** The window when the URL names none. */
    static final int DEFAULT_DAYS = 30;
    /** The longest window: a year of days is as many points as a chart can still show apart. */
    static final int MAX_DAYS = 366;

    private final AssessmentTrends trends;
    private final Template page;
    private final SecurityIdentity identity;

    DashboardPage(AssessmentTrends trends, @Location("dashboard/page.html") Template page, SecurityIdentity identity) {
        this.trends = trends;
        this.page = page;
        this.identity = identity;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> show(@RestQuery("days") String days, @RestQuery("from") String from, @RestQuery("to") String to,
                            @RestQuery("name") String name, @RestQuery("version") String version, @RestQuery("tag") List<String> tags) {
        AssessmentTrends.Window window = window(days, from, to, blankToNull(name), blankToNull(version), tagFilters(tags));
        return trends.daily(window).chain(groups -> trends.versionStarts(groups.stream().map(AssessmentTrends.DayGroup::name).distinct().toList(),
                        window.to().plusDays(1).atStartOfDay().toInstant(ZoneOffset.UTC))
                .map(starts -> render(window, QualityReport.build(groups, starts, window.from(), window.to()),
                        groups.size() >= AssessmentTrends.MAX_GROUPS, blankToNull(from) != null || blankToNull(to) != null)));
    }

    /** The window the URL asks for: {@code from}/{@code to} (UTC days, both included) or the last {@code days} days up to today. */
    static AssessmentTrends.Window window(String days, String from, String to, String name, String version, Map<String, String> tags) {
        Integer count = QueryParams.integer(days, "days");
        InvalidRequestException.require(count == null || count >= 1 && count <= MAX_DAYS, "days must be 1 to " + MAX_DAYS + ", not " + count);
        LocalDate last = date(to, "to");
        LocalDate end = last == null ? LocalDate.now(ZoneOffset.UTC) : last;
        LocalDate first = date(from, "from");
        LocalDate start = first != null ? first : end.minusDays((count == null ? DEFAULT_DAYS : count) - 1L);
        InvalidRequestException.require(!start.isAfter(end), "from (" + start + ") must not be after to (" + end + ")");
        InvalidRequestException.require(ChronoUnit.DAYS.between(start, end) < MAX_DAYS,
                "the window from " + start + " to " + end + " is longer than " + MAX_DAYS + " days");
        InvalidRequestException.require(name == null || name.length() <= 250, "name is longer than 250 characters");
        InvalidRequestException.require(version == null || version.length() <= 250, "version is longer than 250 characters");
        return new AssessmentTrends.Window(start, end, name, version, tags);
    }

    private static LocalDate date(String text, String parameter) {
        if (text == null || text.isBlank()) {
            return null;
        }
        LocalDate day;
        try {
            day = LocalDate.parse(text.trim());
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(parameter + " must be a day as 2026-12-01, not '" + text + "'");
        }
        // PostgreSQL's timestamps end with the year 294276; days this side of 1970..9999 are all a verdict can carry
        InvalidRequestException.require(day.getYear() >= 1970 && day.getYear() <= 9999, parameter + " must be a day between 1970 and 9999, not '" + text + "'");
        return day;
    }

    /** {@code tag=key=value}, as the trace list takes them; empty fields (a form's blank input) are no filter. */
    static Map<String, String> tagFilters(List<String> tags) {
        Map<String, String> filters = new LinkedHashMap<>();
        if (tags == null) {
            return filters;
        }
        for (String tag : tags) {
            if (tag == null || tag.isBlank()) {
                continue;
            }
            int eq = tag.indexOf('=');
            InvalidRequestException.require(eq > 0, "tag must be key=value, not '" + tag + "'");
            String key = tag.substring(0, eq).trim();
            String value = tag.substring(eq + 1).trim();
            InvalidRequestException.require(!filters.containsKey(key) || filters.get(key).equals(value),
                    "tag '" + key + "' is given twice with different values");
            filters.put(key, value);
        }
        InvalidRequestException.require(filters.size() <= 20, "at most 20 tags, not " + filters.size());
        return filters;
    }

    private static String blankToNull(String text) {
        return text == null || text.isBlank() ? null : text.trim();
    }

    /** @param dated the URL named its days ({@code from}/{@code to}): the form shows them again */
    private String render(AssessmentTrends.Window window, List<QualityReport.NameReport> reports, boolean cut, boolean dated) {
        List<Map<String, Object>> names = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            names.add(view(window, reports.get(i), i));
        }
        return page.data("viewer", Viewer.of(identity))
                .data("window", window)
                .data("fromValue", dated ? window.from().toString() : "")
                .data("toValue", dated ? window.to().toString() : "")
                .data("days", ChronoUnit.DAYS.between(window.from(), window.to()) + 1)
                .data("tags", window.tags().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
                .data("names", names)
                .data("cut", cut)
                .data("maxGroups", AssessmentTrends.MAX_GROUPS)
                .data("filtered", window.name() != null || window.version() != null || !window.tags().isEmpty())
                .data("link7", link(window, 7))
                .data("link30", link(window, 30))
                .data("link90", link(window, 90))
                .render();
    }

    /** This view over the last {@code days} days. */
    private static String link(AssessmentTrends.Window window, int days) {
        return filters(new StringBuilder("/dashboard?days=").append(days), window.name(), window);
    }

    /** This view's days and filters, of one name only. */
    private static String only(AssessmentTrends.Window window, String name) {
        return filters(new StringBuilder("/dashboard?from=").append(window.from()).append("&to=").append(window.to()), name, window);
    }

    private static String filters(StringBuilder link, String name, AssessmentTrends.Window window) {
        if (name != null) {
            link.append("&name=").append(Urls.encode(name));
        }
        if (window.version() != null) {
            link.append("&version=").append(Urls.encode(window.version()));
        }
        window.tags().forEach((k, v) -> link.append("&tag=").append(Urls.encode(k + "=" + v)));
        return link.toString();
    }

    private static Map<String, Object> view(AssessmentTrends.Window window, QualityReport.NameReport report, int index) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("index", index);
        view.put("name", report.name());
        view.put("judged", report.judged());
        view.put("errored", report.errored());
        view.put("errorRate", figure(QualityReport.Share.of(report.errored(), report.judged())));
        view.put("labels", report.labels());
        view.put("moreLabels", report.moreLabels());
        view.put("numeric", report.days().stream().anyMatch(d -> d.numbers() != null));
        view.put("marks", report.marks().stream().map(m -> Map.of("day", m.day().toString(), "version", m.version(),
                "short", dev.tribunal.judge.JudgeVersions.shortForm(m.version()))).toList());
        view.put("link", only(window, report.name()));
        List<Map<String, Object>> rows = new ArrayList<>();
        for (QualityReport.Day day : report.days()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("day", day.day().toString());
            row.put("judged", day.judged());
            row.put("errored", day.errored());
            row.put("errorRate", figure(day.errorRate()));
            row.put("labelled", day.labelled());
            row.put("cells", report.labels().stream().map(label -> {
                QualityReport.Share share = day.labels().get(label);
                return Map.<String, Object>of("label", label, "text", share == null ? "–" : figure(share),
                        "count", share == null ? 0L : share.count());
            }).toList());
            QualityReport.Numbers n = day.numbers();
            row.put("count", n == null ? "–" : Long.toString(n.count()));
            row.put("mean", n == null ? "–" : String.format(Locale.ROOT, "%.2f", n.mean()));
            row.put("iqr", n == null ? "–" : String.format(Locale.ROOT, "%.2f – %.2f", n.q1(), n.q3()));
            row.put("versions", String.join(", ", day.newVersions()));
            rows.add(row);
        }
        view.put("rows", rows);
        List<TrendCharts.Series> shares = new ArrayList<>();
        List<Map<String, Object>> legend = new ArrayList<>();
        for (int i = 0; i < report.labels().size(); i++) {
            String label = report.labels().get(i);
            String colour = TrendCharts.COLOURS.get(i % TrendCharts.COLOURS.size());
            List<TrendCharts.Point> points = report.days().stream().filter(d -> d.labels().containsKey(label))
                    .map(d -> new TrendCharts.Point(d.day(), d.labels().get(label).share(), d.labels().get(label).low(), d.labels().get(label).high()))
                    .toList();
            shares.add(new TrendCharts.Series(label, colour, points));
            legend.add(Map.of("label", label, "colour", colour));
        }
        view.put("legend", legend);
        view.put("sharesChart", report.labels().isEmpty() ? "" : TrendCharts.lines("Share of each label of " + report.name()
                        + " per UTC day, with 95 % intervals", window.from(), window.to(), 0, 1, true, shares, report.marks()));
        List<TrendCharts.Point> means = report.days().stream().filter(d -> d.numbers() != null)
                .map(d -> new TrendCharts.Point(d.day(), d.numbers().mean(), d.numbers().q1(), d.numbers().q3())).toList();
        double min = report.days().stream().filter(d -> d.numbers() != null).mapToDouble(d -> Math.min(d.numbers().q1(), d.numbers().mean()))
                .min().orElse(0);
        double max = report.days().stream().filter(d -> d.numbers() != null).mapToDouble(d -> Math.max(d.numbers().q3(), d.numbers().mean()))
                .max().orElse(1);
        view.put("numbersChart", means.isEmpty() ? "" : TrendCharts.lines("Mean of " + report.name()
                        + " per UTC day, with the interquartile range", window.from(), window.to(), Math.floor(min), Math.max(Math.ceil(max), Math.floor(min) + 1),
                false, List.of(new TrendCharts.Series("mean", TrendCharts.COLOURS.get(0), means)), report.marks()));
        List<TrendCharts.Point> errors = report.days().stream()
                .map(d -> new TrendCharts.Point(d.day(), d.errorRate().share(), d.errorRate().low(), d.errorRate().high())).toList();
        view.put("errorsChart", TrendCharts.lines("Error rate of " + report.name() + " per UTC day, with 95 % intervals", window.from(),
                window.to(), 0, 1, true, List.of(new TrendCharts.Series("error rate", "#991b1b", errors)), report.marks()));
        return view;
    }

    /** A share and its interval as the table shows them. */
    public static String figure(QualityReport.Share share) {
        return String.format(Locale.ROOT, "%.2f (%.2f – %.2f)", share.share(), share.low(), share.high());
    }
}
