package dev.tribunal.run;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;

/** What the runs of each sweep have judged, added up: for the sweeps' state, read by the sweep feature. */
@ApplicationScoped
public class RunTotals {

    private static final String BY_SWEEP = "select sweep, coalesce(sum(completed), 0) as judgments, coalesce(sum(errored), 0) as errored "
            + "from judge_run where sweep = any($1) group by sweep";

    private final Pool pool;

    RunTotals(Pool pool) {
        this.pool = pool;
    }

    /**
     * The judgments of a sweep's runs and how many of them are errors.
     *
     * @param judgments the tasks its runs completed, errors included
     */
    public record Totals(long judgments, long errored) {

        public static final Totals NONE = new Totals(0, 0);
    }

    /** The totals of each of these sweeps; a sweep without runs is absent. */
    public Uni<Map<String, Totals>> ofSweeps(Collection<String> sweeps) {
        return pool.preparedQuery(BY_SWEEP).execute(Tuple.of(sweeps.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, Totals> totals = new HashMap<>();
                    rows.forEach(row -> totals.put(row.getString("sweep"), new Totals(number(row, "judgments"), number(row, "errored"))));
                    return totals;
                });
    }

    private static final String BY_VERSION = "select judge_version, count(*) as judgments, count(error_code) as errored, "
            + "avg(cost) as cost from judge_task where judge_name = $1 and status = 'DONE' group by judge_version";

    /**
     * The judgments one version of a judge made, in runs and sweeps: how many, how many of them errors, and their mean
     * cost (null when none had a price).
     */
    public record VersionTotals(long judgments, long errored, Double costPerJudgment) {
    }

    /** Each version's totals, for one judge; a version that judged nothing is absent. */
    public Uni<Map<String, VersionTotals>> ofVersions(String judge) {
        return pool.preparedQuery(BY_VERSION).execute(Tuple.of(judge))
                .map(rows -> {
                    Map<String, VersionTotals> totals = new HashMap<>();
                    rows.forEach(row -> totals.put(row.getString("judge_version"), new VersionTotals(number(row, "judgments"),
                            number(row, "errored"), row.getValue("cost") == null ? null : ((Number) row.getValue("cost")).doubleValue())));
                    return totals;
                });
    }

    private static long number(Row row, String column) {
        return ((Number) row.getValue(column)).longValue();
    }
}
