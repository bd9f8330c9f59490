package dev.tribunal.cache;

import dev.tribunal.assessment.AssessmentRows;
import dev.tribunal.system.Times;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The judgment cache, in PostgreSQL so that every process on the database shares it: the answers of judges' model
 * calls by the hash of their key ({@link CacheKey}), each with the assessment it was first stored under. Only
 * successful answers are stored; an entry older than {@code tribunal.cache.ttl} is never used.
 */
@ApplicationScoped
public class JudgmentCache {

    /** Metadata of an assessment answered from the cache: the id of the assessment whose answer it reused. */
    public static final String CACHED_FROM_KEY = "tribunal.cached_from";

    private static final String FIND = "select key_hash, assessment_id, answer from judgment_cache "
            + "where key_hash = any($1) and created_at > $2";
    /**
     * Each answer under the assessment just written for its task's part (none when that was not written); an entry
     * already there is replaced only once expired, so that the first answer is the one reused.
     */
    private static final String STORE = "insert into judgment_cache (key_hash, assessment_id, answer, created_at) "
            + "select s.key_hash, s.assessment_id, s.answer, $6 from (select k.key_hash, k.answer, "
            + AssessmentRows.resultOfTaskPart("k.task_id", "k.attempt", "k.part") + " as assessment_id "
            + "from unnest($1::text[], $2::uuid[], $3::int[], $4::int[], $5::text[]) as k(key_hash, task_id, attempt, part, answer)) s "
            + "where s.assessment_id is not null "
            + "on conflict (key_hash) do update set assessment_id = excluded.assessment_id, answer = excluded.answer, "
            + "created_at = excluded.created_at where judgment_cache.created_at <= $7";
    /** The oldest expired entries, a batch at a time (by the created_at index). */
    private static final String DELETE_EXPIRED = "delete from judgment_cache where key_hash in (select key_hash from judgment_cache "
            + "where created_at <= $1 order by created_at limit $2)";

    private final Pool pool;
    private final Duration ttl;
    private final MeterRegistry metrics;
    private final Map<String, Counter> lookups = new ConcurrentHashMap<>();

    JudgmentCache(Pool pool, CacheConfig config, MeterRegistry metrics) {
        this.pool = pool;
        this.ttl = config.ttl();
        this.metrics = metrics;
    }

    /** An answer found for a key: the model's reply as it was given, and the assessment it was stored under. */
    public record Hit(String assessmentId, String answer) {
    }

    /** A successful answer of one call, to be stored with its judgment. */
    public record NewAnswer(String keyHash, String answer) {
        public NewAnswer {
            if (keyHash == null || keyHash.length() != 64 || answer == null) {
                throw new IllegalArgumentException("an answer is stored under a SHA-256 key");
            }
        }
    }

    /** A new answer and where its judgment is written: the task's attempt and part (0, or a jury member's 1 to n). */
    public record Stored(NewAnswer answer, UUID taskId, int attempt, int part) {
    }

    /**
     * The answers of one model's calls: those not expired, by key. Counted as hits and misses
     * ({@code tribunal.judgment.cache}, by model).
     */
    public Uni<Map<String, Hit>> lookup(String model, List<String> keys) {
        return find(keys)
                .invoke(found -> {
                    count(model, "hit", found.size());
                    count(model, "miss", keys.size() - found.size());
                });
    }

    /** Which of these keys have answers not expired, counted nowhere (for an estimate). */
    public Uni<Set<String>> present(Collection<String> keys) {
        return find(keys).map(found -> new HashSet<>(found.keySet()));
    }

    private Uni<Map<String, Hit>> find(Collection<String> keys) {
        if (keys.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        return pool.preparedQuery(FIND).execute(Tuple.of(keys.toArray(String[]::new), utc(Times.now().minus(ttl))))
                .map(rows -> {
                    Map<String, Hit> found = new HashMap<>();
                    rows.forEach(row -> found.put(row.getString("key_hash"), new Hit(row.getString("assessment_id"), row.getString("answer"))));
                    return found;
                });
    }

    private void count(String model, String result, int n) {
        if (n > 0) {
            lookups.computeIfAbsent(model + '|' + result, k -> metrics.counter("tribunal.judgment.cache", "model", model, "result", result))
                    .increment(n);
        }
    }

    /** Stores answers in the transaction that wrote their assessments (after them: each refers to its assessment). */
    public Uni<Void> store(SqlConnection connection, List<Stored> answers, Instant now) {
        // one row per key: a statement may not update a row twice (two traces with the same content in one batch)
        Map<String, Stored> byKey = new LinkedHashMap<>();
        answers.forEach(a -> byKey.putIfAbsent(a.answer().keyHash(), a));
        if (byKey.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        int n = byKey.size();
        String[] keys = new String[n];
        UUID[] tasks = new UUID[n];
        Integer[] attempts = new Integer[n];
        Integer[] parts = new Integer[n];
        String[] texts = new String[n];
        int i = 0;
        for (Stored s : byKey.values()) {
            keys[i] = s.answer().keyHash();
            tasks[i] = s.taskId();
            attempts[i] = s.attempt();
            parts[i] = s.part();
            texts[i] = s.answer().answer();
            i++;
        }
        return connection.preparedQuery(STORE)
                .execute(Tuple.tuple(List.of(keys, tasks, attempts, parts, texts, utc(now), utc(now.minus(ttl)))))
                .replaceWithVoid();
    }

    /** Deletes up to {@code batch} expired entries, the oldest first; how many it deleted. */
    Uni<Integer> deleteExpired(int batch) {
        return pool.preparedQuery(DELETE_EXPIRED).execute(Tuple.of(utc(Times.now().minus(ttl)), batch))
                .map(rows -> rows.rowCount());
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
