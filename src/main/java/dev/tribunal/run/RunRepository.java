package dev.tribunal.run;

import dev.tribunal.system.PageToken;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

/** Judge runs in PostgreSQL. Callers provide the session. */
@ApplicationScoped
class RunRepository implements PanacheRepositoryBase<JudgeRun, String> {

    Uni<List<JudgeRun>> page(PageToken after, int maxResults) {
        if (after == null) {
            return findAll(Sort.descending("createdAt", "runId")).range(0, maxResults).list();
        }
        return find("createdAt < :t or (createdAt = :t and runId < :id)", Sort.descending("createdAt", "runId"),
                Parameters.with("t", after.time()).and("id", after.id())).range(0, maxResults).list();
    }

    /** QUEUED runs whose tasks were claimed are RUNNING from now on. */
    Uni<Integer> markStarted(Collection<String> runIds, Instant now) {
        return update("status = ?1, startedAt = ?2 where runId in ?3 and status = ?4", RunStatus.RUNNING, now, runIds, RunStatus.QUEUED);
    }

    /** Runs whose every task is done are COMPLETED. */
    Uni<Integer> markCompleted(Collection<String> runIds, Instant now) {
        return getSession()
                .chain(session -> session.createMutationQuery("update JudgeRun r set r.status = :completed, r.finishedAt = :now "
                                + "where r.runId in :ids and r.status in :open and not exists "
                                + "(select 1 from JudgeTask t where t.runId = r.runId and t.status <> :done)")
                        .setParameter("completed", RunStatus.COMPLETED)
                        .setParameter("now", now)
                        .setParameter("ids", runIds)
                        .setParameter("open", List.of(RunStatus.QUEUED, RunStatus.RUNNING))
                        .setParameter("done", JudgeTask.Status.DONE)
                        .executeUpdate());
    }

    Uni<List<JudgeRun>> running() {
        return list("status", RunStatus.RUNNING);
    }
}
