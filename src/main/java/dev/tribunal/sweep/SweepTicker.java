package dev.tribunal.sweep;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import dev.tribunal.budget.BudgetLedger;
import dev.tribunal.budget.Limit;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.run.RunService;
import dev.tribunal.trace.ArrivedTraces;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs sweeps' ticks. Every process looks once a second for a sweep whose tick is due; the tick is
 * taken by locking the sweep's row ({@code FOR UPDATE SKIP LOCKED}), so one process runs it and ticks
 * never overlap, across replicas too. In the tick's transaction: the traces that arrived since each
 * judge's checkpoint are selected (filtered, sampled, oldest first, at most max_traces_per_tick), the
 * run is created, and the checkpoints and next tick are written, all or nothing. The traces are the trace
 * feature's ({@link ArrivedTraces}); the sweep and checkpoint rows are this class's.
 */
@ApplicationScoped
public class SweepTicker {

    private static final Logger LOG = Logger.getLogger(SweepTicker.class);
    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

    private static final String ENSURE = "insert into sweep (name, schedule, next_tick_at) values ($1, $2, $3) on conflict (name) "
            + "do update set next_tick_at = case when sweep.schedule = excluded.schedule then sweep.next_tick_at "
            + "else excluded.next_tick_at end, schedule = excluded.schedule";
    private static final String LOCK_DUE = "select now() as now from sweep where name = $1 and next_tick_at <= now() "
            + "for update skip locked";
    private static final String CHECKPOINTS = "select judge_name, judge_version, versions, after_time, after_trace from sweep_checkpoint "
            + "where sweep = $1";
    private static final String SAVE_CHECKPOINT = "insert into sweep_checkpoint (sweep, judge_name, judge_version, versions, after_time, "
            + "after_trace) values ($1, $2, $3::text, array[$3::text], $4, $5) on conflict (sweep, judge_name) do update set "
            + "judge_version = excluded.judge_version, after_time = excluded.after_time, after_trace = excluded.after_trace, "
            + "versions = case when excluded.judge_version = any(sweep_checkpoint.versions) then sweep_checkpoint.versions "
            + "else sweep_checkpoint.versions || excluded.judge_version end";
    private static final String TICKED = "update sweep set next_tick_at = $2, last_tick_at = $3, last_run_id = coalesce($4, last_run_id), "
            + "last_tick_traces = $5::int, ticks = ticks + 1, traces_judged = traces_judged + $5::int where name = $1";
    private static final String TRIGGER = "update sweep set next_tick_at = now() where name = $1";

    private final SweepCatalog catalog;
    private final Pool pool;
    private final RunService runs;
    private final SweepReadiness readiness;
    private final AtomicBoolean ticking = new AtomicBoolean();
    private volatile boolean ensured;

    private final dev.tribunal.judge.JudgeChampions champions;

    private final dev.tribunal.judge.JudgeVersions versions;

    private final BudgetLedger ledger;

    SweepTicker(SweepCatalog catalog, Pool pool, RunService runs, SweepReadiness readiness, dev.tribunal.judge.JudgeChampions champions,
                dev.tribunal.judge.JudgeVersions versions, BudgetLedger ledger) {
        this.ledger = ledger;
        this.versions = versions;
        this.champions = champions;
        this.readiness = readiness;
        this.catalog = catalog;
        this.pool = pool;
        this.runs = runs;
    }

    @Scheduled(every = "1s", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        if (catalog.all().isEmpty() || !ticking.compareAndSet(false, true)) {
            return;
        }
        Uni<Void> ensure = ensured ? Uni.createFrom().voidItem() : ensureRows().invoke(() -> ensured = true).chain(this::announce);
        ensure.chain(() -> Multi.createFrom().iterable(catalog.all().stream().filter(SweepDefinition::enabled).toList())
                        .onItem().transformToUniAndConcatenate(this::tickIfDue)
                        .collect().last())
                .subscribe().with(
                        ignored -> ticking.set(false),
                        failure -> {
                            ticking.set(false);
                            LOG.warnf("Sweep ticks failed: %s", failure.toString());
                        });
    }

    /** Makes the sweep due now; the tick happens within a second, on whichever process takes it. */
    public Uni<Boolean> trigger(String name) {
        return ensureRows()
                .chain(() -> pool.preparedQuery(TRIGGER).execute(Tuple.of(name)))
                .map(rows -> rows.rowCount() > 0)
                .invoke(this::tick);
    }

    private static final String NEXT_TICKS = "select name, next_tick_at from sweep where name = any($1)";

    /** At start, once the rows exist: each sweep, enabled or not, with its next tick and what keeps it from judging. */
    private Uni<Void> announce() {
        return pool.preparedQuery(NEXT_TICKS).execute(Tuple.of(catalog.all().stream().map(SweepDefinition::name).toArray(String[]::new)))
                .invoke(rows -> {
                    Map<String, Instant> next = new LinkedHashMap<>();
                    rows.forEach(row -> next.put(row.getString("name"), row.getOffsetDateTime("next_tick_at").toInstant()));
                    readiness.announce(catalog.all(), next);
                })
                .replaceWithVoid();
    }

    /** A row per sweep; a sweep whose schedule changed gets its next tick from the new one. */
    private Uni<Void> ensureRows() {
        Instant now = Instant.now();
        List<Tuple> rows = catalog.all().stream()
                .map(s -> Tuple.of(s.name(), s.schedule(), utc(next(s, now))))
                .toList();
        return rows.isEmpty() ? Uni.createFrom().voidItem() : pool.preparedQuery(ENSURE).executeBatch(rows).replaceWithVoid();
    }

    /**
     * A sweep that waits for the next UTC day once its budget is spent does not tick meanwhile: its tick stays due, and
     * the first tick of the next day takes the traces that arrived since its last one.
     */
    private Uni<Void> tickIfDue(SweepDefinition sweep) {
        Limit budget = sweep.budget();
        if (budget == null || budget.onExhausted() != Limit.OnExhausted.WAIT) {
            return tickIfDueNow(sweep);
        }
        return ledger.exhausted(List.of(budget)).chain(spent -> spent.isEmpty() ? tickIfDueNow(sweep) : Uni.createFrom().voidItem());
    }

    private Uni<Void> tickIfDueNow(SweepDefinition sweep) {
        return pool.withTransaction(connection -> connection.preparedQuery(LOCK_DUE).execute(Tuple.of(sweep.name()))
                        .chain(locked -> {
                            if (locked.rowCount() == 0) {
                                return Uni.createFrom().item(Optional.<Tick>empty());
                            }
                            OffsetDateTime now = locked.iterator().next().getOffsetDateTime("now");
                            return runTick(connection, sweep, now).map(Optional::of);
                        }))
                .invoke(tick -> tick.ifPresent(t -> {
                    LOG.infof("Sweep %s: %d new traces%s", sweep.name(), t.traces(), t.runId() == null ? "" : ", run " + t.runId());
                    readiness.warnAtTick(sweep);
                    if (t.runId() != null) {
                        runs.poll();
                    }
                }))
                .onFailure().invoke(e -> LOG.warnf("Tick of sweep %s failed: %s", sweep.name(), e.toString()))
                .onFailure().recoverWithItem(Optional.empty())
                .replaceWithVoid();
    }

    /** What a tick did. */
    private record Tick(int traces, String runId) {
    }

    /** A judge's checkpoint: everything up to (time, trace) was looked at; trace null: all of that time. */
    private record Checkpoint(OffsetDateTime time, String trace) {
    }

    private Uni<Tick> runTick(SqlConnection connection, SweepDefinition sweep, OffsetDateTime now) {
        // each judge as its champion at this tick: a version promoted since the last one takes over now
        return champions.champions(sweep.judges()).chain(judges -> challengers(sweep, judges)
                .chain(challengers -> runTick(connection, sweep, now, judges, challengers)));
    }

    /** A challenger as it runs at this tick: its judge at its version (or the champion), on its own model or as the champion runs. */
    private record Challenging(String champion, JudgeDefinition judge, dev.tribunal.llm.ModelId model) {
    }

    /**
     * The sweep's challengers at this tick; one that is now its judge's champion (same version and model), or cannot run
     * here, is left out.
     */
    private Uni<List<Challenging>> challengers(SweepDefinition sweep, List<JudgeDefinition> judges) {
        List<Uni<Challenging>> found = new ArrayList<>();
        for (SweepDefinition.Challenger c : sweep.challengers()) {
            JudgeDefinition champion = judges.stream().filter(j -> j.name().equals(c.judge())).findFirst().orElse(null);
            if (champion == null) {
                continue;
            }
            if (c.model() != null) {
                found.add(Uni.createFrom().item(champion.model().equals(c.model()) ? null : new Challenging(champion.name(), champion, c.model())));
            } else if (!c.version().equals(champion.version())) {
                found.add(versions.find(c.judge(), c.version()).map(v -> {
                    if (v.judge() == null) {
                        LOG.warnf("Sweep %s: challenger %s does not run: %s", sweep.name(), c.written(), v.problem());
                        return null;
                    }
                    return new Challenging(champion.name(), v.judge(), null);
                }));
            }
        }
        return found.isEmpty() ? Uni.createFrom().item(List.of())
                : Uni.join().all(found).andFailFast().map(all -> all.stream().filter(java.util.Objects::nonNull).toList());
    }

    private Uni<Tick> runTick(SqlConnection connection, SweepDefinition sweep, OffsetDateTime now, List<JudgeDefinition> judges,
                              List<Challenging> challengers) {
        return connection.preparedQuery(CHECKPOINTS).execute(Tuple.of(sweep.name()))
                .chain(stored -> {
                    Map<String, Row> byJudge = new LinkedHashMap<>();
                    stored.forEach(row -> byJudge.put(row.getString("judge_name"), row));
                    // judges with the same starting point share one query
                    Map<Checkpoint, List<JudgeDefinition>> groups = new LinkedHashMap<>();
                    for (JudgeDefinition judge : judges) {
                        Row row = byJudge.get(judge.name());
                        // a version is new once: not when replicas of an older and a newer one take turns
                        boolean newVersion = row != null && !java.util.Arrays.asList(row.getArrayOfStrings("versions")).contains(judge.version());
                        Checkpoint from = row == null || (newVersion && sweep.rejudgeOnVersionChange()) ? new Checkpoint(null, null)
                                : new Checkpoint(row.getOffsetDateTime("after_time"), row.getString("after_trace"));
                        groups.computeIfAbsent(from, k -> new ArrayList<>()).add(judge);
                    }
                    Map<JudgeDefinition, List<String>> traceIdsByJudge = new LinkedHashMap<>();
                    Map<JudgeDefinition, Checkpoint> reached = new LinkedHashMap<>();
                    Uni<Void> selected = Uni.createFrom().voidItem();
                    for (Map.Entry<Checkpoint, List<JudgeDefinition>> group : groups.entrySet()) {
                        selected = selected.chain(() -> candidates(connection, sweep, now, group.getKey())
                                .invoke(found -> group.getValue().forEach(judge -> {
                                    traceIdsByJudge.put(judge, found.traceIds());
                                    reached.put(judge, found.reached());
                                }))
                                .replaceWithVoid());
                    }
                    return selected
                            .chain(() -> runs.createForSweep(connection, sweep.name(), sweep.mode(), traceIdsByJudge, sweep.models(),
                                    challengers.stream().map(c -> new RunService.ChallengerTasks(c.judge(), c.model(), traceIdsByJudge
                                            .entrySet().stream().filter(e -> e.getKey().name().equals(c.champion())).findFirst()
                                            .map(Map.Entry::getValue).orElse(List.of()))).toList()))
                            .call(runId -> saveCheckpoints(connection, sweep, reached))
                            .chain(runId -> {
                                Set<String> traces = new LinkedHashSet<>();
                                traceIdsByJudge.values().forEach(traces::addAll);
                                Instant next = next(sweep, now.toInstant());
                                return connection.preparedQuery(TICKED)
                                        .execute(Tuple.tuple(java.util.Arrays.asList(sweep.name(), utc(next), now, runId.orElse(null),
                                                traces.size())))
                                        .map(ignored -> new Tick(traces.size(), runId.orElse(null)));
                            });
                });
    }

    /** Traces selected for a checkpoint, and the checkpoint that selection reaches. */
    private record Candidates(List<String> traceIds, Checkpoint reached) {
    }

    /**
     * The next traces for a checkpoint: sampled by a hash of (sweep, trace id), so every judge of the sweep sees the same
     * traces and a trace's fate does not change from one tick to the next.
     */
    private Uni<Candidates> candidates(SqlConnection connection, SweepDefinition sweep, OffsetDateTime now, Checkpoint from) {
        ArrivedTraces.Filter filter = new ArrivedTraces.Filter(sweep.delay(), sweep.lookback(), sweep.tags(), sweep.state(),
                sweep.sampleRate(), sweep.name(), sweep.maxTracesPerTick());
        return ArrivedTraces.after(connection, now, from.time(), from.trace(), filter).map(arrived -> {
            List<String> ids = arrived.stream().map(ArrivedTraces.Arrived::traceId).toList();
            // a full page stops at its last trace; a short one has seen everything up to the delay, and a
            // checkpoint never moves back (a delay raised in the file would otherwise judge traces twice)
            OffsetDateTime bound = now.minus(sweep.delay());
            ArrivedTraces.Arrived last = arrived.isEmpty() ? null : arrived.get(arrived.size() - 1);
            Checkpoint reached = ids.size() == sweep.maxTracesPerTick()
                    ? new Checkpoint(last.createdAt(), last.traceId())
                    : from.time() != null && !from.time().isBefore(bound) ? from : new Checkpoint(bound, null);
            return new Candidates(ids, reached);
        });
    }

    private static Uni<Void> saveCheckpoints(SqlConnection connection, SweepDefinition sweep, Map<JudgeDefinition, Checkpoint> reached) {
        List<Tuple> rows = new ArrayList<>();
        reached.forEach((judge, checkpoint) -> rows.add(Tuple.tuple(java.util.Arrays.asList(sweep.name(), judge.name(), judge.version(),
                checkpoint.time(), checkpoint.trace()))));
        return rows.isEmpty() ? Uni.createFrom().voidItem() : connection.preparedQuery(SAVE_CHECKPOINT).executeBatch(rows).replaceWithVoid();
    }

    /** The tick after {@code after}: an interval later, or the cron expression's next time (UTC). */
    static Instant next(SweepDefinition sweep, Instant after) {
        if (sweep.every() != null) {
            return after.plus(sweep.every());
        }
        return ExecutionTime.forCron(CRON.parse(sweep.cron()))
                .nextExecution(ZonedDateTime.ofInstant(after, ZoneOffset.UTC))
                .map(ZonedDateTime::toInstant)
                .orElse(after.plus(java.time.Duration.ofDays(365)));
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}
