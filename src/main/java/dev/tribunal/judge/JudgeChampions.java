package dev.tribunal.judge;

import dev.tribunal.system.ProcessName;
import dev.tribunal.system.Times;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The {@code judge_champion} table: for each judge, the version that runs, sweeps and comparisons use when they name
 * none. The version a process loads becomes the champion (a new one, or an earlier one whose file came back); an admin
 * may promote any version ever loaded instead (recorded with who), which stays champion until a version no process had
 * loaded before is loaded. A gated judge's loaded version does not become champion by being loaded: the newest version
 * that passed its gate is champion ({@link #passed}), or one promoted by hand; until one passes it has none.
 */
@ApplicationScoped
public class JudgeChampions {

    private static final Logger LOG = Logger.getLogger(JudgeChampions.class);

    private static final String CHOOSE = "insert into judge_champion (name, version, chosen_at, chosen_by, reason) values ($1, $2, $3, $4, $5) "
            + "on conflict (name) do update set version = excluded.version, chosen_at = excluded.chosen_at, chosen_by = excluded.chosen_by, "
            + "reason = excluded.reason";
    /** The loaded version becomes champion again (a file reverted to an earlier version), unless one was promoted by hand. */
    private static final String KEEP_OR_CHOOSE = "insert into judge_champion (name, version, chosen_at, chosen_by, reason) "
            + "values ($1, $2, $3, $4, $5) on conflict (name) do update set version = excluded.version, chosen_at = excluded.chosen_at, "
            + "chosen_by = excluded.chosen_by, reason = excluded.reason "
            + "where judge_champion.version <> excluded.version and judge_champion.reason not like 'promoted by %'";
    /** A version that passed its gate becomes champion when it is newer than the champion (or there is none). */
    private static final String PASSED = "insert into judge_champion (name, version, chosen_at, chosen_by, reason) values ($1, $2, $3, $4, $5) "
            + "on conflict (name) do update set version = excluded.version, chosen_at = excluded.chosen_at, chosen_by = excluded.chosen_by, "
            + "reason = excluded.reason where coalesce((select v.first_seen_at from judge_version v where v.name = judge_champion.name "
            + "and v.version = judge_champion.version), '-infinity') < (select v.first_seen_at from judge_version v where v.name = $1 "
            + "and v.version = $2) returning version";
    private static final String OF = "select name, version, chosen_at, chosen_by, reason from judge_champion where name = any($1)";

    private final JudgeCatalog catalog;
    private final JudgeVersions versions;
    private final Pool pool;

    JudgeChampions(JudgeCatalog catalog, JudgeVersions versions, Pool pool) {
        this.catalog = catalog;
        this.versions = versions;
        this.pool = pool;
    }

    /** A judge's champion: its version, when, by whom and why it was chosen. */
    public record Champion(String name, String version, Instant chosenAt, String chosenBy, String reason) {
    }

    void onStart(@Observes StartupEvent event) {
        settle().subscribe().with(
                champions -> {
                    champions.forEach(c -> {
                        JudgeDefinition loaded = catalog.find(c.name()).orElse(null);
                        LOG.infof("Judge %s runs version %s (%s)%s", c.name(), c.version(), c.reason(), loaded == null || loaded.version()
                                .equals(c.version()) ? "" : "; the loaded file is version " + loaded.version() + (loaded.gate() == null
                                ? ", run only when a run names it" : ", run only when a run names it until it passes its gate"));
                    });
                    catalog.all().stream().filter(j -> j.gate() != null && champions.stream().noneMatch(c -> c.name().equals(j.name())))
                            .forEach(j -> LOG.infof("Judge %s runs no version yet: none has passed its gate; the loaded version %s is "
                                    + "validated against %s first (runs that name it may use it)", j.name(), j.version(),
                                    j.gate().reference().describe()));
                },
                failure -> LOG.errorf("Recording the judges' versions failed: %s; runs use the champions recorded before (the loaded "
                        + "judges where there are none) until the next start", failure.toString()));
    }

    /**
     * Records the loaded versions, makes each one no process had seen before its judge's champion, keeps the champions
     * of the others; returns every loaded judge's champion.
     */
    Uni<List<Champion>> settle() {
        return versions.record().chain(first -> {
            List<Tuple> chosen = new ArrayList<>();
            List<Tuple> kept = new ArrayList<>();
            Instant now = Times.now();
            for (JudgeDefinition judge : catalog.all()) {
                if (judge.gate() != null) {
                    // a gated version becomes champion by passing its gate, not by being loaded
                    continue;
                }
                boolean isNew = first.contains(judge.name());
                (isNew ? chosen : kept).add(Tuple.tuple(Arrays.asList(judge.name(), judge.version(), now.atOffset(ZoneOffset.UTC),
                        ProcessName.get(), isNew ? "the newest version, first loaded by this process" : "the version loaded from its file")));
            }
            Uni<Void> written = Uni.createFrom().voidItem();
            if (!chosen.isEmpty()) {
                written = written.chain(() -> pool.preparedQuery(CHOOSE).executeBatch(chosen).replaceWithVoid());
            }
            if (!kept.isEmpty()) {
                written = written.chain(() -> pool.preparedQuery(KEEP_OR_CHOOSE).executeBatch(kept).replaceWithVoid());
            }
            return written.chain(() -> of(catalog.all().stream().map(JudgeDefinition::name).toList()));
        });
    }

    /** The champions of these judges (a judge without one is absent). */
    public Uni<List<Champion>> of(List<String> names) {
        return pool.preparedQuery(OF).execute(Tuple.of(names.toArray(String[]::new))).map(rows -> {
            List<Champion> found = new ArrayList<>();
            rows.forEach(row -> found.add(new Champion(row.getString("name"), row.getString("version"),
                    row.getOffsetDateTime("chosen_at").toInstant(), row.getString("chosen_by"), row.getString("reason"))));
            return found;
        });
    }

    /** A judge's champion, if it has one. */
    public Uni<Optional<Champion>> of(String name) {
        return of(List.of(name)).map(found -> found.stream().findFirst());
    }

    /**
     * The judge a run, sweep or comparison that names no version uses: its champion, read back from its stored file when
     * it is not the loaded version; the loaded judge when it has no champion yet or its champion no longer reads.
     */
    public Uni<JudgeVersions.Found> champion(String name) {
        return of(name).chain(champion -> {
            JudgeDefinition loaded = catalog.find(name).orElse(null);
            if (champion.isEmpty() && loaded != null && loaded.gate() != null) {
                return Uni.createFrom().item(new JudgeVersions.Found(null, "judge '" + name + "' has no version that passed its gate yet ("
                        + "GET /api/judges/" + name + "/versions says where its validation stands); a run may name a version to use it anyway"));
            }
            if (champion.isEmpty() || (loaded != null && loaded.version().equals(champion.get().version()))) {
                return Uni.createFrom().item(new JudgeVersions.Found(loaded, loaded == null ? "judge '" + name + "' is not loaded" : null));
            }
            return versions.find(name, champion.get().version()).map(found -> {
                if (found.judge() == null && loaded != null) {
                    LOG.warnf("Judge %s: its champion %s cannot run (%s); the loaded version %s runs instead", name, champion.get().version(),
                            found.problem(), loaded.version());
                    return new JudgeVersions.Found(loaded, null);
                }
                return found;
            });
        });
    }

    /**
     * The champions of these judges, each read back where it is not the loaded version; a gated judge with no champion
     * yet is left out (nothing it has passed may run).
     */
    public Uni<List<JudgeDefinition>> champions(List<JudgeDefinition> judges) {
        if (judges.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Uni.join().all(judges.stream().map(j -> champion(j.name())
                .map(found -> found.judge() != null ? found.judge() : j.gate() != null ? null : j)).toList()).andFailFast()
                .map(found -> found.stream().filter(java.util.Objects::nonNull).toList());
    }

    /**
     * A version passed its gate: it becomes champion when it is newer than the champion (by first sighting) or the judge
     * has none. Returns whether it did.
     */
    public Uni<Boolean> passed(io.vertx.mutiny.sqlclient.SqlConnection connection, String name, String version, String reason) {
        return connection.preparedQuery(PASSED).execute(Tuple.tuple(Arrays.asList(name, version, Times.now().atOffset(ZoneOffset.UTC),
                ProcessName.get(), reason))).map(rows -> rows.size() > 0);
    }

    /** Makes a version its judge's champion by hand. */
    public Uni<Champion> promote(String name, String version, String by) {
        Instant now = Times.now();
        String reason = "promoted by " + by;
        return pool.preparedQuery(CHOOSE).execute(Tuple.tuple(Arrays.asList(name, version, now.atOffset(ZoneOffset.UTC), by, reason)))
                .map(ignored -> new Champion(name, version, now, by, reason));
    }
}
