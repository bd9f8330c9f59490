package dev.tribunal.run;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/** Judge tasks in PostgreSQL, read for progress figures; callers provide the session. Claims and results go through {@link TaskRows}. */
@ApplicationScoped
class TaskRepository implements PanacheRepositoryBase<JudgeTask, UUID> {

    /** Task counts of runs by (run, status, error code). */
    record Count(String runId, JudgeTask.Status status, String errorCode, long count) {
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
