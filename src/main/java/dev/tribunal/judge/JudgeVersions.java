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

    private static final String RECORD = "insert into judge_version (name, version, definition, file, first_seen_at, first_seen_by) "
            + "values ($1, $2, $3, $4, $5, $6) on conflict (name, version) do nothing returning name";
    private static final String OF_JUDGE = "select name, version, definition, file, first_seen_at, first_seen_by from judge_version "
            + "where name = $1 order by first_seen_at desc, version desc";

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

    /** A version as stored. */
    public record Version(String name, String version, String definition, String file, Instant firstSeenAt, String firstSeenBy) {
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
                    ProcessName.get())));
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
            found.forEach(row -> versions.add(new Version(row.getString("name"), row.getString("version"), row.getString("definition"),
                    row.getString("file"), row.getOffsetDateTime("first_seen_at").toInstant(), row.getString("first_seen_by"))));
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
}
