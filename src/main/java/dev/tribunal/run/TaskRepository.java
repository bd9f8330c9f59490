package dev.tribunal.run;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** Judge tasks in PostgreSQL. Callers provide the session (and the transaction for claims). */
@ApplicationScoped
class TaskRepository implements PanacheRepositoryBase<JudgeTask, UUID> {

    /** Task counts of runs by (run, status, error code). */
    record Count(String runId, JudgeTask.Status status, String errorCode, long count) {
    }

    /**
     * Claims up to {@code limit} pending tasks, oldest first: rows locked by another claimer are
     * skipped, the claimed ones are RUNNING with a lease.
     */
    Uni<List<JudgeTask>> claim(int limit, Instant leaseUntil) {
        return getSession()
                .chain(session -> session.createNativeQuery(
                                "select cast(task_id as text) from judge_task where status = 'PENDING' "
                                        + "order by created_at, task_id limit " + limit + " for update skip locked", String.class)
                        .getResultList())
                .map(ids -> ids.stream().map(UUID::fromString).toList())
                .chain(ids -> ids.isEmpty()
                        ? Uni.createFrom().item(List.<JudgeTask>of())
                        : update("status = ?1, leaseUntil = ?2 where taskId in ?3", JudgeTask.Status.RUNNING, leaseUntil, ids)
                        .chain(() -> list("taskId in ?1", ids)));
    }

    Uni<List<Count>> counts(Collection<String> runIds) {
        return getSession()
                .chain(session -> session.createSelectionQuery(
                                "select t.runId, t.status, t.errorCode, count(t) from JudgeTask t where t.runId in :ids "
                                        + "group by t.runId, t.status, t.errorCode", Object[].class)
                        .setParameter("ids", runIds)
                        .getResultList())
                .map(rows -> rows.stream()
                        .map(r -> new Count((String) r[0], (JudgeTask.Status) r[1], (String) r[2], ((Number) r[3]).longValue()))
                        .toList());
    }
}
