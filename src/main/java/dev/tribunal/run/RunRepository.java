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

    Uni<List<JudgeRun>> running() {
        return list("status", RunStatus.RUNNING);
    }
}
