package dev.tribunal.trace;

import dev.tribunal.system.Json;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.reactive.mutiny.Mutiny;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Traces in PostgreSQL. Callers provide the session. */
@ApplicationScoped
class TraceRepository implements PanacheRepositoryBase<Trace, String> {

    /**
     * The given ids that name a trace. The ids go as one array parameter, never one parameter each: a run
     * names up to 100,000 traces, and PostgreSQL takes at most 65,535 parameters per statement.
     */
    Uni<List<String>> existingIds(Collection<String> traceIds) {
        return getSession()
                .chain(session -> session.createNativeQuery("select trace_id from trace where trace_id = any(:ids)", String.class)
                        .setParameter("ids", traceIds.toArray(String[]::new))
                        .getResultList());
    }

    /**
     * One page of traces, newest first, plus one more row telling whether a next page exists. Tag
     * filters use jsonb containment (GIN-indexed), which HQL cannot express: the ids are selected
     * in SQL, the rows then loaded as entities.
     */
    Uni<List<Trace>> search(TraceQuery query, int maxResults) {
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new HashMap<>();
        if (query.from() != null) {
            where.add("t.request_time >= :from");
            params.put("from", query.from().atOffset(ZoneOffset.UTC));
        }
        if (query.to() != null) {
            where.add("t.request_time < :to");
            params.put("to", query.to().atOffset(ZoneOffset.UTC));
        }
        // each filter is one parameter however many values it holds: tags as one object the trace's tags must
        // contain, assessment names as arrays
        if (!query.tags().isEmpty()) {
            where.add("t.tags @> cast(cast(:tags as text) as jsonb)");
            params.put("tags", Json.write(query.tags()));
        }
        if (!query.hasAssessment().isEmpty()) {
            where.add("not exists (select 1 from unnest(cast(:has as text[])) wanted(name) where not exists "
                    + "(select 1 from assessment a where a.trace_id = t.trace_id and a.name = wanted.name))");
            params.put("has", query.hasAssessment().toArray(String[]::new));
        }
        if (!query.lacksAssessment().isEmpty()) {
            where.add("not exists (select 1 from assessment a where a.trace_id = t.trace_id and a.name = any(cast(:lacks as text[])))");
            params.put("lacks", query.lacksAssessment().toArray(String[]::new));
        }
        if (query.pageToken() != null) {
            where.add("(t.request_time, t.trace_id) < (:afterTime, :afterId)");
            params.put("afterTime", query.pageToken().time().atOffset(ZoneOffset.UTC));
            params.put("afterId", query.pageToken().id());
        }
        String sql = "select t.trace_id from trace t"
                + (where.isEmpty() ? "" : " where " + String.join(" and ", where))
                + " order by t.request_time desc, t.trace_id desc limit " + (maxResults + 1);
        return getSession()
                .chain(session -> {
                    Mutiny.SelectionQuery<String> q = session.createNativeQuery(sql, String.class);
                    params.forEach(q::setParameter);
                    return q.getResultList();
                })
                .chain(this::loadInOrder);
    }

    /** The traces of the given ids, in that order (a multi-load: one array parameter). */
    private Uni<List<Trace>> loadInOrder(List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return getSession()
                .chain(session -> session.find(Trace.class, ids.toArray()))
                .map(traces -> traces.stream().filter(java.util.Objects::nonNull).toList());
    }
}
