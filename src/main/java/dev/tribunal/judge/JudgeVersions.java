package dev.tribunal.judge;

import dev.tribunal.system.ProcessName;
import dev.tribunal.system.Times;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code judge_version} table: every version of every judge any process has loaded, with its whole file, first
 * seen when and by whom. Each process records the versions it loaded at start ({@link JudgeChampions}); a version
 * already known keeps its first sighting.
 */
@ApplicationScoped
public class JudgeVersions {

    private static final String RECORD = "insert into judge_version (name, version, definition, file, first_seen_at, first_seen_by, "
            + "gate_status, gate_reason) values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (name, version) do nothing returning name";
    private static final String COLUMNS = "name, version, definition, file, first_seen_at, first_seen_by, gate_status, gate_reason, "
            + "gate_figures::text as gate_figures, gate_run_id, gate_estimate, gate_confirmed_cost, gate_requested, gate_decided_at";
    private static final String OF_JUDGE = "select " + COLUMNS + " from judge_version where name = $1 order by first_seen_at desc, version desc";
    private static final String OF_VERSION = "select " + COLUMNS + " from judge_version where name = $1 and version = $2";
    /** Pending versions to validate, oldest first; a replica validating one holds its row, the others skip it. */
    private static final String PENDING = "select " + COLUMNS + " from judge_version where gate_status = 'pending' "
            + "order by first_seen_at, name, version limit $1 for update skip locked";
    private static final String SET_GATE = "update judge_version set gate_status = $3, gate_reason = $4, gate_figures = $5::text::jsonb, "
            + "gate_run_id = $6, gate_estimate = $7, gate_requested = $8, gate_checked_at = $9, gate_decided_at = $10 "
            + "where name = $1 and version = $2";
    /** Asks for a validation: a decided version is validated anew, a pending one at once; a confirmed cost is kept. */
    private static final String REQUEST = "update judge_version set gate_requested = true, "
            + "gate_confirmed_cost = coalesce($3, gate_confirmed_cost), "
            + "gate_run_id = case when gate_status = 'pending' then gate_run_id end, gate_status = 'pending', "
            + "gate_reason = case when gate_status = 'pending' then gate_reason else 'validation asked for again' end "
            + "where name = $1 and version = $2 and gate_status is not null returning " + COLUMNS;

    private static final String ONE = "select definition, file from judge_version where name = $1 and version = $2";

    private final JudgeCatalog catalog;
    private final Pool pool;
    /** Past versions read back, by name and version (a version's definition never changes). */
    private final com.github.benmanes.caffeine.cache.Cache<String, JudgeDefinition> past = com.github.benmanes.caffeine.cache.Caffeine
            .newBuilder().maximumSize(1000).build();

    JudgeVersions(JudgeCatalog catalog, Pool pool) {
        this.catalog = catalog;
        this.pool = pool;
    }

    /** A judge at a version, or why there is none to run. */
    public record Found(JudgeDefinition judge, String problem) {
    }

    /**
     * A judge at a version: the loaded one when its version is asked for (or none is), else a past version read back
     * from its stored file, as long as that file still reads (its models' providers are still configured).
     */
    public Uni<Found> find(String name, String version) {
        return find(name, version, false);
    }

    /**
     * The judge a task was made for. The same as {@link #find}, except that a version no process recorded (a task made
     * before versions were kept) runs as the loaded judge.
     */
    public Uni<Found> forTask(String name, String version) {
        return find(name, version, true);
    }

    private Uni<Found> find(String name, String version, boolean unrecordedIsLoaded) {
        JudgeDefinition loaded = catalog.find(name).orElse(null);
        if (loaded != null && (version == null || loaded.version().equals(version))) {
            return Uni.createFrom().item(new Found(loaded, null));
        }
        if (version == null) {
            return Uni.createFrom().item(new Found(null, "judge '" + name + "' is not loaded"));
        }
        JudgeDefinition cached = past.getIfPresent(name + "@" + version);
        if (cached != null) {
            return Uni.createFrom().item(new Found(cached, null));
        }
        return pool.preparedQuery(ONE).execute(Tuple.of(name, version)).map(rows -> {
            if (rows.size() == 0 && loaded != null && unrecordedIsLoaded) {
                // a version no process recorded (tasks made before versions were kept) runs as the loaded one
                return new Found(loaded, null);
            }
            if (rows.size() == 0) {
                return new Found(null, "judge '" + name + "' has no version " + version + " (GET /api/judges/" + name + "/versions lists them)");
            }
            var row = rows.iterator().next();
            DefinitionFiles.Read<JudgeDefinition> read = new JudgeFileReader(catalog.providers())
                    .readText(row.getString("definition"), row.getString("file"));
            if (read.definition() == null) {
                return new Found(null, "version " + version + " of judge '" + name + "' no longer reads: " + read.problems().stream()
                        .map(Object::toString).collect(java.util.stream.Collectors.joining("; ")));
            }
            if (!read.definition().version().equals(version)) {
                return new Found(null, "version " + version + " of judge '" + name + "' reads back as version " + read.definition().version());
            }
            past.put(name + "@" + version, read.definition());
            return new Found(read.definition(), null);
        });
    }

    /**
     * A version as stored, with its gate: {@code gateStatus} pending, passed or failed (null: the version has no gate),
     * why, its figures (JSON), the run that judged the reference, the cost estimate and any confirmed cost.
     */
    public record Version(String name, String version, String definition, String file, Instant firstSeenAt, String firstSeenBy,
                          String gateStatus, String gateReason, String gateFigures, String gateRunId, Double gateEstimate,
                          Double gateConfirmedCost, boolean gateRequested, Instant gateDecidedAt) {

        static Version of(io.vertx.mutiny.sqlclient.Row row) {
            java.time.OffsetDateTime decided = row.getOffsetDateTime("gate_decided_at");
            return new Version(row.getString("name"), row.getString("version"), row.getString("definition"), row.getString("file"),
                    row.getOffsetDateTime("first_seen_at").toInstant(), row.getString("first_seen_by"), row.getString("gate_status"),
                    row.getString("gate_reason"), row.getString("gate_figures"), row.getString("gate_run_id"), row.getDouble("gate_estimate"),
                    row.getDouble("gate_confirmed_cost"), Boolean.TRUE.equals(row.getBoolean("gate_requested")),
                    decided == null ? null : decided.toInstant());
        }
    }

    /** Where a version's validation stands, as the gate job writes it. */
    public record GateState(String status, String reason, String figures, String runId, Double estimate, boolean requested,
                            Instant decidedAt) {
    }

    /** One version, if it was ever recorded. */
    public Uni<java.util.Optional<Version>> version(String name, String version) {
        return pool.preparedQuery(OF_VERSION).execute(Tuple.of(name, version))
                .map(rows -> rows.size() == 0 ? java.util.Optional.<Version>empty() : java.util.Optional.of(Version.of(rows.iterator().next())));
    }

    /** Up to {@code limit} pending versions, locked on the caller's transaction until it ends. */
    public Uni<List<Version>> lockPending(io.vertx.mutiny.sqlclient.SqlConnection connection, int limit) {
        return connection.preparedQuery(PENDING).execute(Tuple.of(limit)).map(rows -> {
            List<Version> found = new ArrayList<>();
            rows.forEach(row -> found.add(Version.of(row)));
            return found;
        });
    }

    /** Writes where a version's validation stands, on the caller's transaction. */
    public Uni<Void> setGate(io.vertx.mutiny.sqlclient.SqlConnection connection, String name, String version, GateState state) {
        return connection.preparedQuery(SET_GATE).execute(Tuple.tuple(Arrays.asList(name, version, state.status(), state.reason(),
                state.figures(), state.runId(), state.estimate(), state.requested(), Times.now().atOffset(ZoneOffset.UTC),
                state.decidedAt() == null ? null : state.decidedAt().atOffset(ZoneOffset.UTC)))).replaceWithVoid();
    }

    /** Asks for a gated version's validation (with a confirmed cost); empty when there is no such gated version. */
    public Uni<java.util.Optional<Version>> requestValidation(String name, String version, Double confirmedCost) {
        return pool.preparedQuery(REQUEST).execute(Tuple.of(name, version, confirmedCost))
                .map(rows -> rows.size() == 0 ? java.util.Optional.<Version>empty() : java.util.Optional.of(Version.of(rows.iterator().next())));
    }

    /** Records the loaded judges' versions; returns the names of the judges whose loaded version no process had seen before. */
    public Uni<java.util.Set<String>> record() {
        List<Tuple> rows = new ArrayList<>();
        Instant now = Times.now();
        for (JudgeDefinition judge : catalog.all()) {
            String text = text(judge);
            DefinitionFiles.Read<JudgeDefinition> again = new JudgeFileReader(catalog.providers()).readText(text, judge.file());
            if (again.definition() == null || !again.definition().version().equals(judge.version())) {
                // the file changed (or went) since it was loaded: the text would not be this version's
                org.jboss.logging.Logger.getLogger(JudgeVersions.class).warnf("Judge %s: its file changed since it was loaded; version %s "
                        + "is recorded at the next start", judge.name(), judge.version());
                continue;
            }
            rows.add(Tuple.tuple(Arrays.asList(judge.name(), judge.version(), text, judge.file(), now.atOffset(ZoneOffset.UTC),
                    ProcessName.get(), judge.gate() == null ? null : "pending",
                    judge.gate() == null ? null : "a new version: validated against " + judge.gate().reference().describe() + " next")));
        }
        return rows.isEmpty() ? Uni.createFrom().item(java.util.Set.of())
                : pool.preparedQuery(RECORD).executeBatch(rows).map(results -> {
                    java.util.Set<String> first = new java.util.TreeSet<>();
                    for (io.vertx.mutiny.sqlclient.RowSet<io.vertx.mutiny.sqlclient.Row> result = results; result != null; result = result.next()) {
                        result.forEach(row -> first.add(row.getString("name")));
                    }
                    return first;
                });
    }

    /** A judge's versions, newest first. */
    public Uni<List<Version>> of(String name) {
        return pool.preparedQuery(OF_JUDGE).execute(Tuple.of(name)).map(found -> {
            List<Version> versions = new ArrayList<>();
            found.forEach(row -> versions.add(Version.of(row)));
            return versions;
        });
    }

    /** The judge's file as it was read (its version is a hash of what it defines). */
    private static String text(JudgeDefinition judge) {
        try {
            return Files.readString(Path.of(judge.file()));
        } catch (IOException | RuntimeException e) {
            return "# the file " + judge.file() + " could not be read again: " + e.getMessage();
        }
    }

    /** A version as pages show it where space is short: ten characters at most. */
    public static String shortForm(String version) {
        return version.length() <= 10 ? version : version.substring(0, 8) + "…";
    }
}
