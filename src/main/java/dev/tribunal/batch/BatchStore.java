package dev.tribunal.batch;

import dev.tribunal.llm.ProviderBatches.BatchState;
import dev.tribunal.run.BatchTasks;
import dev.tribunal.run.JudgeTask;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The only code that reads and writes {@code provider_batch} and {@code batch_request}: batches recorded with their
 * judgments, taken under a lease ({@code FOR UPDATE SKIP LOCKED}, the database's clock) by whichever process prepares or
 * polls them, and their provider ids, status and counts as they move.
 */
@ApplicationScoped
class BatchStore {

    private static final String INSERT = "insert into provider_batch (batch_id, run_id, model_id, status, holder, lease_until, next_poll_at, "
            + "poll_delay_ms, created_at) values ($1, $2, $3, 'PREPARING', $4, now() + make_interval(secs => $5), now(), 0, clock_timestamp())";
    private static final String INSERT_REQUESTS = "insert into batch_request (batch_id, task_id, attempt) "
            + "select $1, t, a from unnest($2::uuid[], $3::int[]) as u(t, a)";
    private static final String FORGET = "delete from batch_request where batch_id = $1 and task_id = any($2)";
    /** Only a batch still open: one given up meanwhile (its judgments went back to wait) is not brought back. */
    private static final String SUBMITTED = "update provider_batch set provider_batch_id = $2, input_file_id = $3, status = $4, requests = $5, "
            + "holder = null, lease_until = null, next_poll_at = now() + make_interval(secs => $6), poll_delay_ms = $7 where batch_id = $1 "
            + "and not settled returning batch_id";
    /** A batch being prepared, by its holder while its lease lasts: the lease renewed. */
    private static final String HELD = "batch_id = $1 and holder = $3 and not settled and status = 'PREPARING' and lease_until > now() returning batch_id";
    private static final String RENEW = "update provider_batch set lease_until = now() + make_interval(secs => $2) where " + HELD;
    /** The batch's input file was uploaded: from now on the provider may hold a batch made of it. */
    private static final String UPLOADED = "update provider_batch set input_file_id = $4, lease_until = now() + make_interval(secs => $2) where " + HELD;
    /**
     * A batch whose create had no clear answer, left for a poll to look for at the provider once a create still on its
     * way would have landed.
     */
    private static final String UNSURE = "update provider_batch set holder = null, lease_until = now() + make_interval(secs => $2) "
            + "where batch_id = $1 and not settled";
    /** A batch that sent nothing and judged nothing (its judgments all wait): no trace of it is kept. */
    private static final String DISCARD = "delete from provider_batch where batch_id = $1 and status = 'PREPARING'";
    private static final String CLOSE = "update provider_batch set status = $2, settled = true, holder = null, lease_until = null, "
            + "finished_at = now() where batch_id = $1";
    private static final String COLUMNS = "batch_id, run_id, model_id, status, provider_batch_id, input_file_id, output_file_id, error_file_id, "
            + "poll_delay_ms, created_at";
    /** Batches due for a poll that nobody holds, or whose holder's lease ended (it died). */
    private static final String TAKE_DUE = "with due as (select batch_id from provider_batch where not settled and status <> 'PREPARING' "
            + "and next_poll_at <= now() and (lease_until is null or lease_until < now()) order by next_poll_at limit $1 for update skip locked) "
            + "update provider_batch b set holder = $2, lease_until = now() + make_interval(secs => $3) from due where b.batch_id = due.batch_id "
            + "returning b." + COLUMNS.replace(", ", ", b.");
    /** Batches whose preparing process died before sending them. */
    private static final String TAKE_STALE = "with stale as (select batch_id from provider_batch where not settled and status = 'PREPARING' "
            + "and lease_until < now() limit $1 for update skip locked) "
            + "update provider_batch b set holder = $2, lease_until = now() + make_interval(secs => $3) from stale where b.batch_id = stale.batch_id "
            + "returning b." + COLUMNS.replace(", ", ", b.");
    private static final String POLLED = "update provider_batch set status = $2, requests = greatest(requests, $3), completed = $4, failed = $5, "
            + "output_file_id = $6, error_file_id = $7, holder = null, lease_until = null, "
            + "next_poll_at = now() + make_interval(secs => $8), poll_delay_ms = $9 where batch_id = $1";
    private static final String SETTLED = "update provider_batch set status = $2, completed = $3, failed = $4, output_file_id = $5, "
            + "error_file_id = $6, settled = true, holder = null, lease_until = null, finished_at = now() where batch_id = $1";
    /** A batch's judgments for which it is the newest batch: a judgment sent again later belongs to the later batch. */
    private static final String REQUESTS = "select br.task_id, br.attempt from batch_request br join provider_batch b on b.batch_id = br.batch_id "
            + "where br.batch_id = $1 and not exists (select 1 from batch_request o join provider_batch ob on ob.batch_id = o.batch_id "
            + "where o.task_id = br.task_id and o.attempt = br.attempt and ob.created_at > b.created_at)";
    private static final String RESERVED = "update batch_request br set reservation_id = u.r from unnest($2::uuid[], $3::uuid[]) as u(t, r) "
            + "where br.batch_id = $1 and br.task_id = u.t";
    private static final String RESERVATIONS = "select task_id, reservation_id from batch_request where batch_id = $1 and reservation_id is not null";
    private static final String TRIES = "select task_id, attempt, count(*) as n from batch_request where task_id = any($1) group by task_id, attempt";
    private static final String OF_RUN = "select batch_id, provider_batch_id, model_id, status, requests, completed, failed, created_at, finished_at "
            + "from provider_batch where run_id = $1 and status not in ('ABANDONED', 'JUDGED') order by created_at, batch_id";

    /** A batch as recorded. */
    record Batch(UUID batchId, String runId, String modelId, String status, String providerBatchId, String inputFileId, String outputFileId,
                 String errorFileId, Duration pollDelay, java.time.Instant createdAt) {
    }

    private final Pool pool;
    private final String holder = dev.tribunal.system.ProcessName.get();

    BatchStore(Pool pool) {
        this.pool = pool;
    }

    /** Records a new batch of these tasks, held by this process while it is prepared; on the claim's connection. */
    Uni<UUID> insert(SqlConnection connection, BatchTasks.Group group, List<JudgeTask> tasks, Duration lease) {
        UUID id = UUID.randomUUID();
        return connection.preparedQuery(INSERT).execute(Tuple.of(id, group.runId(), group.modelId(), holder, seconds(lease)))
                .chain(() -> connection.preparedQuery(INSERT_REQUESTS).execute(Tuple.of(id, tasks.stream().map(JudgeTask::taskId)
                        .toArray(UUID[]::new), tasks.stream().map(JudgeTask::attempt).toArray(Integer[]::new))))
                .replaceWith(id);
    }

    /** Takes tasks out of a batch before it is sent (they did not fit, or go back to wait). */
    Uni<Void> forget(UUID batchId, Collection<JudgeTask> tasks) {
        return pool.preparedQuery(FORGET).execute(Tuple.of(batchId, tasks.stream().map(JudgeTask::taskId).toArray(UUID[]::new))).replaceWithVoid();
    }

    /**
     * Records the batch's uploaded input file before the batch is created from it, so that a create whose answer is lost
     * can be found at the provider; false when this process no longer holds the batch (it must not be created then).
     */
    Uni<Boolean> uploaded(UUID batchId, String inputFileId, Duration lease) {
        return pool.preparedQuery(UPLOADED).execute(Tuple.of(batchId, seconds(lease), holder, inputFileId)).map(rows -> rows.rowCount() == 1);
    }

    /** Renews this process's lease on a batch it prepares; false when it no longer holds it (another took it over). */
    Uni<Boolean> renew(UUID batchId, Duration lease) {
        return pool.preparedQuery(RENEW).execute(Tuple.of(batchId, seconds(lease), holder)).map(rows -> rows.rowCount() == 1);
    }

    /** Leaves a batch whose create had no clear answer to a poll after {@code wait}, which looks for it at the provider. */
    Uni<Void> unsure(UUID batchId, Duration wait) {
        return pool.preparedQuery(UNSURE).execute(Tuple.of(batchId, seconds(wait))).replaceWithVoid();
    }

    /** Forgets a batch that sent and judged nothing. */
    Uni<Void> discard(UUID batchId) {
        return pool.preparedQuery(DISCARD).execute(Tuple.of(batchId)).replaceWithVoid();
    }

    /**
     * The batch was created at the provider: polled first after {@code firstPoll}, by any process. False when the batch
     * was given up meanwhile (its judgments went back to wait), and the provider's batch is nobody's.
     */
    Uni<Boolean> submitted(UUID batchId, BatchState state, String inputFileId, int requests, Duration firstPoll) {
        return pool.preparedQuery(SUBMITTED).execute(Tuple.tuple(List.of(batchId, state.id(), inputFileId, state.status(), requests,
                seconds(firstPoll), firstPoll.toMillis()))).map(rows -> rows.rowCount() == 1);
    }

    /** A batch that ends without going to the provider: ABANDONED (its tasks went back to wait) or JUDGED (none needed a call). */
    Uni<Void> close(UUID batchId, String status) {
        return pool.preparedQuery(CLOSE).execute(Tuple.of(batchId, status)).replaceWithVoid();
    }

    /** Up to {@code limit} batches due for a poll, now held by this process for {@code lease}. */
    Uni<List<Batch>> takeDue(int limit, Duration lease) {
        return pool.withTransaction(connection -> connection.preparedQuery(TAKE_DUE).execute(Tuple.of(limit, holder, seconds(lease))))
                .map(BatchStore::batches);
    }

    /** Up to {@code limit} batches whose preparing process died, now held by this process. */
    Uni<List<Batch>> takeStale(int limit, Duration lease) {
        return pool.withTransaction(connection -> connection.preparedQuery(TAKE_STALE).execute(Tuple.of(limit, holder, seconds(lease))))
                .map(BatchStore::batches);
    }

    /** A poll that found the batch still running: given up until {@code nextPoll}. */
    Uni<Void> polled(UUID batchId, BatchState state, Duration nextPoll) {
        return pool.preparedQuery(POLLED).execute(Tuple.tuple(java.util.Arrays.asList(batchId, state.status(), state.total(), state.completed(),
                state.failed(), state.outputFileId(), state.errorFileId(), seconds(nextPoll), nextPoll.toMillis()))).replaceWithVoid();
    }

    /** A finished batch whose answers were written and whose unanswered judgments were re-queued or ended. */
    Uni<Void> settled(UUID batchId, BatchState state) {
        return pool.preparedQuery(SETTLED).execute(Tuple.tuple(java.util.Arrays.asList(batchId, state.status(), state.completed(), state.failed(),
                state.outputFileId(), state.errorFileId()))).replaceWithVoid();
    }

    /** The judgments (task id → attempt) a batch holds, as far as no later batch holds them. */
    Uni<Map<UUID, Integer>> requests(UUID batchId) {
        return pool.preparedQuery(REQUESTS).execute(Tuple.of(batchId)).map(rows -> {
            Map<UUID, Integer> requests = new HashMap<>();
            rows.forEach(row -> requests.put(row.getUUID("task_id"), row.getInteger("attempt")));
            return requests;
        });
    }

    /** Records the budget reservation of each of a batch's judgments that has one (task id → reservation id). */
    Uni<Void> reserved(UUID batchId, Map<UUID, UUID> reservations) {
        if (reservations.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<UUID> taskIds = new ArrayList<>(reservations.keySet());
        return pool.preparedQuery(RESERVED).execute(Tuple.of(batchId, taskIds.toArray(UUID[]::new),
                taskIds.stream().map(reservations::get).toArray(UUID[]::new))).replaceWithVoid();
    }

    /** The budget reservations of a batch's judgments (task id → reservation id), settled or not. */
    Uni<Map<UUID, UUID>> reservations(UUID batchId) {
        return pool.preparedQuery(RESERVATIONS).execute(Tuple.of(batchId)).map(rows -> {
            Map<UUID, UUID> reservations = new HashMap<>();
            rows.forEach(row -> reservations.put(row.getUUID("task_id"), row.getUUID("reservation_id")));
            return reservations;
        });
    }

    /** In how many batches each of these tasks was sent at its current attempt. */
    Uni<Map<UUID, Integer>> tries(Collection<JudgeTask> tasks) {
        Map<UUID, Integer> attempts = new HashMap<>();
        tasks.forEach(t -> attempts.put(t.taskId(), t.attempt()));
        return pool.preparedQuery(TRIES).execute(Tuple.of(attempts.keySet().toArray(UUID[]::new))).map(rows -> {
            Map<UUID, Integer> tries = new HashMap<>();
            rows.forEach(row -> {
                if (row.getInteger("attempt").equals(attempts.get(row.getUUID("task_id")))) {
                    tries.put(row.getUUID("task_id"), row.getLong("n").intValue());
                }
            });
            return tries;
        });
    }

    /** A run's batches, oldest first; those never sent (abandoned, or whose judgments needed no call) are left out. */
    Uni<List<BatchView>> ofRun(String runId) {
        return pool.preparedQuery(OF_RUN).execute(Tuple.of(runId)).map(rows -> {
            List<BatchView> views = new ArrayList<>();
            for (Row row : rows) {
                OffsetDateTime finished = row.getOffsetDateTime("finished_at");
                views.add(new BatchView(row.getUUID("batch_id").toString(), row.getString("provider_batch_id"), row.getString("model_id"),
                        row.getString("status").toLowerCase(java.util.Locale.ROOT), row.getInteger("requests"), row.getInteger("completed"),
                        row.getInteger("failed"), row.getOffsetDateTime("created_at").toInstant(), finished == null ? null : finished.toInstant()));
            }
            return views;
        });
    }

    private static List<Batch> batches(io.vertx.mutiny.sqlclient.RowSet<Row> rows) {
        List<Batch> batches = new ArrayList<>();
        for (Row row : rows) {
            batches.add(new Batch(row.getUUID("batch_id"), row.getString("run_id"), row.getString("model_id"), row.getString("status"),
                    row.getString("provider_batch_id"), row.getString("input_file_id"), row.getString("output_file_id"),
                    row.getString("error_file_id"), Duration.ofMillis(row.getLong("poll_delay_ms")), row.getOffsetDateTime("created_at").toInstant()));
        }
        return batches;
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
