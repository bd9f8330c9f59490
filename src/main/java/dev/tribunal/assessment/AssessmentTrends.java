package dev.tribunal.assessment;

import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.system.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Figures over many judgments, counted by PostgreSQL rather than by loading the rows: the quality of each judged name
 * day by day, and how often a judge agrees with people's labels.
 */
@ApplicationScoped
public class AssessmentTrends {

    /** At most this many (name, day, label) groups are read: a judge that writes free text instead of labels stops here. */
    public static final int MAX_GROUPS = 20_000;

    /** SQL: a judge's feedback, valid, not a sweep challenger's. */
    private static final String JUDGE_FEEDBACK = "a.kind = 'FEEDBACK' and a.source_type in ('LLM_JUDGE', 'CODE') and a.valid and "
            + AssessmentQuery.notChallenger("a.");
    /** A number as float8 when it is one and fits one (a JSON number may exceed float8's range). */
    private static final String NUMBER = "case when jsonb_typeof(a.value) = 'number' and abs(a.value::numeric) < 1e300 "
            + "then a.value::numeric::float8 end";
    /** A label as written: a string's text, true/false, anything else as JSON; shortened to 200 characters. */
    private static final String LABEL = "left(case when jsonb_typeof(a.value) = 'string' then a.value #>> '{}' else a.value::text end, 200)";

    private final Pool pool;
    private final TaggedTraces traces;

    AssessmentTrends(Pool pool, TaggedTraces traces) {
        this.pool = pool;
        this.traces = traces;
    }

    /**
     * Which judgments are counted.
     *
     * @param from    the first UTC day
     * @param to      the last UTC day (inclusive)
     * @param name    one judged name, or null for all
     * @param version only judgments of this {@code tribunal.judge.version}, or null for any
     * @param tags    only judgments of traces that carry all of these tags (none: every trace)
     */
    public record Window(LocalDate from, LocalDate to, String name, String version, Map<String, String> tags) {
        public Window {
            Objects.requireNonNull(from);
            Objects.requireNonNull(to);
            tags = tags == null ? Map.of() : Map.copyOf(tags);
        }
    }

    /** What a day's group of judgments holds: a label, a number, or an error instead of a value. */
    public enum Part {
        LABEL, NUMBER, ERROR
    }

    /**
     * One group of a name's judgments on a UTC day.
     *
     * @param label the label (part LABEL), else null
     * @param mean  the mean of the numbers (part NUMBER), else null
     * @param q1    their 25th percentile (interpolated), else null
     * @param q3    their 75th percentile, else null
     */
    public record DayGroup(String name, LocalDate day, Part part, String label, long count, Double mean, Double q1, Double q3) {
    }

    /** The moment a judge version's first valid verdict under a name was written. */
    public record VersionStart(String name, String version, Instant first) {
    }

    /** The groups of a window, by name, day, part and label; at most {@link #MAX_GROUPS}. */
    public Uni<List<DayGroup>> daily(Window window) {
        // only the filters asked for are in the statement: "$n is null or ..." would leave a cached generic plan
        // checking every filter on every row
        List<Object> values = new ArrayList<>(List.of(window.from().atStartOfDay().atOffset(ZoneOffset.UTC),
                window.to().plusDays(1).atStartOfDay().atOffset(ZoneOffset.UTC)));
        StringBuilder where = new StringBuilder(JUDGE_FEEDBACK + " and a.create_time >= $1 and a.create_time < $2");
        if (window.name() != null) {
            values.add(window.name());
            where.append(" and a.name = $").append(values.size());
        }
        if (window.version() != null) {
            values.add(window.version());
            where.append(" and a.metadata ->> '" + JudgeRunner.VERSION_KEY + "' = $").append(values.size());
        }
        if (!window.tags().isEmpty()) {
            values.add(Json.write(window.tags()));
            where.append(" and ").append(traces.carrying("a.trace_id", "$" + values.size() + "::text"));
        }
        // labels and errors are only counted (a hash of the groups); numbers alone are sorted, for their quartiles
        String isNumber = "(a.error_code is null and coalesce(jsonb_typeof(a.value), '') = 'number')";
        String sql = "select * from (select a.name, (a.create_time at time zone 'UTC')::date as day, "
                + "case when a.error_code is not null then 'ERROR' else 'LABEL' end as part, "
                + "case when a.error_code is null then " + LABEL + " end as label, "
                + "count(*) as n, null::float8 as mean, null::float8 as q1, null::float8 as q3 "
                + "from assessment a where " + where + " and not (" + isNumber + ") group by 1, 2, 3, 4 "
                + "union all select a.name, (a.create_time at time zone 'UTC')::date, 'NUMBER', null, count(*), avg(" + NUMBER + "), "
                + "percentile_cont(0.25) within group (order by " + NUMBER + "), "
                + "percentile_cont(0.75) within group (order by " + NUMBER + ") "
                + "from assessment a where " + where + " and " + isNumber + " group by 1, 2) g "
                + "order by 1, 2, 3, 4 limit " + MAX_GROUPS;
        Tuple params = Tuple.from(values);
        return pool.preparedQuery(sql).execute(params).map(rows -> {
            List<DayGroup> groups = new ArrayList<>();
            rows.forEach(row -> groups.add(new DayGroup(row.getString("name"), row.getLocalDate("day"), Part.valueOf(row.getString("part")),
                    row.getString("label"), row.getLong("n"), row.getDouble("mean"), row.getDouble("q1"), row.getDouble("q3"))));
            return groups;
        });
    }

    /**
     * When each judge version of these names gave its first valid verdict, before {@code before}; judgments without a
     * version (logged by hand or by a client) have none.
     */
    public Uni<List<VersionStart>> versionStarts(List<String> names, Instant before) {
        if (names.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        String sql = "select a.name, left(a.metadata ->> '" + JudgeRunner.VERSION_KEY + "', 250) as version, min(a.create_time) as first "
                + "from assessment a where " + JUDGE_FEEDBACK + " and a.name = any($1) and a.create_time < $2 "
                + "and a.metadata ? '" + JudgeRunner.VERSION_KEY + "' group by 1, 2 order by 1, 3";
        return pool.preparedQuery(sql).execute(Tuple.of(names.toArray(String[]::new), before.atOffset(ZoneOffset.UTC))).map(rows -> {
            List<VersionStart> starts = new ArrayList<>();
            rows.forEach(row -> starts.add(new VersionStart(row.getString("name"), row.getString("version"),
                    row.getOffsetDateTime("first").toInstant())));
            return starts;
        });
    }

    /**
     * A judge whose verdicts are compared with a reference: its feedback under {@code name} written by
     * {@code sourceId} at {@code version}, against the reference of {@code referenceName}: people's feedback
     * ({@code FEEDBACK}) or an expectation ({@code EXPECTATION}).
     */
    public record Compared(String name, String version, String sourceId, String referenceName, AssessmentKind referenceKind) {
    }

    /**
     * How often a pair of labels met on a trace: the judge's latest verdict (no error; valid, or overridden by a person:
     * {@link AssessmentQuery#standsForComparison}) and the reference's latest
     * valid value, both as JSON text.
     */
    public record Pairing(String name, String judged, String reference, long count) {
    }

    /** The pairings of each of these judges with its reference, in one statement. */
    public Uni<List<Pairing>> pairings(List<Compared> judges) {
        if (judges.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        String value = "case when octet_length(a.value::text) <= 1024 then a.value::text else to_jsonb(md5(a.value::text))::text end";
        String sql = "with wanted as (select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) "
                + "as w(name, version, source_id, ref_name, ref_kind)), "
                + "judged as (select distinct on (w.name, a.trace_id) w.name, a.trace_id, " + value + " as value "
                + "from wanted w join assessment a on a.name = w.name and a.source_id = w.source_id "
                + "and a.metadata ->> '" + JudgeRunner.VERSION_KEY + "' = w.version "
                + "where a.kind = 'FEEDBACK' and a.source_type in ('LLM_JUDGE', 'CODE') and " + AssessmentQuery.standsForComparison("a.")
                + " and " + AssessmentQuery.notChallenger("a.") + " and a.error_code is null and a.value is not null "
                + "order by w.name, a.trace_id, a.create_time desc, a.assessment_id desc), "
                + "reference as (select distinct on (w.name, a.trace_id) w.name, a.trace_id, " + value + " as value "
                + "from wanted w join assessment a on a.name = w.ref_name and a.kind = w.ref_kind "
                + "and (w.ref_kind = 'EXPECTATION' or a.source_type = 'HUMAN') "
                + "where a.valid and a.error_code is null and a.value is not null "
                + "order by w.name, a.trace_id, a.create_time desc, a.assessment_id desc) "
                + "select j.name, j.value as judged, r.value as reference, count(*) as n from judged j "
                + "join reference r on r.name = j.name and r.trace_id = j.trace_id group by 1, 2, 3";
        Tuple params = Tuple.of(judges.stream().map(Compared::name).toArray(String[]::new),
                judges.stream().map(Compared::version).toArray(String[]::new),
                judges.stream().map(Compared::sourceId).toArray(String[]::new),
                judges.stream().map(Compared::referenceName).toArray(String[]::new),
                judges.stream().map(j -> j.referenceKind().name()).toArray(String[]::new));
        return pool.preparedQuery(sql).execute(params).map(rows -> {
            List<Pairing> found = new ArrayList<>();
            rows.forEach(row -> found.add(new Pairing(row.getString("name"), row.getString("judged"), row.getString("reference"),
                    row.getLong("n"))));
            return found;
        });
    }
}
