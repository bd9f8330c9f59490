package dev.tribunal.trace;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;
import java.util.UUID;

/** Spans in PostgreSQL. Callers provide the session. */
@ApplicationScoped
class SpanRepository implements PanacheRepositoryBase<Span, UUID> {

    /** The spans of one trace in the order they started. */
    Uni<List<Span>> forTrace(String traceId) {
        return list("traceId", Sort.by("startTime", Sort.NullPrecedence.NULLS_LAST).and("spanId"), traceId);
    }
}
