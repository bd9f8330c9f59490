package dev.tribunal.trace;

import dev.tribunal.system.Json;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.reactive.mutiny.Mutiny;

import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Traces in PostgreSQL. Callers provide the session. */
@ApplicationScoped
class TraceRepository implements PanacheRepositoryBase<Trace, String> {

    Uni<List<String>> existingIds(Collection<String> traceIds) {
        return getSession()
                .chain(session -> session.createSelectionQuery("select t.traceId from Trace t where t.traceId in :ids", String.class)
                        .setParameter("ids", traceIds)
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
        int i = 0;
        for (Map.Entry<String, String> tag : query.tags().entrySet()) {
            where.add("t.tags @> cast(cast(:tag" + i + " as text) as jsonb)");
            params.put("tag" + i, Json.write(Map.of(tag.getKey(), tag.getValue())));
            i++;
        }
        for (int h = 0; h < query.hasAssessment().size(); h++) {
            where.add("exists (select 1 from assessment a where a.trace_id = t.trace_id and a.name = :has" + h + ")");
            params.put("has" + h, query.hasAssessment().get(h));
        }
        for (int l = 0; l < query.lacksAssessment().size(); l++) {
            where.add("not exists (select 1 from assessment a where a.trace_id = t.trace_id and a.name = :lacks" + l + ")");
            params.put("lacks" + l, query.lacksAssessment().get(l));
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

    private Uni<List<Trace>> loadInOrder(List<String> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return list("traceId in ?1", ids)
                .map(traces -> traces.stream()
                        .sorted(Comparator.comparing((Trace t) -> t.requestTime).thenComparing(t -> t.traceId).reversed())
                        .toList());
    }
}
