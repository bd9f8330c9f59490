package dev.tribunal.budget;

import java.util.List;

/**
 * A budget as {@code GET /api/budgets} shows it.
 *
 * @param scope {@code global}, {@code provider}, {@code judge} or {@code sweep}
 * @param name the provider's, judge's or sweep's name; empty for the global budget
 * @param onExhausted {@code wait} or {@code error} for a sweep's budget; null for the others (their judgments end as errors)
 * @param spentToday what the judgments it counts cost today (UTC), settled calls only
 * @param reservedNow the largest possible cost of its calls in flight, held until their judgments are written
 * @param exhausted whether today's spend reached the limit: no more calls in its scope today
 * @param spentLast30Days the sum of {@code days}
 * @param days the last 30 UTC days, today last, each with what was spent (0 for days without judgments)
 */
public record BudgetView(String scope, String name, double limitPerDay, String onExhausted, double spentToday, double reservedNow,
                         boolean exhausted, double spentLast30Days, List<DayView> days) {

    /** One day's spend. */
    public record DayView(String day, double spent) {
    }

    /** {@code {"day": "2026-12-06", "budgets": [...]}}: today's UTC date and every budget. */
    public record BudgetListView(String day, List<BudgetView> budgets) {
    }
}
