package dev.tribunal.sweep;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A sweep as {@code GET /api/sweeps} shows it: its definition and how it is doing.
 *
 * @param lagSeconds how far behind the sweep is: seconds since the oldest point any of its judges has reached
 * @param errored judgments of its runs that ended in an error
 * @param warnings what keeps its judgments from being made (a judge's provider without its API key, say); empty when nothing
 * @param mode how its runs send their calls: {@code online} or {@code batch}
 * @param budget its own daily cost budget and today's spend; null when it has none
 */
public record SweepView(
        String name,
        List<String> judges,
        List<String> models,
        String schedule,
        Map<String, String> filterTags,
        String filterState,
        double sampleRate,
        String delay,
        String lookback,
        int maxTracesPerTick,
        boolean rejudgeOnVersionChange,
        boolean enabled,
        String file,
        Instant nextTickAt,
        Instant lastTickAt,
        String lastRunId,
        Integer lastTickTraces,
        long ticks,
        long tracesJudged,
        long judgments,
        long errored,
        Long lagSeconds,
        List<String> warnings,
        String mode,
        SweepBudgetView budget) {

    /**
     * A sweep's daily cost budget and today's spend on it.
     *
     * @param exhausted today's spend reached the budget: its judgments wait for the next UTC day ({@code on_exhausted: wait})
     *                  or end as BUDGET_EXCEEDED ({@code error})
     */
    public record SweepBudgetView(double perDay, String onExhausted, double spentToday, boolean exhausted) {
    }

    /** {@code {"sweeps": [...]}}. */
    public record SweepListView(List<SweepView> sweeps) {
    }

    /** The answer to a trigger. */
    public record TriggeredView(String name, boolean triggered, String message) {
    }
}
