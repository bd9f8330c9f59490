package dev.tribunal.assessment;

import dev.tribunal.system.PageToken;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Assessments in PostgreSQL. Callers provide the session (services carry {@code @WithSession}). */
@ApplicationScoped
public class AssessmentRepository implements PanacheRepositoryBase<Assessment, String> {

    Uni<Assessment> findOnTrace(String traceId, String assessmentId) {
        return find("id = ?1 and traceId = ?2", assessmentId, traceId).firstResult();
    }

    /** The trace table belongs to the trace feature; only its existence matters here. */
    Uni<Boolean> traceExists(String traceId) {
        return getSession()
                .chain(session -> session.createNativeQuery("select count(*) from trace where trace_id = :id", Long.class)
                        .setParameter("id", traceId)
                        .getSingleResult())
                .map(count -> count > 0);
    }

    /** The judge_run table belongs to the run feature; only whether a run of this id exists matters here. */
    Uni<Boolean> runExists(String runId) {
        return getSession()
                .chain(session -> session.createNativeQuery("select count(*) from judge_run where run_id = :id", Long.class)
                        .setParameter("id", runId)
                        .getSingleResult())
                .map(count -> count > 0);
    }

    /** Whether any assessment other than {@code excludedId} still overrides {@code targetId}. */
    Uni<Boolean> isOverriddenByAnother(String targetId, String excludedId) {
        return count("overrides = ?1 and id <> ?2", targetId, excludedId).map(count -> count > 0);
    }

    /** Every assessment of the given traces, oldest first. */
    public Uni<List<Assessment>> forTraces(Collection<String> traceIds) {
        if (traceIds.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        // the ids as one array parameter, then a multi-load by id (one more array): never a parameter per trace
        return getSession()
                .chain(session -> session.createNativeQuery("select assessment_id from assessment where trace_id = any(:ids) "
                                + "order by create_time, assessment_id", String.class)
                        .setParameter("ids", traceIds.toArray(String[]::new))
                        .getResultList()
                        .chain(ids -> ids.isEmpty() ? Uni.createFrom().item(List.<Assessment>of())
                                : session.find(Assessment.class, ids.toArray()))
                        // one deleted between the two reads is left out
                        .map(found -> found.stream().filter(java.util.Objects::nonNull).toList()));
    }

    /** One page, newest first, plus one more row that tells whether a next page exists. */
    Uni<List<Assessment>> search(AssessmentQuery query, int maxResults) {
        List<String> where = new ArrayList<>();
        Parameters params = new Parameters();
        if (query.traceId() != null) {
            where.add("traceId = :traceId");
            params.and("traceId", query.traceId());
        }
        if (query.name() != null) {
            where.add("name = :name");
            params.and("name", query.name());
        }
        if (query.sourceType() != null) {
            where.add("sourceType = :sourceType");
            params.and("sourceType", query.sourceType());
        }
        if (query.sourceId() != null) {
            where.add("sourceId = :sourceId");
            params.and("sourceId", query.sourceId());
        }
        if (query.runId() != null) {
            where.add("runId = :runId");
            params.and("runId", query.runId());
        }
        if (query.valid() != null) {
            where.add("valid = :valid");
            params.and("valid", query.valid());
        }
        if (query.hasError() != null) {
            where.add(query.hasError() ? "errorCode is not null" : "errorCode is null");
        }
        PageToken after = query.pageToken();
        if (after != null) {
            where.add("(createTime < :afterTime or (createTime = :afterTime and id < :afterId))");
            params.and("afterTime", after.time()).and("afterId", after.id());
        }
        String hql = where.isEmpty() ? "" : String.join(" and ", where);
        return find(hql, Sort.descending("createTime", "id"), params).range(0, maxResults).list();
    }
}
