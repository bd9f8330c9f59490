package dev.tribunal.run;

import dev.tribunal.system.LeftOut;
import dev.tribunal.system.Page;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.SizedRow;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Judge runs in PostgreSQL. Entities go through Hibernate (callers provide the session); the runs of answers are read
 * with plain SQL, sizes first, so that a run naming megabytes of models is never read only to be dropped.
 */
@ApplicationScoped
class RunRepository implements PanacheRepositoryBase<JudgeRun, String>, dev.tribunal.assessment.KnownRuns {

    /** The columns an answer may leave out of a run too large for it, in the order the answer shows them. */
    static final List<String> LARGE = List.of("judges", "models");

    private final Pool pool;

    RunRepository(Pool pool) {
        this.pool = pool;
    }

    @Override
    public Uni<Boolean> exists(String runId) {
        return count("runId", runId).map(count -> count > 0);
    }

    @Override
    public Uni<java.util.Set<String>> existing(java.util.Collection<String> runIds) {
        return runIds.isEmpty() ? Uni.createFrom().item(java.util.Set.of()) : pool.preparedQuery("select run_id from judge_run where run_id = any($1)").execute(Tuple.of(runIds.toArray(String[]::new)))
                .map(rows -> {
                    java.util.Set<String> ids = new java.util.HashSet<>();
                    rows.forEach(row -> ids.add(row.getString("run_id")));
                    return ids;
                });
    }

    /** The ids of a sweep's newest runs, at most {@code limit}. */
    Uni<List<String>> ofSweep(String sweep, int limit) {
        return pool.preparedQuery("select run_id from judge_run where sweep = $1 order by created_at desc limit $2")
                .execute(Tuple.of(sweep, limit)).map(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getString("run_id")));
                    return ids;
                });
    }

    /** Candidates of one page of runs, newest first, with their sizes: one more than {@code maxResults}. */
    Uni<List<SizedRow>> candidates(PageToken after, int maxResults) {
        String sql = "select run_id, created_at, answer_bytes from judge_run"
                + (after == null ? "" : " where (created_at, run_id) < ($1, $2)")
                + " order by created_at desc, run_id desc limit " + (maxResults + 1);
        return pool.preparedQuery(sql).execute(after == null ? Tuple.tuple() : Tuple.of(after.time().atOffset(ZoneOffset.UTC), after.id()))
                .map(rows -> {
                    List<SizedRow> sized = new ArrayList<>();
                    rows.forEach(row -> sized.add(sizedRow(row)));
                    return sized;
                });
    }

    /** One run's sort key and size; null when there is no such run. */
    Uni<SizedRow> sized(String runId) {
        return pool.preparedQuery("select run_id, created_at, answer_bytes from judge_run where run_id = $1").execute(Tuple.of(runId))
                .map(rows -> rows.rowCount() == 0 ? null : sizedRow(rows.iterator().next()));
    }

    /** The runs of these ids in the order given, with the large columns named left out (null). */
    Uni<List<JudgeRun>> load(List<String> ids, LeftOut leftOut) {
        String large = LARGE.stream().map(c -> (leftOut.has(c) ? "null" : c + "::text") + " as " + c).collect(Collectors.joining(", "));
        return pool.preparedQuery("select run_id, status, total, completed, errored, cancelled, errors_by_code::text as errors_by_code, "
                        + "trigger, created_by, sweep, created_at, started_at, finished_at, resumed_at, completed_before_resume, cost, cached, " + large + " from judge_run where run_id = any($1)")
                .execute(Tuple.of(ids.toArray(String[]::new)))
                .map(rows -> {
                    Map<String, JudgeRun> byId = new HashMap<>();
                    rows.forEach(row -> byId.put(row.getString("run_id"), fromRow(row)));
                    return ids.stream().map(byId::get).filter(Objects::nonNull).toList();
                });
    }

    /** The bytes each large column of one run adds to an answer, as answer_bytes counts them. */
    Uni<Map<String, Long>> fieldBytes(String runId) {
        String sizes = LARGE.stream().map(c -> "coalesce(octet_length(" + c + "::text), 0) as " + c).collect(Collectors.joining(", "));
        return pool.preparedQuery("select " + sizes + " from judge_run where run_id = $1").execute(Tuple.of(runId))
                .map(rows -> {
                    Map<String, Long> bytes = new LinkedHashMap<>();
                    rows.forEach(row -> LARGE.forEach(c -> bytes.put(c, row.getLong(c))));
                    return bytes;
                });
    }

    private static SizedRow sizedRow(Row row) {
        return new SizedRow(new PageToken(row.getOffsetDateTime("created_at").toInstant(), row.getString("run_id")),
                row.getLong("answer_bytes") + Page.ROW_OVERHEAD);
    }

    private static JudgeRun fromRow(Row row) {
        JudgeRun run = new JudgeRun();
        run.runId = row.getString("run_id");
        run.status = RunStatus.valueOf(row.getString("status"));
        run.judges = row.getString("judges");
        run.models = row.getString("models");
        run.total = row.getInteger("total");
        run.completed = row.getInteger("completed");
        run.errored = row.getInteger("errored");
        run.cancelled = row.getInteger("cancelled");
        run.errorsByCode = row.getString("errors_by_code");
        run.trigger = row.getString("trigger");
        run.createdBy = row.getString("created_by");
        run.sweep = row.getString("sweep");
        run.createdAt = row.getOffsetDateTime("created_at").toInstant();
        run.startedAt = instant(row.getOffsetDateTime("started_at"));
        run.finishedAt = instant(row.getOffsetDateTime("finished_at"));
        run.resumedAt = instant(row.getOffsetDateTime("resumed_at"));
        run.completedBeforeResume = row.getInteger("completed_before_resume");
        run.cost = row.getDouble("cost");
        run.cached = row.getInteger("cached");
        return run;
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    Uni<List<JudgeRun>> running() {
        return list("status", RunStatus.RUNNING);
    }
}
