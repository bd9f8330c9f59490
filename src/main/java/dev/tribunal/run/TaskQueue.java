package dev.tribunal.run;

import dev.tribunal.assessment.AssessmentRows;
import dev.tribunal.assessment.AssessmentRows.JudgeFeedback;
import dev.tribunal.budget.BudgetLedger;
import dev.tribunal.budget.Reservation;
import dev.tribunal.cache.JudgmentCache;
import dev.tribunal.judge.Judgment;
import dev.tribunal.system.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;

/**
 * The queue store: the only code that reads and writes {@code judge_task} (and the counters of {@code judge_run} that
 * move with it), in plain SQL and nothing else: create, claim, renew, complete, release, cancel, requeue. Claiming
 * and completing are one statement or one pipelined batch each, whatever the number of tasks, so that the database
 * keeps pace with providers answering a thousand judgments a second; {@code SKIP LOCKED} lets every replica claim
 * at once without waiting for the others.
 */
@ApplicationScoped
class TaskQueue {

    /**
     * Takes tasks no other claimer holds: first those whose holder's lease expired (the holder died),
     * then the oldest pending ones. Lease times are the database's clock, the same for every replica.
     * Tasks of runs in batch mode are left to the batch submitter (pending ones are not in the index read here).
     */
    private static final String CLAIM = "with expired as (select task_id from judge_task where status = 'RUNNING' "
            + "and lease_until < now() and not exists (select 1 from judge_run r where r.run_id = judge_task.run_id "
            + "and (r.status = 'CANCELLED' or r.mode = 'BATCH' or r.sweep = any($4))) order by lease_until limit $2 for update skip locked), "
            + "pending as (select task_id from judge_task where status = 'PENDING' and not batch and not exists (select 1 from judge_run r "
            + "where r.run_id = judge_task.run_id and (r.status = 'CANCELLED' or r.mode = 'BATCH' or r.sweep = any($4))) "
            + "order by created_at, task_id limit $2 for update skip locked), "
            + "chosen as (select task_id, true as expired from expired union all select task_id, false from pending limit $2) "
            + "update judge_task t set status = 'RUNNING', lease_until = now() + make_interval(secs => $1), claimed_by = $3, "
            + "claims = t.claims + 1 from chosen c, judge_run r where t.task_id = c.task_id and r.run_id = t.run_id "
            + "returning t.task_id, t.run_id, t.trace_id, t.judge_name, t.judge_version, t.model_id, t.attempt, t.overrides, t.claims, c.expired, "
            + "coalesce(r.created_by, 'tribunal') as logged_by, r.samples, t.baseline_trace_id, t.challenger, r.sweep";
    /** Extends the leases of tasks this process still holds. */
    private static final String RENEW = "update judge_task set lease_until = now() + make_interval(secs => $1) "
            + "where task_id = any($2) and status = 'RUNNING' and claimed_by = $3";
    private static final String START_RUNS = "update judge_run set status = 'RUNNING', started_at = $1 "
            + "where run_id = any($2) and status = 'QUEUED'";
    /**
     * A task is done once, with its outcome: only while it is RUNNING at the same attempt. A late result
     * (of a task already done, cancelled, or retried as a newer attempt) changes nothing.
     */
    private static final String DONE = "update judge_task t set status = 'DONE', error_code = d.error_code, "
            + "judge_version = d.judge_version, attempts = d.attempts, latency_ms = d.latency_ms, prompt_tokens = d.prompt_tokens, "
            + "completion_tokens = d.completion_tokens, cost = d.cost, lease_until = null, finished_at = $1 "
            + "from unnest($2::uuid[], $3::int[], $4::text[], $5::text[], $6::int[], $7::bigint[], $8::int[], $9::int[], "
            + "$10::float8[]) as d(task_id, attempt, error_code, judge_version, attempts, latency_ms, prompt_tokens, "
            + "completion_tokens, cost) "
            + "where t.task_id = d.task_id and t.attempt = d.attempt and t.status = 'RUNNING' returning t.task_id";
    /**
     * Adds a batch's outcomes to its run's counters (or takes them off, with negative counts); error counts are summed per
     * code; its cost ($5, null when none of it had a price) is added, and never taken off; so are its judgments answered
     * from the cache ($6).
     */
    private static final String COUNT = "update judge_run r set completed = r.completed + $2, errored = r.errored + $3, "
            + "cached = r.cached + $6, "
            + "cost = case when $5::float8 is null then r.cost else coalesce(r.cost, 0) + $5::float8 end, "
            + "errors_by_code = (select coalesce(jsonb_object_agg(code, n), '{}'::jsonb) from (select code, sum(n) as n from ("
            + "select key as code, value::int as n from jsonb_each_text(r.errors_by_code) union all "
            + "select key, value::int from jsonb_each_text(cast($4::text as jsonb))) each group by code having sum(n) <> 0) summed) "
            + "where r.run_id = $1";
    /** Open tasks are looked up by (run_id, status), never by scanning the run's done ones. */
    private static final String COMPLETE_RUNS = "update judge_run r set status = 'COMPLETED', finished_at = $1 "
            + "where r.run_id = any($2) and r.status in ('QUEUED', 'RUNNING') "
            + "and not exists (select 1 from judge_task t where t.run_id = r.run_id and t.status in ('PENDING', 'RUNNING'))";

    private static final String INSERT_RUN = "insert into judge_run (run_id, status, judges, models, total, created_at, trigger, sweep, "
            + "created_by, samples, mode) values ($1, 'QUEUED', cast($2::text as jsonb), cast($3::text as jsonb), $4, $5, $6, $7, $8, $9, $10)";
    /**
     * A task's id: a UUIDv7 (RFC 9562), the time in milliseconds first and random bits after, so that a run's tasks
     * are appended to the indexes that hold task_id (the primary key, the pending tasks in claim order) instead of being
     * scattered over them (a million random ids made inserting a run's tasks about a quarter slower); PostgreSQL 17
     * has no uuidv7().
     */
    private static final String TASK_ID = "encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing "
            + "substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), "
            + "'hex')::uuid";
    /**
     * Tasks of a run: each trace ($3) with each target (judge, version, model: $4, $5, $6), made by the database, so
     * that a million tasks are sent as 100,000 trace ids and ten targets rather than as a million rows. The traces are
     * taken in the order of their ids, each with all its targets (OFFSET 0 keeps the planner from swapping the two
     * loops): a trace's judgments are claimed together, and its rows are read once per claim.
     */
    private static final String INSERT_TASKS = "insert into judge_task (task_id, run_id, trace_id, judge_name, judge_version, model_id, "
            + "status, created_at, challenger, batch) select " + TASK_ID + ", $1, t.trace_id, g.judge_name, g.judge_version, g.model_id, "
            + "'PENDING', $2, $7, $8 "
            + "from (select trace_id from unnest($3::text[]) as u(trace_id) order by trace_id) t "
            + "cross join lateral (select * from unnest($4::text[], $5::text[], $6::text[]) as g(judge_name, judge_version, model_id) "
            + "where t.trace_id is not null offset 0) g";

    /** Pairs of a pairwise judge: candidate $3 with baseline $7, on each target. */
    private static final String INSERT_PAIR_TASKS = "insert into judge_task (task_id, run_id, trace_id, judge_name, judge_version, "
            + "model_id, status, created_at, baseline_trace_id) select " + TASK_ID + ", $1, p.trace_id, g.judge_name, g.judge_version, "
            + "g.model_id, 'PENDING', $2, p.baseline from unnest($3::text[], $7::text[]) as p(trace_id, baseline) "
            + "cross join lateral (select * from unnest($4::text[], $5::text[], $6::text[]) as g(judge_name, judge_version, model_id) "
            + "offset 0) g";

    /**
     * A run's pending tasks are cancelled, skipping those a claimer holds at this moment (they become RUNNING and
     * their worker finds the run cancelled). The run's row is locked before any task: writers lock their tasks
     * before the run's row, so a cancel that waited for a task while holding (or wanting) the run's row could
     * deadlock with them; skipping locked tasks means a cancel never waits for one.
     */
    private static final String CANCEL_PENDING = "with pending as (select task_id from judge_task where run_id = $1 "
            + "and status = 'PENDING' for update skip locked) "
            + "update judge_task t set status = 'CANCELLED' from pending p where t.task_id = p.task_id";
    private static final String CANCEL_RUN = "update judge_run set status = 'CANCELLED', finished_at = now(), "
            + "cancelled = cancelled + $2 where run_id = $1";
    /**
     * Tasks that ended in an error (of the given codes, or any) go back to pending as their next attempt,
     * remembering the error assessment their new result overrides; returns the requeued count per code.
     */
    private static final String REQUEUE = "with errored as (select t.task_id, t.error_code, "
            + AssessmentRows.resultOfTask("t.task_id", "t.attempt") + " as assessment_id from judge_task t "
            + "where t.run_id = $1 and t.status = 'DONE' and t.error_code is not null "
            + "and (cardinality($2::text[]) = 0 or t.error_code = any($2)) for update of t), "
            + "requeued as (update judge_task t set status = 'PENDING', attempt = t.attempt + 1, overrides = e.assessment_id, "
            + "error_code = null, lease_until = null, claimed_by = null, finished_at = null from errored e "
            + "where t.task_id = e.task_id returning e.error_code) "
            + "select error_code, count(*) as n from requeued group by error_code";
    private static final String REOPEN = "update judge_run set status = case when status = 'RUNNING' then 'RUNNING' else 'QUEUED' end, "
            + "finished_at = null, resumed_at = $2, completed_before_resume = completed where run_id = $1 and status <> 'CANCELLED'";
    private static final String LOCK_RUN = "select status from judge_run where run_id = $1 for update";

    /** A finished judgment of a task. */
    record Finished(JudgeTask task, Judgment judgment, int writeAttempts, List<Reservation> reservations) {
        Finished {
            reservations = List.copyOf(reservations);
        }

        Finished(JudgeTask task, Judgment judgment) {
            this(task, judgment, 0, List.of());
        }

        Finished(JudgeTask task, Judgment judgment, List<Reservation> reservations) {
            this(task, judgment, 0, reservations);
        }

        Finished retried() {
            return new Finished(task, judgment, writeAttempts + 1, reservations);
        }
    }

    /** Online and batch tasks each counted in their own pending index. */
    private static final String PENDING = "select (select count(*) from judge_task where status = 'PENDING' and not batch) "
            + "+ (select count(*) from judge_task where status = 'PENDING' and batch) as n";

    /**
     * Tasks of cancelled runs that nobody will judge: pending ones (given back at a shutdown, or re-queued
     * just as the run was cancelled) and those whose holder died. They are CANCELLED and counted.
     */
    private static final String SWEEP_CANCELLED = "with c as (update judge_task t set status = 'CANCELLED', lease_until = null, "
            + "claimed_by = null from judge_run r where r.run_id = t.run_id and r.status = 'CANCELLED' "
            + "and (t.status = 'PENDING' or (t.status = 'RUNNING' and t.lease_until < now())) returning t.run_id) "
            + "update judge_run r set cancelled = r.cancelled + x.n from (select run_id, count(*) as n from c group by run_id) x "
            + "where r.run_id = x.run_id";

    /**
     * A few errored judgments of each code, for a person to look at: by the errored-tasks index, stopping at the limit
     * per code (no sort), with the start of their error messages.
     */
    private static final String ERROR_EXAMPLES = "select c.code, e.trace_id, e.judge_name, e.model_id, e.message "
            + "from unnest($2::text[]) as c(code) cross join lateral (select t.trace_id, t.judge_name, t.model_id, left("
            + AssessmentRows.errorMessageOfTask("t.task_id", "t.attempt") + ", $4) as message from judge_task t "
            + "where t.run_id = $1 and t.status = 'DONE' and t.error_code = c.code limit $3) e";

    /** An errored judgment of a run: which trace, judge and model, and what went wrong (null when the message is gone). */
    record ErrorExample(String traceId, String judge, String model, String message) {
    }

    private final Pool pool;
    private final JudgmentCache cache;
    private final BudgetLedger ledger;
    private final String holder;

    TaskQueue(Pool pool, JudgmentCache cache, BudgetLedger ledger) {
        this.pool = pool;
        this.cache = cache;
        this.ledger = ledger;
        this.holder = holderName();
    }

    /** Settles the left-over tasks of cancelled runs; returns the number of runs that had some. */
    Uni<Integer> settleCancelledRuns() {
        return pool.preparedQuery(SWEEP_CANCELLED).execute().map(rows -> rows.rowCount());
    }

    /** Up to {@code perCode} errored judgments of each of these codes in a run, messages cut to {@code messageChars}. */
    Uni<Map<String, List<ErrorExample>>> errorExamples(String runId, Collection<String> codes, int perCode, int messageChars) {
        return pool.preparedQuery(ERROR_EXAMPLES).execute(Tuple.of(runId, codes.toArray(String[]::new), perCode, messageChars))
                .map(rows -> {
                    Map<String, List<ErrorExample>> byCode = new java.util.TreeMap<>();
                    rows.forEach(row -> byCode.computeIfAbsent(row.getString("code"), c -> new ArrayList<>()).add(new ErrorExample(
                            row.getString("trace_id"), row.getString("judge_name"), row.getString("model_id"), row.getString("message"))));
                    return byCode;
                });
    }

    /** The tasks waiting to be claimed by any process. */
    Uni<Long> pendingCount() {
        return pool.preparedQuery(PENDING).execute().map(rows -> rows.iterator().next().getLong("n"));
    }

    /** host/pid/random: unique per process, and readable in the table. */
    private static String holderName() {
        return dev.tribunal.system.ProcessName.get();
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }

    private static final String RELEASE = "update judge_task set status = 'PENDING', lease_until = null, claimed_by = null "
            + "where task_id = any($1) and status = 'RUNNING' and claimed_by = $2";

    private static final String DEFER = "update judge_task set status = 'PENDING', lease_until = null, claimed_by = null, "
            + "claims = greatest(0, claims - 1) where task_id = any($1) and status = 'RUNNING' and claimed_by = $2";

    /**
     * Gives back tasks whose sweep's budget for the day is spent, to wait pending for the next day: their claim is not
     * counted, as they were never judged.
     */
    Uni<Integer> defer(Collection<JudgeTask> claimed) {
        java.util.UUID[] ids = claimed.stream().map(JudgeTask::taskId).toArray(java.util.UUID[]::new);
        return pool.preparedQuery(DEFER).execute(Tuple.of(ids, holder)).map(rows -> rows.rowCount());
    }

    /** Gives claimed tasks back, to be claimed again (by this process or another); returns how many were. */
    Uni<Integer> release(Collection<JudgeTask> claimed) {
        java.util.UUID[] ids = claimed.stream().map(JudgeTask::taskId).toArray(java.util.UUID[]::new);
        return pool.preparedQuery(RELEASE).execute(Tuple.of(ids, holder)).map(rows -> rows.rowCount());
    }

    /** Extends the leases of the given tasks, as far as this process still holds them. */
    Uni<Integer> renew(Collection<JudgeTask> held, Duration lease) {
        java.util.UUID[] ids = held.stream().map(JudgeTask::taskId).toArray(java.util.UUID[]::new);
        return pool.preparedQuery(RENEW).execute(Tuple.of(seconds(lease), ids, holder)).map(rows -> rows.rowCount());
    }

    /** The name this process claims tasks under. */
    String holder() {
        return holder;
    }

    /** Cancels a run that is still open: its pending tasks are not started; true when it was open. */
    Uni<Boolean> cancel(String runId) {
        return pool.withTransaction(connection -> connection.preparedQuery(LOCK_RUN).execute(Tuple.of(runId))
                .chain(run -> {
                    boolean open = run.rowCount() > 0
                            && java.util.Set.of("QUEUED", "RUNNING").contains(run.iterator().next().getString("status"));
                    if (!open) {
                        return Uni.createFrom().item(false);
                    }
                    return connection.preparedQuery(CANCEL_PENDING).execute(Tuple.of(runId))
                            .chain(tasks -> connection.preparedQuery(CANCEL_RUN).execute(Tuple.of(runId, tasks.rowCount())))
                            .replaceWith(true);
                }));
    }

    /**
     * Re-queues a run's errored tasks (only those with the given codes, when any are given) as new
     * attempts, takes them off the run's counters and reopens the run; returns the count per code.
     */
    Uni<Map<String, Integer>> requeueErrored(String runId, Collection<String> codes) {
        // the run's row is locked first: a cancel at the same moment waits, or is seen and refused
        return pool.withTransaction(connection -> connection.preparedQuery(LOCK_RUN).execute(Tuple.of(runId))
                .invoke(run -> {
                    if (run.rowCount() > 0 && "CANCELLED".equals(run.iterator().next().getString("status"))) {
                        throw new dev.tribunal.system.ConflictException("Run " + runId + " was cancelled; start a new run for its traces instead");
                    }
                })
                .chain(() -> connection.preparedQuery(REQUEUE).execute(Tuple.of(runId, codes.toArray(String[]::new))))
                .map(rows -> {
                    Map<String, Integer> byCode = new java.util.TreeMap<>();
                    rows.forEach(row -> byCode.put(row.getString("error_code"), row.getLong("n").intValue()));
                    return byCode;
                })
                .call(byCode -> {
                    if (byCode.isEmpty()) {
                        return Uni.createFrom().voidItem();
                    }
                    int n = byCode.values().stream().mapToInt(Integer::intValue).sum();
                    Map<String, Integer> minus = new java.util.TreeMap<>();
                    byCode.forEach((code, count) -> minus.put(code, -count));
                    return connection.preparedQuery(COUNT).execute(Tuple.tuple(java.util.Arrays.asList(runId, -n, -n, Json.write(minus), null, 0)))
                            .chain(() -> connection.preparedQuery(REOPEN).execute(Tuple.of(runId, utc(dev.tribunal.system.Times.now()))));
                }));
    }

    /**
     * Tasks to create: each of the traces judged by each of the targets.
     *
     * @param traceIds distinct ids of stored traces
     */
    record NewTasks(List<String> traceIds, List<RunPlan.Target> targets, List<String> baselineTraceIds, boolean challenger) {

        NewTasks {
            traceIds = List.copyOf(traceIds);
            targets = List.copyOf(targets);
            baselineTraceIds = baselineTraceIds == null ? null : java.util.Collections.unmodifiableList(new ArrayList<>(baselineTraceIds));
            if (baselineTraceIds != null && baselineTraceIds.size() != traceIds.size()) {
                throw new IllegalArgumentException("one baseline per candidate");
            }
        }

        NewTasks(List<String> traceIds, List<RunPlan.Target> targets) {
            this(traceIds, targets, null, false);
        }

        /** Pairs of a pairwise judge: each candidate with its baseline, on each target. */
        static NewTasks pairs(List<String> candidates, List<String> baselines, List<RunPlan.Target> targets) {
            return new NewTasks(candidates, targets, baselines, false);
        }

        /** A sweep's challenger beside its champion: its results are marked and kept from consumers. */
        static NewTasks challenger(List<String> traceIds, List<RunPlan.Target> targets) {
            return new NewTasks(traceIds, targets, null, true);
        }

        int count() {
            return traceIds.size() * targets.size();
        }
    }

    /** Stores a new run and all its tasks in one transaction. */
    Uni<Void> create(JudgeRun run, List<NewTasks> tasks) {
        return pool.withTransaction(connection -> insert(connection, run, tasks));
    }

    /** Stores a new run and all its tasks on the caller's connection (and transaction): one statement per group of tasks. */
    Uni<Void> insert(SqlConnection connection, JudgeRun run, List<NewTasks> tasks) {
        Uni<Void> inserted = connection.preparedQuery(INSERT_RUN)
                .execute(Tuple.tuple(java.util.Arrays.asList(run.runId, run.judges, run.models, run.total, utc(run.createdAt),
                        run.trigger, run.sweep, run.createdBy, run.samples, run.mode)))
                .replaceWithVoid();
        for (NewTasks group : tasks) {
            if (group.count() > 0) {
                inserted = inserted.chain(() -> group.baselineTraceIds() == null
                        ? connection.preparedQuery(INSERT_TASKS).execute(insertTasks(run, group)).replaceWithVoid()
                        : connection.preparedQuery(INSERT_PAIR_TASKS).execute(insertPairTasks(run, group)).replaceWithVoid());
            }
        }
        return inserted;
    }

    private static Tuple insertPairTasks(JudgeRun run, NewTasks group) {
        List<RunPlan.Target> targets = group.targets();
        return Tuple.tuple(List.of(run.runId, utc(run.createdAt), group.traceIds().toArray(String[]::new),
                targets.stream().map(t -> t.judge().name()).toArray(String[]::new),
                targets.stream().map(t -> t.judge().version()).toArray(String[]::new),
                targets.stream().map(RunPlan.Target::modelName).toArray(String[]::new),
                group.baselineTraceIds().toArray(String[]::new)));
    }

    private static Tuple insertTasks(JudgeRun run, NewTasks group) {
        List<RunPlan.Target> targets = group.targets();
        return Tuple.tuple(List.of(run.runId, utc(run.createdAt), group.traceIds().toArray(String[]::new),
                targets.stream().map(t -> t.judge().name()).toArray(String[]::new),
                targets.stream().map(t -> t.judge().version()).toArray(String[]::new),
                targets.stream().map(RunPlan.Target::modelName).toArray(String[]::new), group.challenger(),
                RunMode.BATCH.name().equals(run.mode)));
    }

    /**
     * Tasks just claimed.
     *
     * @param expired how many of them were taken from a holder whose lease had ended
     */
    record Claimed(List<JudgeTask> tasks, int expired) {
    }

    /**
     * Claims up to {@code limit} tasks (expired leases first, then the oldest pending) and marks their runs as started.
     *
     * @param waitingSweeps sweeps whose tasks are left where they are: their budget for the day is spent
     */
    Uni<Claimed> claim(int limit, Instant now, Duration lease, Collection<String> waitingSweeps) {
        return pool.withTransaction(connection -> connection.preparedQuery(CLAIM)
                .execute(Tuple.of(seconds(lease), limit, holder, waitingSweeps.toArray(String[]::new)))
                .map(rows -> {
                    List<JudgeTask> claimed = new ArrayList<>();
                    int expired = 0;
                    for (Row row : rows) {
                        claimed.add(task(row));
                        expired += Boolean.TRUE.equals(row.getBoolean("expired")) ? 1 : 0;
                    }
                    return new Claimed(claimed, expired);
                })
                .call(claimed -> claimed.tasks().isEmpty() ? Uni.createFrom().voidItem()
                        : connection.preparedQuery(START_RUNS).execute(Tuple.of(utc(now), runIds(claimed.tasks()).toArray(String[]::new)))));
    }

    /**
     * Writes each judgment's assessment and marks its task done, all in one transaction; runs whose
     * last task this was are completed.
     */
    Uni<Void> complete(List<Finished> batch, List<List<JudgeFeedback>> assessments, Instant now) {
        return complete(batch, assessments, now, false);
    }

    /**
     * As {@link #complete(List, List, Instant)}; with {@code settleWritten}, only the budget reservations of the judgments
     * written now are settled: a provider batch's answers may be read by two processes, but were paid for once.
     */
    Uni<Void> complete(List<Finished> batch, List<List<JudgeFeedback>> assessments, Instant now, boolean settleWritten) {
        String[] runs = runIds(batch.stream().map(Finished::task).toList()).toArray(String[]::new);
        return pool.withTransaction(connection -> connection.preparedQuery(DONE).execute(done(batch, now))
                .chain(updated -> {
                    // the assessments of the tasks this batch actually marked done, and only those
                    Set<java.util.UUID> marked = new java.util.HashSet<>();
                    updated.forEach(row -> marked.add(row.getUUID("task_id")));
                    List<JudgeFeedback> written = new ArrayList<>();
                    List<Finished> counted = new ArrayList<>();
                    for (int i = 0; i < batch.size(); i++) {
                        // a task twice in a batch (a write retried) is written once
                        if (marked.remove(batch.get(i).task().taskId())) {
                            written.addAll(assessments.get(i));
                            counted.add(batch.get(i));
                        }
                    }
                    // every online call of the batch was paid for, its task marked done now or not
                    List<Reservation> reservations = (settleWritten ? counted : batch).stream().flatMap(f -> f.reservations().stream())
                            .distinct().toList();
                    return AssessmentRows.insert(connection, written)
                            .chain(() -> cache.store(connection, answers(counted), now))
                            .chain(() -> ledger.settle(connection, reservations))
                            .chain(() -> count(connection, counted));
                })
                .chain(() -> connection.preparedQuery(COMPLETE_RUNS).execute(Tuple.of(utc(now), runs)))
                .replaceWithVoid());
    }

    private static final String CANCEL_TASK = "update judge_task set status = 'CANCELLED', lease_until = null, claimed_by = null "
            + "where task_id = $1 and status = 'RUNNING' and claimed_by = $2 returning run_id";
    private static final String COUNT_CANCELLED = "update judge_run set cancelled = cancelled + $2 where run_id = $1";

    /** Tasks of cancelled runs that were claimed but never started: CANCELLED, counted on their runs. */
    Uni<Void> cancelled(List<JudgeTask> tasks) {
        if (tasks.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Tuple> ids = tasks.stream().map(t -> Tuple.of(t.taskId(), holder)).toList();
        return pool.withTransaction(connection -> connection.preparedQuery(CANCEL_TASK).executeBatch(ids)
                .chain(updated -> {
                    Map<String, Integer> byRun = new java.util.TreeMap<>();
                    for (RowSet<Row> result = updated; result != null; result = result.next()) {
                        result.forEach(row -> byRun.merge(row.getString("run_id"), 1, Integer::sum));
                    }
                    List<Tuple> counts = byRun.entrySet().stream().map(e -> Tuple.of(e.getKey(), e.getValue())).toList();
                    return counts.isEmpty() ? Uni.createFrom().voidItem()
                            : connection.preparedQuery(COUNT_CANCELLED).executeBatch(counts).replaceWithVoid();
                }));
    }

    private static final String CANCELLED_RUNS = "select run_id from judge_run where run_id = any($1) and status = 'CANCELLED'";

    /** Which of these runs were cancelled (by any process). */
    Uni<List<String>> cancelledAmong(Collection<String> runIds) {
        return pool.preparedQuery(CANCELLED_RUNS).execute(Tuple.of(runIds.toArray(String[]::new)))
                .map(rows -> {
                    List<String> ids = new ArrayList<>();
                    rows.forEach(row -> ids.add(row.getString("run_id")));
                    return ids;
                });
    }

    /** The answers the judgment cache keeps of these judgments, each with the part its assessment is written as. */
    private static List<JudgmentCache.Stored> answers(List<Finished> written) {
        List<JudgmentCache.Stored> answers = new ArrayList<>();
        for (Finished f : written) {
            JudgeTask task = f.task();
            f.judgment().answers().forEach(a -> answers.add(new JudgmentCache.Stored(a, task.taskId(), task.attempt(), 0)));
            List<Judgment> members = f.judgment().members();
            for (int i = 0; i < members.size(); i++) {
                int part = i + 1;
                members.get(i).answers().forEach(a -> answers.add(new JudgmentCache.Stored(a, task.taskId(), task.attempt(), part)));
            }
        }
        return answers;
    }

    /**
     * Counts the tasks this batch actually marked done (a task already done by an earlier write is not
     * counted twice) into their runs.
     */
    private static Uni<Void> count(SqlConnection connection, List<Finished> counted) {
        // runs in id order: concurrent writers lock run rows in the same order and cannot deadlock
        Map<String, RunCount> byRun = new java.util.TreeMap<>();
        for (Finished f : counted) {
            byRun.computeIfAbsent(f.task().runId(), id -> new RunCount()).add(f.judgment().errorCode(), f.judgment().outcome().cost(),
                    f.judgment().cached());
        }
        List<Tuple> rows = byRun.entrySet().stream()
                .map(e -> Tuple.tuple(java.util.Arrays.asList(e.getKey(), e.getValue().completed, e.getValue().errored,
                        Json.write(e.getValue().byCode), e.getValue().cost, e.getValue().cached)))
                .toList();
        return rows.isEmpty() ? Uni.createFrom().voidItem() : connection.preparedQuery(COUNT).executeBatch(rows).replaceWithVoid();
    }

    /** One run's share of a batch. */
    private static final class RunCount {
        int completed;
        int errored;
        int cached;
        Double cost;
        final Map<String, Integer> byCode = new java.util.TreeMap<>();

        void add(dev.tribunal.llm.ErrorCode errorCode, Double spent, boolean fromCache) {
            completed++;
            if (fromCache) {
                cached++;
            }
            if (spent != null) {
                cost = (cost == null ? 0 : cost) + spent;
            }
            if (errorCode != null) {
                errored++;
                byCode.merge(errorCode.name(), 1, Integer::sum);
            }
        }
    }

    /** A batch's outcomes as the columns of one statement. */
    private static Tuple done(List<Finished> batch, Instant now) {
        int n = batch.size();
        java.util.UUID[] ids = new java.util.UUID[n];
        Integer[] attempt = new Integer[n];
        String[] errorCode = new String[n];
        String[] version = new String[n];
        Integer[] attempts = new Integer[n];
        Long[] latency = new Long[n];
        Integer[] prompt = new Integer[n];
        Integer[] completion = new Integer[n];
        Double[] cost = new Double[n];
        for (int i = 0; i < n; i++) {
            Finished f = batch.get(i);
            Judgment.Outcome outcome = f.judgment().outcome();
            ids[i] = f.task().taskId();
            attempt[i] = f.task().attempt();
            errorCode[i] = f.judgment().errorCode() == null ? null : f.judgment().errorCode().name();
            version[i] = f.judgment().judgeVersion();
            attempts[i] = outcome.attempts();
            latency[i] = outcome.latencyMs();
            prompt[i] = outcome.promptTokens();
            completion[i] = outcome.completionTokens();
            cost[i] = outcome.cost();
        }
        return Tuple.tuple(List.of(utc(now), ids, attempt, errorCode, version, attempts, latency, prompt, completion, cost));
    }

    static JudgeTask task(Row row) {
        return new JudgeTask(row.getUUID("task_id"), row.getString("run_id"), row.getString("trace_id"), row.getString("judge_name"),
                row.getString("judge_version"), row.getString("model_id"), row.getInteger("attempt"), row.getString("overrides"),
                row.getInteger("claims"), row.getString("logged_by"), row.getInteger("samples"),
                row.getString("baseline_trace_id"), Boolean.TRUE.equals(row.getBoolean("challenger")), row.getString("sweep"));
    }

    private static Set<String> runIds(Collection<JudgeTask> tasks) {
        Set<String> ids = new LinkedHashSet<>();
        tasks.forEach(t -> ids.add(t.runId()));
        return ids;
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
