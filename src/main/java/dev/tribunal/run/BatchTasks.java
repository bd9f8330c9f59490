package dev.tribunal.run;

import dev.tribunal.budget.Reservation;
import dev.tribunal.judge.Judgment;
import dev.tribunal.system.Times;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * The tasks of runs in batch mode, for the batch feature: which to gather next, claiming them (as {@link TaskQueue} claims
 * for the workers, {@code FOR UPDATE SKIP LOCKED}), writing their judgments through the same statement as the workers'
 * results (a task is done once, while RUNNING at its attempt) and giving them back. A task in a provider's batch is
 * RUNNING, held by {@value #HOLDER} with no lease: no worker claims it, and whichever process holds its batch's lease
 * writes it.
 */
@ApplicationScoped
public class BatchTasks {

    /** The holder of every task sent in a batch: the batch's lease, not a process, says who works on it. */
    static final String HOLDER = "batch";

    /**
     * The oldest waiting task of the open batch-mode runs, found run by run (the open-batch-runs index, then each run's
     * first waiting task in the batch tasks' own pending index), never by reading the pending tasks of online runs.
     */
    private static final String NEXT_GROUP = "select t.run_id, t.model_id from judge_run r cross join lateral (select run_id, model_id, "
            + "created_at, task_id from judge_task where run_id = r.run_id and status = 'PENDING' and batch order by created_at, task_id limit 1) t "
            + "where r.mode = 'BATCH' and r.status in ('QUEUED', 'RUNNING') and r.run_id <> all($1) order by t.created_at, t.task_id limit 1";
    private static final String RETURNING = "returning t.task_id, t.run_id, t.trace_id, t.judge_name, t.judge_version, t.model_id, t.attempt, "
            + "t.overrides, t.claims, coalesce(r.created_by, 'tribunal') as logged_by, r.samples, t.baseline_trace_id, t.challenger, r.sweep";
    private static final String CLAIM = "with chosen as (select task_id from judge_task where run_id = $1 and model_id = $2 "
            + "and status = 'PENDING' and batch order by created_at, task_id limit $3 for update skip locked) "
            + "update judge_task t set status = 'RUNNING', lease_until = null, claimed_by = '" + HOLDER + "', claims = t.claims + 1 "
            + "from chosen c, judge_run r where t.task_id = c.task_id and r.run_id = t.run_id and r.status in ('QUEUED', 'RUNNING') "
            + RETURNING;
    private static final String START_RUN = "update judge_run set status = 'RUNNING', started_at = $2 where run_id = $1 and status = 'QUEUED'";
    private static final String HELD = "select t.task_id, t.run_id, t.trace_id, t.judge_name, t.judge_version, t.model_id, t.attempt, "
            + "t.overrides, t.claims, coalesce(r.created_by, 'tribunal') as logged_by, r.samples, t.baseline_trace_id, t.challenger, r.sweep "
            + "from judge_task t join judge_run r on r.run_id = t.run_id "
            + "where t.task_id = any($1) and t.status = 'RUNNING' and t.claimed_by = '" + HOLDER + "'";
    private static final String RELEASE = "update judge_task set status = 'PENDING', lease_until = null, claimed_by = null "
            + "where task_id = any($1) and status = 'RUNNING' and claimed_by = '" + HOLDER + "'";
    private static final String CANCEL = "with c as (update judge_task t set status = 'CANCELLED', lease_until = null, claimed_by = null "
            + "where t.task_id = any($1) and t.status = 'RUNNING' and t.claimed_by = '" + HOLDER + "' returning t.run_id) "
            + "update judge_run r set cancelled = r.cancelled + x.n from (select run_id, count(*) as n from c group by run_id) x "
            + "where r.run_id = x.run_id";
    private static final String RUN_STATUS = "select status from judge_run where run_id = $1";

    /** The tasks of one run on one model, gathered into one batch. */
    public record Group(String runId, String modelId) {
    }

    private final Pool pool;
    private final TaskQueue queue;

    BatchTasks(Pool pool, TaskQueue queue) {
        this.pool = pool;
        this.queue = queue;
    }

    /** The run and model of the oldest task waiting for a batch, of runs other than {@code passed}; empty when none waits. */
    public Uni<Optional<Group>> next(Collection<String> passed) {
        return pool.preparedQuery(NEXT_GROUP).execute(Tuple.of(passed.toArray(String[]::new)))
                .map(rows -> rows.rowCount() == 0 ? Optional.empty()
                        : Optional.of(new Group(rows.iterator().next().getString("run_id"), rows.iterator().next().getString("model_id"))));
    }

    /**
     * Claims up to {@code limit} waiting tasks of a group and, in the same transaction, hands them to {@code recorded}
     * (which records them in their batch): either both happen or neither.
     */
    public <T> Uni<T> claim(Group group, int limit, BiFunction<SqlConnection, List<JudgeTask>, Uni<T>> recorded) {
        return pool.withTransaction(connection -> connection.preparedQuery(CLAIM).execute(Tuple.of(group.runId(), group.modelId(), limit))
                .map(rows -> {
                    List<JudgeTask> tasks = new ArrayList<>();
                    rows.forEach(row -> tasks.add(TaskQueue.task(row)));
                    return tasks;
                })
                .call(tasks -> tasks.isEmpty() ? Uni.createFrom().voidItem()
                        : connection.preparedQuery(START_RUN).execute(Tuple.of(group.runId(), Times.now().atOffset(java.time.ZoneOffset.UTC))))
                .chain(tasks -> recorded.apply(connection, tasks)));
    }

    /** Those of these tasks still waiting in a batch (not yet written, re-queued or cancelled). */
    public Uni<List<JudgeTask>> held(Collection<UUID> taskIds) {
        return pool.preparedQuery(HELD).execute(Tuple.of(taskIds.toArray(UUID[]::new)))
                .map(rows -> {
                    List<JudgeTask> tasks = new ArrayList<>();
                    for (Row row : rows) {
                        tasks.add(TaskQueue.task(row));
                    }
                    return tasks;
                });
    }

    /**
     * Writes the judgments of tasks answered in a batch, in one transaction, exactly as the workers' results are written;
     * a task already done (written by an earlier poll, or re-queued meanwhile as a newer attempt) is left as it is.
     */
    public Uni<Void> write(Map<JudgeTask, Judgment> judgments) {
        return write(judgments, Map.of());
    }

    /**
     * As {@link #write(Map)}, settling in the same transaction the budget reservations of the judgments' calls (by task
     * id), each to the cost it was told: only those of the judgments written now (answers read twice were paid once).
     */
    public Uni<Void> write(Map<JudgeTask, Judgment> judgments, Map<UUID, Reservation> reservations) {
        if (judgments.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Instant now = Times.now();
        List<TaskQueue.Finished> batch = judgments.entrySet().stream().map(e -> new TaskQueue.Finished(e.getKey(), e.getValue(),
                reservations.containsKey(e.getKey().taskId()) ? List.of(reservations.get(e.getKey().taskId())) : List.of())).toList();
        return queue.complete(batch, batch.stream().map(f -> ResultSink.assessments(f, now)).toList(), now, true);
    }

    /** Gives tasks back to wait for another batch; returns how many were. */
    public Uni<Integer> release(Collection<JudgeTask> tasks) {
        return pool.preparedQuery(RELEASE).execute(Tuple.of(ids(tasks))).map(rows -> rows.rowCount());
    }

    /** Tasks of a cancelled run that were in a batch: CANCELLED, counted on their run. */
    public Uni<Void> cancel(Collection<JudgeTask> tasks) {
        return pool.preparedQuery(CANCEL).execute(Tuple.of(ids(tasks))).replaceWithVoid();
    }

    /** Whether a run was cancelled (or no longer exists). */
    public Uni<Boolean> cancelled(String runId) {
        return pool.preparedQuery(RUN_STATUS).execute(Tuple.of(runId))
                .map(rows -> rows.rowCount() == 0 || RunStatus.CANCELLED.name().equals(rows.iterator().next().getString("status")));
    }

    private static UUID[] ids(Collection<JudgeTask> tasks) {
        return tasks.stream().map(JudgeTask::taskId).toArray(UUID[]::new);
    }
}
