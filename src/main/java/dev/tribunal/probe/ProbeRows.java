package dev.tribunal.probe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code judge_probe} table, in SQL: a probe is written when it starts, its progress while it runs (only while it
 * is still {@code running}), and its figures or its problem once it ends.
 */
@ApplicationScoped
class ProbeRows {

    private static final String COLUMNS = "id, judge_name, version, model, request::text as request, status, results::text as results, "
            + "problem, created_at, created_by, finished_at, updated_at";
    private static final String INSERT = "insert into judge_probe (id, judge_name, version, model, request, status, results, created_at, "
            + "created_by, updated_at) values ($1, $2, $3, $4, cast($5::text as jsonb), 'running', cast($6::text as jsonb), $7, $8, $7)";
    private static final String PROGRESS = "update judge_probe set results = cast($2::text as jsonb), updated_at = $3 "
            + "where id = $1 and status = 'running'";
    private static final String FINISH = "update judge_probe set status = $2, results = coalesce(cast($3::text as jsonb), results), "
            + "problem = $4, finished_at = $5, updated_at = $5 where id = $1 and status = 'running'";
    private static final String ONE = "select " + COLUMNS + " from judge_probe where judge_name = $1 and id = $2";
    private static final String OF_JUDGE = "select " + COLUMNS + " from judge_probe where judge_name = $1 and ($2::text is null or version = $2) "
            + "order by created_at desc, id desc limit $3";

    private final Pool pool;
    /** The API's mapper: results are stored as they are answered, in snake_case. */
    private final ObjectMapper mapper;

    ProbeRows(Pool pool, ObjectMapper mapper) {
        this.pool = pool;
        this.mapper = mapper;
    }

    /** A probe as stored; {@code request} is JSON text. */
    record Stored(String id, String judge, String version, String model, String request, String status, ProbeResults results,
                  String problem, Instant createdAt, String createdBy, Instant finishedAt, Instant updatedAt) {
    }

    Uni<Void> insert(String id, String judge, String version, String model, String request, ProbeResults progress, Instant now,
                     String createdBy) {
        return pool.preparedQuery(INSERT).execute(Tuple.tuple(Arrays.asList(id, judge, version, model, request, write(progress), utc(now),
                        createdBy)))
                .replaceWithVoid();
    }

    /** Records progress (and that the probe is alive); nothing once it has ended. */
    Uni<Void> progress(String id, ProbeResults progress, Instant now) {
        return pool.preparedQuery(PROGRESS).execute(Tuple.of(id, write(progress), utc(now))).replaceWithVoid();
    }

    /**
     * Ends a running probe.
     *
     * @param results the figures, or null to keep the last progress
     */
    Uni<Void> finish(String id, String status, ProbeResults results, String problem, Instant now) {
        return pool.preparedQuery(FINISH).execute(Tuple.tuple(Arrays.asList(id, status, results == null ? null : write(results), problem,
                utc(now)))).replaceWithVoid();
    }

    Uni<Stored> find(String judge, String id) {
        return pool.preparedQuery(ONE).execute(Tuple.of(judge, id)).map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    /** A judge's probes (of one version, unless null), newest first, at most {@code max}. */
    Uni<List<Stored>> ofJudge(String judge, String version, int max) {
        return pool.preparedQuery(OF_JUDGE).execute(Tuple.of(judge, version, max)).map(rows -> {
            List<Stored> found = new ArrayList<>();
            rows.forEach(row -> found.add(stored(row)));
            return found;
        });
    }

    private Stored stored(Row row) {
        String results = row.getString("results");
        return new Stored(row.getString("id"), row.getString("judge_name"), row.getString("version"), row.getString("model"),
                row.getString("request"), row.getString("status"), results == null ? null : read(results), row.getString("problem"),
                instant(row.getOffsetDateTime("created_at")), row.getString("created_by"), instant(row.getOffsetDateTime("finished_at")),
                instant(row.getOffsetDateTime("updated_at")));
    }

    private String write(ProbeResults results) {
        try {
            return mapper.writeValueAsString(results);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("probe results are not serializable", e);
        }
    }

    private ProbeResults read(String json) {
        try {
            return mapper.readValue(json, ProbeResults.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored probe results do not read back: " + e.getMessage(), e);
        }
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }
}
