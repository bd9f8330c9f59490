package dev.tribunal.versions;

import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.system.ProcessName;
import dev.tribunal.system.Times;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

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
 * seen when and by whom. Each process records the versions it loaded at start; a version already known keeps its
 * first sighting.
 */
@ApplicationScoped
public class JudgeVersions {

    private static final Logger LOG = Logger.getLogger(JudgeVersions.class);

    private static final String RECORD = "insert into judge_version (name, version, definition, file, first_seen_at, first_seen_by) "
            + "values ($1, $2, $3, $4, $5, $6) on conflict (name, version) do nothing";
    private static final String OF_JUDGE = "select name, version, definition, file, first_seen_at, first_seen_by from judge_version "
            + "where name = $1 order by first_seen_at desc, version desc";

    private final JudgeCatalog catalog;
    private final Pool pool;

    JudgeVersions(JudgeCatalog catalog, Pool pool) {
        this.catalog = catalog;
        this.pool = pool;
    }

    /** A version as stored. */
    public record Version(String name, String version, String definition, String file, Instant firstSeenAt, String firstSeenBy) {
    }

    void onStart(@Observes StartupEvent event) {
        record().subscribe().with(
                recorded -> LOG.debugf("Recorded the versions of %d judges", recorded),
                failure -> LOG.errorf("Recording the loaded judges' versions failed: %s; they are recorded at the next start", failure.toString()));
    }

    /** Records the loaded judges' versions; returns how many judges were looked at. */
    Uni<Integer> record() {
        List<Tuple> rows = new ArrayList<>();
        Instant now = Times.now();
        for (JudgeDefinition judge : catalog.all()) {
            rows.add(Tuple.tuple(Arrays.asList(judge.name(), judge.version(), text(judge), judge.file(), now.atOffset(ZoneOffset.UTC),
                    ProcessName.get())));
        }
        return rows.isEmpty() ? Uni.createFrom().item(0)
                : pool.preparedQuery(RECORD).executeBatch(rows).map(ignored -> rows.size());
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
