package dev.tribunal.comparison;

import dev.tribunal.system.Json;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

/** The {@code comparison} table, in SQL: a comparison is written once, with its run, and read by its id. */
@ApplicationScoped
class ComparisonRows {

    private static final String INSERT = "insert into comparison (comparison_id, judge, judge_version, models, request, pairs, "
            + "unmatched_candidates, unmatched_baselines, unmatched_candidate_count, unmatched_baseline_count, created_by, created_at) "
            + "values ($1, $2, $3, cast($4::text as jsonb), cast($5::text as jsonb), $6, cast($7::text as jsonb), cast($8::text as jsonb), "
            + "$9, $10, $11, $12)";
    private static final String SELECT = "select comparison_id, judge, judge_version, models::text as models, request::text as request, "
            + "pairs, unmatched_candidates::text as unmatched_candidates, unmatched_baselines::text as unmatched_baselines, "
            + "unmatched_candidate_count, unmatched_baseline_count, created_by, created_at from comparison where comparison_id = $1";

    private final Pool pool;

    ComparisonRows(Pool pool) {
        this.pool = pool;
    }

    /** A comparison as stored. */
    record Stored(String comparisonId, String judge, String judgeVersion, List<String> models, String request, int pairs,
                  ComparisonRequests.Unmatched unmatched, String createdBy, Instant createdAt) {
    }

    Uni<Void> insert(SqlConnection connection, Stored c) {
        return connection.preparedQuery(INSERT).execute(Tuple.tuple(Arrays.asList(c.comparisonId(), c.judge(), c.judgeVersion(),
                        Json.write(c.models()), c.request(), c.pairs(), Json.write(c.unmatched().candidateIds()),
                        Json.write(c.unmatched().baselineIds()), c.unmatched().candidates(), c.unmatched().baselines(), c.createdBy(),
                        c.createdAt().atOffset(ZoneOffset.UTC))))
                .replaceWithVoid();
    }

    Uni<Stored> find(String comparisonId) {
        return pool.preparedQuery(SELECT).execute(Tuple.of(comparisonId)).map(rows -> rows.size() == 0 ? null : stored(rows.iterator().next()));
    }

    /** Comparisons newest first, after a page's last one: at most {@code max} + 1, so that the caller knows whether more follow. */
    Uni<List<Stored>> page(dev.tribunal.system.PageToken after, int max) {
        String sql = SELECT.substring(0, SELECT.indexOf(" where ")) + (after == null ? "" : " where (created_at, comparison_id) < ($1, $2)")
                + " order by created_at desc, comparison_id desc limit " + (max + 1);
        return pool.preparedQuery(sql).execute(after == null ? Tuple.tuple() : Tuple.of(after.time().atOffset(ZoneOffset.UTC), after.id()))
                .map(rows -> {
                    List<Stored> found = new java.util.ArrayList<>();
                    rows.forEach(row -> found.add(stored(row)));
                    return found;
                });
    }

    private static Stored stored(io.vertx.mutiny.sqlclient.Row row) {
        return new Stored(row.getString("comparison_id"), row.getString("judge"), row.getString("judge_version"),
                texts(row.getString("models")), row.getString("request"), row.getInteger("pairs"),
                new ComparisonRequests.Unmatched(row.getInteger("unmatched_candidate_count"), row.getInteger("unmatched_baseline_count"),
                        texts(row.getString("unmatched_candidates")), texts(row.getString("unmatched_baselines"))),
                row.getString("created_by"), row.getOffsetDateTime("created_at").toInstant());
    }

    private static List<String> texts(String json) {
        List<String> values = new java.util.ArrayList<>();
        Json.read(json).forEach(node -> values.add(node.asText()));
        return values;
    }
}
