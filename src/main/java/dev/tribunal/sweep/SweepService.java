package dev.tribunal.sweep;

import dev.tribunal.budget.BudgetService;
import dev.tribunal.budget.Limit;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.llm.ModelId;
import dev.tribunal.run.RunTotals;
import dev.tribunal.run.RunTotals.Totals;
import dev.tribunal.system.ConflictException;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** The sweeps with their state, and triggering a tick now. */
@ApplicationScoped
public class SweepService {

    private static final String STATE = "select s.name, s.next_tick_at, s.last_tick_at, s.last_run_id, s.last_tick_traces, s.ticks, "
            + "s.traces_judged, extract(epoch from now() - (select min(c.after_time) from sweep_checkpoint c where c.sweep = s.name)) as lag "
            + "from sweep s where s.name = any($1)";

    private final SweepCatalog catalog;
    private final SweepTicker ticker;
    private final SweepReadiness readiness;
    private final Pool pool;
    private final RunTotals runs;
    private final MeterRegistry metrics;
    private final Map<String, AtomicLong> lag = new ConcurrentHashMap<>();
    private final BudgetService budgets;

    SweepService(SweepCatalog catalog, SweepTicker ticker, Pool pool, RunTotals runs, MeterRegistry metrics, SweepReadiness readiness,
                 BudgetService budgets) {
        this.budgets = budgets;
        this.readiness = readiness;
        this.catalog = catalog;
        this.ticker = ticker;
        this.pool = pool;
        this.runs = runs;
        this.metrics = metrics;
    }

    public Uni<List<SweepView>> list() {
        List<SweepDefinition> sweeps = List.copyOf(catalog.all());
        List<String> names = sweeps.stream().map(SweepDefinition::name).toList();
        List<Limit> limits = sweeps.stream().map(SweepDefinition::budget).filter(java.util.Objects::nonNull).toList();
        return pool.preparedQuery(STATE).execute(Tuple.of(names.toArray(String[]::new)))
                .chain(rows -> runs.ofSweeps(names).chain(totals -> budgets.spentToday(limits).map(spent -> {
                    Map<String, Row> state = new HashMap<>();
                    rows.forEach(row -> state.put(row.getString("name"), row));
                    return sweeps.stream().map(s -> view(s, state.get(s.name()), totals.getOrDefault(s.name(), Totals.NONE), spent)).toList();
                })));
    }

    public Uni<SweepView> get(String name) {
        SweepDefinition sweep = catalog.require(name);
        return list().map(all -> all.stream().filter(v -> v.name().equals(sweep.name())).findFirst().orElseThrow());
    }

    public Uni<SweepView.TriggeredView> trigger(String name) {
        SweepDefinition sweep = catalog.require(name);
        if (!sweep.enabled()) {
            throw new ConflictException("Sweep " + name + " is disabled (enabled: false in " + sweep.file() + ")");
        }
        return ticker.trigger(name).map(ok -> new SweepView.TriggeredView(name, ok,
                "the tick runs within a second, on one of the Tribunal processes; GET /api/sweeps/" + name + " shows it"));
    }

    private SweepView view(SweepDefinition s, Row state, Totals totals, Map<String, Double> spent) {
        Long lagSeconds = state == null || state.getValue("lag") == null ? null : Math.round(state.getDouble("lag"));
        if (lagSeconds != null) {
            lag.computeIfAbsent(s.name(), n -> metrics.gauge("tribunal.sweep.lag.seconds",
                    io.micrometer.core.instrument.Tags.of("sweep", n), new AtomicLong())).set(lagSeconds);
        }
        return new SweepView(s.name(), s.judges().stream().map(JudgeDefinition::name).toList(),
                s.models().stream().map(ModelId::toString).toList(), s.schedule(), s.tags(), s.state(), s.sampleRate(),
                text(s.delay()), text(s.lookback()), s.maxTracesPerTick(), s.rejudgeOnVersionChange(), s.enabled(), s.file(),
                instant(state, "next_tick_at"), instant(state, "last_tick_at"), state == null ? null : state.getString("last_run_id"),
                state == null ? null : state.getInteger("last_tick_traces"), state == null ? 0 : state.getLong("ticks"),
                state == null ? 0 : state.getLong("traces_judged"), state == null ? 0 : totals.judgments(),
                state == null ? 0 : totals.errored(), lagSeconds, readiness.problems(s), s.mode().name().toLowerCase(java.util.Locale.ROOT),
                budget(s.budget(), spent));
    }

    private static SweepView.SweepBudgetView budget(Limit limit, Map<String, Double> spent) {
        if (limit == null) {
            return null;
        }
        double today = spent.getOrDefault(limit.key(), 0.0);
        return new SweepView.SweepBudgetView(limit.perDay(), limit.onExhausted().label(), today, today >= limit.perDay());
    }

    private static Instant instant(Row row, String column) {
        return row == null || row.getOffsetDateTime(column) == null ? null : row.getOffsetDateTime(column).toInstant();
    }

    private static String text(java.time.Duration d) {
        return d.toString().substring(2).toLowerCase(java.util.Locale.ROOT);
    }
}
