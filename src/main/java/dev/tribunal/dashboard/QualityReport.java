package dev.tribunal.dashboard;

import dev.tribunal.assessment.AssessmentTrends.DayGroup;
import dev.tribunal.assessment.AssessmentTrends.Part;
import dev.tribunal.assessment.AssessmentTrends.VersionStart;
import dev.tribunal.metaeval.Agreement;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The day-by-day figures of each judged name, made from the groups PostgreSQL counted: each label's share with its
 * 95 % Wilson interval, the mean and interquartile range of numbers, the error rate with its interval, and the days a
 * new judge version gave its first verdict.
 */
public final class QualityReport {

    /** Labels drawn per name: the most frequent; the table names how many more there were. */
    static final int MAX_LABELS = 8;

    private QualityReport() {
    }

    /** A share and its 95 % interval. */
    public record Share(long count, long of, double share, double low, double high) {

        static Share of(long count, long of) {
            double share = of == 0 ? 0 : (double) count / of;
            List<Double> ci = Agreement.wilson(share, (int) Math.min(Integer.MAX_VALUE, of));
            return new Share(count, of, share, ci == null ? 0 : ci.get(0), ci == null ? 1 : ci.get(1));
        }
    }

    /** Mean and quartiles of a day's numbers (a day's numbers are one group of the sums). */
    public record Numbers(long count, double mean, double q1, double q3) {
    }

    /** One UTC day of a name: how many were judged and errored, each label's share, the numbers, the versions that began. */
    public record Day(LocalDate day, long judged, long errored, Share errorRate, long labelled, Map<String, Share> labels, Numbers numbers,
               List<String> newVersions) {
    }

    /** A day a judge version gave its first verdict of the name. */
    public record VersionMark(LocalDate day, String version) {
    }

    /** A judged name over the window. */
    public record NameReport(String name, List<String> labels, int moreLabels, List<Day> days, List<VersionMark> marks, long judged, long errored,
                      boolean numeric) {
    }

    /** The reports of every name in the groups, by name; version starts outside the window or a name's first version are not marks. */
    static List<NameReport> build(List<DayGroup> groups, List<VersionStart> starts, LocalDate from, LocalDate to) {
        Map<String, List<DayGroup>> byName = groups.stream().collect(Collectors.groupingBy(DayGroup::name, TreeMap::new, Collectors.toList()));
        List<NameReport> reports = new ArrayList<>();
        for (Map.Entry<String, List<DayGroup>> entry : byName.entrySet()) {
            reports.add(report(entry.getKey(), entry.getValue(), marks(entry.getKey(), starts, from, to)));
        }
        return reports;
    }

    private static List<VersionMark> marks(String name, List<VersionStart> starts, LocalDate from, LocalDate to) {
        List<VersionStart> ofName = starts.stream().filter(s -> s.name().equals(name))
                .sorted(Comparator.comparing(VersionStart::first).thenComparing(VersionStart::version)).toList();
        List<VersionMark> marks = new ArrayList<>();
        // the first version ever seen changed nothing: a mark says a verdict may differ because the judge did
        for (int i = 1; i < ofName.size(); i++) {
            LocalDate day = ofName.get(i).first().atOffset(ZoneOffset.UTC).toLocalDate();
            if (!day.isBefore(from) && !day.isAfter(to)) {
                marks.add(new VersionMark(day, ofName.get(i).version()));
            }
        }
        return marks;
    }

    private static NameReport report(String name, List<DayGroup> groups, List<VersionMark> marks) {
        Map<String, Long> totals = new LinkedHashMap<>();
        groups.stream().filter(g -> g.part() == Part.LABEL).forEach(g -> totals.merge(g.label(), g.count(), Long::sum));
        List<String> labels = totals.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey).limit(MAX_LABELS).sorted().toList();
        Map<LocalDate, List<DayGroup>> byDay = groups.stream().collect(Collectors.groupingBy(DayGroup::day, TreeMap::new, Collectors.toList()));
        List<Day> days = new ArrayList<>();
        long judged = 0;
        long errored = 0;
        long numbers = 0;
        for (Map.Entry<LocalDate, List<DayGroup>> entry : byDay.entrySet()) {
            Day day = day(entry.getKey(), entry.getValue(), labels, marks);
            days.add(day);
            judged += day.judged();
            errored += day.errored();
            numbers += day.numbers() == null ? 0 : day.numbers().count();
        }
        long labelled = totals.values().stream().mapToLong(Long::longValue).sum();
        return new NameReport(name, labels, totals.size() - labels.size(), days, marks, judged, errored, numbers > labelled);
    }

    private static Day day(LocalDate date, List<DayGroup> groups, List<String> labels, List<VersionMark> marks) {
        long judged = groups.stream().mapToLong(DayGroup::count).sum();
        long errored = groups.stream().filter(g -> g.part() == Part.ERROR).mapToLong(DayGroup::count).sum();
        long labelled = groups.stream().filter(g -> g.part() == Part.LABEL).mapToLong(DayGroup::count).sum();
        Map<String, Share> shares = new LinkedHashMap<>();
        for (String label : labels) {
            long count = groups.stream().filter(g -> g.part() == Part.LABEL && label.equals(g.label())).mapToLong(DayGroup::count).sum();
            if (labelled > 0) {
                shares.put(label, Share.of(count, labelled));
            }
        }
        // the numbers of a day are one group (their label is null)
        Numbers numbers = groups.stream().filter(g -> g.part() == Part.NUMBER && g.mean() != null).findFirst()
                .map(g -> new Numbers(g.count(), g.mean(), g.q1(), g.q3())).orElse(null);
        List<String> started = marks.stream().filter(m -> m.day().equals(date)).map(VersionMark::version).toList();
        return new Day(date, judged, errored, Share.of(errored, judged), labelled, shares, numbers, started);
    }
}
