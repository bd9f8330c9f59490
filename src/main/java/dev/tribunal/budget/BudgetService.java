package dev.tribunal.budget;

import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Each budget with its spend: today's, what calls in flight hold, and the last 30 days'. */
@ApplicationScoped
public class BudgetService {

    /** Days a budget's history shows, today included. */
    public static final int HISTORY_DAYS = 30;

    private final Budgets budgets;
    private final BudgetLedger ledger;

    BudgetService(Budgets budgets, BudgetLedger ledger) {
        this.budgets = budgets;
        this.ledger = ledger;
    }

    /** Each of these budgets' spend today, by key. */
    public Uni<Map<String, Double>> spentToday(List<Limit> limits) {
        if (limits.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        LocalDate today = BudgetLedger.today();
        return ledger.spend(limits.stream().map(Limit::key).toList(), today).map(rows -> {
            Map<String, Double> spent = new HashMap<>();
            rows.stream().filter(row -> row.day().equals(today)).forEach(row -> spent.put(row.budget(), row.spent()));
            return spent;
        });
    }

    public Uni<BudgetView.BudgetListView> list() {
        LocalDate today = BudgetLedger.today();
        LocalDate from = today.minusDays(HISTORY_DAYS - 1);
        List<Limit> all = budgets.all();
        if (all.isEmpty()) {
            return Uni.createFrom().item(new BudgetView.BudgetListView(today.toString(), List.of()));
        }
        return ledger.spend(all.stream().map(Limit::key).toList(), from).map(rows -> {
            Map<String, BudgetLedger.DaySpend> byKeyAndDay = new HashMap<>();
            rows.forEach(row -> byKeyAndDay.put(row.budget() + '|' + row.day(), row));
            List<BudgetView> views = new ArrayList<>();
            for (Limit limit : all) {
                List<BudgetView.DayView> days = new ArrayList<>();
                double total = 0;
                for (LocalDate day = from; !day.isAfter(today); day = day.plusDays(1)) {
                    BudgetLedger.DaySpend row = byKeyAndDay.get(limit.key() + '|' + day);
                    double spent = row == null ? 0 : row.spent();
                    total += spent;
                    days.add(new BudgetView.DayView(day.toString(), spent));
                }
                BudgetLedger.DaySpend now = byKeyAndDay.get(limit.key() + '|' + today);
                double spentToday = now == null ? 0 : now.spent();
                views.add(new BudgetView(limit.scope().label(), limit.name(), limit.perDay(),
                        limit.onExhausted() == null ? null : limit.onExhausted().label(), spentToday, now == null ? 0 : now.reserved(),
                        spentToday >= limit.perDay(), total, days));
            }
            return new BudgetView.BudgetListView(today.toString(), views);
        });
    }
}
