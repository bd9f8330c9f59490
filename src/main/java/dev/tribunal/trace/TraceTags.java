package dev.tribunal.trace;

import dev.tribunal.assessment.TaggedTraces;
import jakarta.enterprise.context.ApplicationScoped;

/** Traces by their tags, as a condition that other features' statements take (GIN-indexed containment). */
@ApplicationScoped
class TraceTags implements TaggedTraces {

    @Override
    public String carrying(String traceId, String tags) {
        return "exists (select 1 from trace t where t.trace_id = " + traceId + " and t.tags @> cast(" + tags + " as jsonb))";
    }
}
