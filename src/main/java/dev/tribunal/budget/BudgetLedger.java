package dev.tribunal.budget;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The budgets' ledger, the only code that reads and writes {@code budget_spend} and {@code budget_reservation}: a call
 * reserves its largest possible cost on every budget that counts it, all or none, before it is sent; its judgment's
 * write settles the reservation to the actual cost; reservations never settled expire.
 * <p>
 * A reservation is taken by one conditional update per budget ({@code spent + reserved < limit}), which PostgreSQL
 * checks again on the row it locked, so calls of every replica at once cannot all pass on the same room: once a
 * budget's spent and reserved reach its limit, no call is let through until a settlement gives room back. Budgets are
 * locked in the order of their keys (and days), by reservations and settlements alike, so that two cannot deadlock.
 */
@ApplicationScoped
public class BudgetLedger {

    /** The day's rows of the budgets, created when missing. */
    private static final String OPEN = "insert into budget_spend (budget, day) select b, $2 from unnest($1::text[]) as u(b) "
            + "order by b on conflict do nothing";
    private static final String RESERVE = "update budget_spend set reserved = reserved + $3 where budget = $1 and day = $2 "
            + "and spent + reserved < $4";
    private static final String READ = "select spent, reserved from budget_spend where budget = $1 and day = $2";
    private static final String HOLD = "insert into budget_reservation (reservation_id, day, budgets, amount, expires_at) "
            + "values ($1, $2, $3, $4, now() + make_interval(secs => $5))";
    private static final String TAKE = "delete from budget_reservation where reservation_id = any($1) returning reservation_id";
    private static final String SETTLE = "update budget_spend set reserved = greatest(0, reserved - $3), spent = spent + $4 "
            + "where budget = $1 and day = $2";
    /** A batch of expired reservations; another process expiring at the same time skips the rows this one took. */
    private static final String EXPIRED = "delete from budget_reservation where reservation_id in (select reservation_id "
            + "from budget_reservation where expires_at < now() order by expires_at limit 500 for update skip locked) "
            + "returning day, budgets, amount";
    private static final String SPEND = "select budget, day, spent, reserved from budget_spend where day >= $1 and budget = any($2)";

    private final Pool pool;
    private final BudgetConfig config;
    private final MeterRegistry metrics;
    private final Map<String, Counter> spent = new ConcurrentHashMap<>();

    BudgetLedger(Pool pool, BudgetConfig config, MeterRegistry metrics) {
        this.pool = pool;
        this.config = config;
        this.metrics = metrics;
    }

    /** The day budgets count now. */
    public static LocalDate today() {
        return LocalDate.now(ZoneOffset.UTC);
    }

    /** What a reservation came to. */
    public sealed interface Outcome permits Reserved, Exhausted, Busy {
    }

    /** Room on every budget: the call may go. */
    public record Reserved(Reservation reservation) implements Outcome {
    }

    /** The day's spend of {@code limit} reached it: no call goes until the next UTC day. */
    public record Exhausted(Limit limit, double spent) implements Outcome {
    }

    /** The budget's room is held by calls in flight; their settlement may give some back. */
    public record Busy(Limit limit) implements Outcome {
    }

    /** Reserves {@code amount} on every one of {@code limits} for today, or on none of them. */
    Uni<Outcome> reserve(List<Limit> limits, double amount) {
        java.time.Duration hold = config.reservationTtl();
        LocalDate day = today();
        List<Limit> sorted = limits.stream().sorted(Comparator.comparing(Limit::key)).toList();
        String[] keys = sorted.stream().map(Limit::key).toArray(String[]::new);
        Reservation reservation = new Reservation(UUID.randomUUID(), day, sorted, amount);
        return pool.withTransaction(connection -> connection.preparedQuery(OPEN).execute(Tuple.of(keys, day))
                        .chain(() -> take(connection, sorted, 0, day, amount))
                        .chain(() -> connection.preparedQuery(HOLD).execute(Tuple.tuple(List.of(reservation.id(), day, keys, amount,
                                (double) hold.toSeconds()))))
                        .map(ignored -> (Outcome) new Reserved(reservation)))
                // the refusal rolled the reservations already taken back
                .onFailure(Refused.class).recoverWithItem(failure -> ((Refused) failure).outcome);
    }

    private Uni<Void> take(SqlConnection connection, List<Limit> limits, int index, LocalDate day, double amount) {
        if (index == limits.size()) {
            return Uni.createFrom().voidItem();
        }
        Limit limit = limits.get(index);
        return connection.preparedQuery(RESERVE).execute(Tuple.of(limit.key(), day, amount, limit.perDay()))
                .chain(updated -> updated.rowCount() == 1 ? take(connection, limits, index + 1, day, amount)
                        : connection.preparedQuery(READ).execute(Tuple.of(limit.key(), day)).map(read -> {
                            double spentToday = read.iterator().next().getDouble("spent");
                            throw new Refused(spentToday >= limit.perDay() ? new Exhausted(limit, spentToday) : new Busy(limit));
                        }));
    }

    /** Ends a reservation transaction that found no room. */
    private static final class Refused extends RuntimeException {
        final transient Outcome outcome;

        Refused(Outcome outcome) {
            super(null, null, false, false);
            this.outcome = outcome;
        }
    }

    /**
     * Settles reservations to their actual costs within the transaction that writes their judgments: the amount each
     * held is given back and what it cost is spent. A reservation that expired meanwhile (its amount already given back)
     * only adds its cost.
     */
    public Uni<Void> settle(SqlConnection connection, List<Reservation> reservations) {
        if (reservations.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        UUID[] ids = reservations.stream().map(Reservation::id).toArray(UUID[]::new);
        return connection.preparedQuery(TAKE).execute(Tuple.of(ids))
                .chain(taken -> {
                    Set<UUID> held = new HashSet<>();
                    taken.forEach(row -> held.add(row.getUUID("reservation_id")));
                    Map<String, double[]> changes = new TreeMap<>();
                    for (Reservation r : reservations) {
                        for (Limit limit : r.limits()) {
                            double[] change = changes.computeIfAbsent(limit.key() + '|' + r.day(), k -> new double[2]);
                            change[0] += held.contains(r.id()) ? r.amount() : 0;
                            change[1] += r.actual();
                        }
                    }
                    return apply(connection, changes);
                })
                .invoke(() -> count(reservations));
    }

    /** Settles reservations in a transaction of their own (judgments that are not written as a run's tasks). */
    public Uni<Void> settle(List<Reservation> reservations) {
        if (reservations.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.withTransaction(connection -> settle(connection, reservations));
    }

    private static final String HELD = "select reservation_id, day, budgets, amount from budget_reservation where reservation_id = any($1)";
    private static final String EXTEND = "update budget_reservation set expires_at = now() + make_interval(secs => $2) where reservation_id = any($1)";

    /** Holds reservations not settled or expired yet for {@code hold} from now. */
    Uni<Void> extend(java.util.Collection<UUID> ids, java.time.Duration hold) {
        if (ids.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery(EXTEND).execute(Tuple.of(ids.toArray(UUID[]::new), (double) hold.toSeconds())).replaceWithVoid();
    }

    /**
     * The reservations of these ids still held (neither settled nor expired), as they were made, for a process other
     * than the one that made them to settle; {@code limits} gives each budget by its key (a budget no longer set is left
     * out of the reservation: its spend is no longer counted).
     */
    Uni<List<Reservation>> held(java.util.Collection<UUID> ids, java.util.function.Function<String, Limit> limits) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return pool.preparedQuery(HELD).execute(Tuple.of(ids.toArray(UUID[]::new))).map(rows -> {
            List<Reservation> held = new ArrayList<>();
            for (Row row : rows) {
                List<Limit> counted = java.util.Arrays.stream(row.getArrayOfStrings("budgets")).map(limits).filter(java.util.Objects::nonNull).toList();
                held.add(new Reservation(row.getUUID("reservation_id"), row.getLocalDate("day"), counted, row.getDouble("amount")));
            }
            return held;
        });
    }

    /** Hands back the amounts of reservations whose judgments were never written; how many expired. */
    Uni<Integer> expire() {
        return pool.withTransaction(connection -> connection.preparedQuery(EXPIRED).execute()
                .chain(expired -> {
                    Map<String, double[]> changes = new TreeMap<>();
                    expired.forEach(row -> {
                        for (String budget : row.getArrayOfStrings("budgets")) {
                            changes.computeIfAbsent(budget + '|' + row.getLocalDate("day"), k -> new double[2])[0] += row.getDouble("amount");
                        }
                    });
                    return apply(connection, changes).replaceWith(expired.rowCount());
                }));
    }

    /** Each budget's change (given back, spent), keyed {@code budget|day}, in key order. */
    private static Uni<Void> apply(SqlConnection connection, Map<String, double[]> changes) {
        List<Tuple> rows = new ArrayList<>();
        changes.forEach((key, change) -> {
            int bar = key.lastIndexOf('|');
            rows.add(Tuple.of(key.substring(0, bar), LocalDate.parse(key.substring(bar + 1)), change[0], change[1]));
        });
        return rows.isEmpty() ? Uni.createFrom().voidItem() : connection.preparedQuery(SETTLE).executeBatch(rows).replaceWithVoid();
    }

    private void count(List<Reservation> reservations) {
        for (Reservation r : reservations) {
            if (r.actual() > 0) {
                r.limits().forEach(limit -> spent.computeIfAbsent(limit.key(), k -> metrics.counter("tribunal.budget.spent",
                        "scope", limit.scope().label(), "name", limit.name())).increment(r.actual()));
            }
        }
    }

    /** Those of {@code limits} whose spend today reached them. */
    public Uni<List<Limit>> exhausted(List<Limit> limits) {
        LocalDate today = today();
        return spend(limits.stream().map(Limit::key).toList(), today).map(rows -> {
            Map<String, Double> spentToday = new java.util.HashMap<>();
            rows.stream().filter(row -> row.day().equals(today)).forEach(row -> spentToday.put(row.budget(), row.spent()));
            return limits.stream().filter(limit -> spentToday.getOrDefault(limit.key(), 0.0) >= limit.perDay()).toList();
        });
    }

    /** One budget's spend on one day. */
    public record DaySpend(String budget, LocalDate day, double spent, double reserved) {
    }

    /** The spend of these budgets (by key) on every day since {@code from}; days without a row spent nothing. */
    public Uni<List<DaySpend>> spend(List<String> budgets, LocalDate from) {
        return pool.preparedQuery(SPEND).execute(Tuple.of(from, budgets.toArray(String[]::new)))
                .map(rows -> {
                    List<DaySpend> all = new ArrayList<>();
                    for (Row row : rows) {
                        all.add(new DaySpend(row.getString("budget"), row.getLocalDate("day"), row.getDouble("spent"),
                                row.getDouble("reserved")));
                    }
                    return all;
                });
    }
}
