package dev.tribunal.trace;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Traces picked for a comparison, each with what it is matched on: the MD5 of its inputs as canonical JSON (PostgreSQL's
 * jsonb text: keys in one order, no insignificant white space) or the value of one of its tags. Oldest first.
 */
@ApplicationScoped
public class ComparableTraces {

    private static final String SELECT = "select trace_id, case when $5::text is null then md5(inputs::text) else tags ->> $5 end as key "
            + "from trace where (cardinality($1::text[]) = 0 or trace_id = any($1)) and tags @> cast($2::text as jsonb) "
            + "and ($3::timestamptz is null or request_time >= $3) and ($4::timestamptz is null or request_time < $4) "
            + "order by request_time, trace_id limit $6";

    private final Pool pool;

    ComparableTraces(Pool pool) {
        this.pool = pool;
    }

    /** Which traces: these ids, or those with all these tags; either within the time window when one is given. */
    public record Selector(List<String> traceIds, Map<String, String> tags, Instant from, Instant to) {
    }

    /** A trace and its key; null when the trace has no inputs or lacks the tag. */
    public record Keyed(String traceId, String key) {
    }

    /**
     * @param tag the tag to match on; null to match on the inputs
     * @param limit at most this many traces are returned
     */
    public Uni<List<Keyed>> select(Selector selector, String tag, int limit) {
        String[] ids = selector.traceIds() == null ? new String[0] : selector.traceIds().toArray(String[]::new);
        String tags = dev.tribunal.system.Json.write(selector.tags() == null ? Map.<String, Object>of() : Map.<String, Object>copyOf(selector.tags()));
        return pool.preparedQuery(SELECT).execute(Tuple.tuple(java.util.Arrays.asList(ids, tags, utc(selector.from()), utc(selector.to()), tag,
                        limit)))
                .map(rows -> {
                    List<Keyed> found = new ArrayList<>();
                    rows.forEach(row -> found.add(new Keyed(row.getString("trace_id"), row.getString("key"))));
                    return found;
                });
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
