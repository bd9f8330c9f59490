package dev.tribunal.trace;

import dev.tribunal.system.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Traces for scheduled judging, in the order they arrived, read on the caller's connection (inside a sweep's tick,
 * whose transaction holds the sweep's lock).
 */
public final class ArrivedTraces {

    /**
     * Older than the delay, not older than the lookback, after the checkpoint, matching the filter, and sampled by a
     * hash of (sample key, trace id), so that every selection with the same key sees the same traces and a trace's
     * fate does not change from one selection to the next. A trace that still awaits its root span is not complete yet.
     */
    private static final String ARRIVED = "select trace_id, created_at from trace "
            + "where created_at <= $1::timestamptz - make_interval(secs => $2::float8) "
            + "and created_at >= $1::timestamptz - make_interval(secs => $3::float8) "
            + "and created_at >= coalesce($4::timestamptz, '-infinity'::timestamptz) "
            + "and ($4::timestamptz is null or created_at > $4::timestamptz "
            + "or ($5::text is not null and created_at = $4::timestamptz and trace_id > $5::text)) "
            + "and not awaiting_root and tags @> cast($6::text as jsonb) and ($7::text is null or state = $7::text) "
            + "and ($8::float8 >= 1.0 or ('x' || substr(md5($9::text || ':' || trace_id), 1, 8))::bit(32)::bigint < $8::float8 * 4294967296.0) "
            + "order by created_at, trace_id limit $10";

    private ArrivedTraces() {
    }

    /**
     * Which traces to select.
     *
     * @param delay      how old a trace must be, so that its late spans have arrived
     * @param lookback   how old a trace may be at most
     * @param tags       tags the trace must have (all of them)
     * @param state      the trace's state, or null for any
     * @param sampleRate the share of traces kept, above 0 and at most 1
     * @param sampleKey  what the sample's hash is salted with
     * @param limit      the most traces selected
     */
    public record Filter(Duration delay, Duration lookback, Map<String, String> tags, String state, double sampleRate, String sampleKey,
                         int limit) {
    }

    /** A selected trace and when it arrived. */
    public record Arrived(String traceId, OffsetDateTime createdAt) {
    }

    /**
     * The traces that arrived after ({@code afterTime}, {@code afterTrace}), oldest first, as of {@code now}.
     *
     * @param afterTime  null: from the lookback on
     * @param afterTrace null: every trace of {@code afterTime} was looked at
     */
    public static Uni<List<Arrived>> after(SqlConnection connection, OffsetDateTime now, OffsetDateTime afterTime, String afterTrace,
                                           Filter filter) {
        Tuple args = Tuple.tuple(Arrays.asList(now, seconds(filter.delay()), seconds(filter.lookback()), afterTime, afterTrace,
                Json.write(filter.tags()), filter.state(), filter.sampleRate(), filter.sampleKey(), filter.limit()));
        return connection.preparedQuery(ARRIVED).execute(args).map(rows -> {
            List<Arrived> arrived = new ArrayList<>();
            rows.forEach(row -> arrived.add(new Arrived(row.getString("trace_id"), row.getOffsetDateTime("created_at"))));
            return arrived;
        });
    }

    private static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
