package dev.tribunal.sweep;

import dev.tribunal.budget.Limit;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.llm.ModelId;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A scheduled sweep, as loaded from its YAML file: on each tick, the given judges judge the traces that
 * arrived since the last one (older than {@code delay}, never older than {@code lookback}, matching the
 * filter, sampled at {@code sampleRate}), as a judge run.
 *
 * @param every the interval between ticks; null when {@code cron} is set
 * @param cron a Quartz-style cron expression (seconds first); null when {@code every} is set
 * @param models models to run the LLM judges on instead of their own; empty for their own
 * @param tags traces must carry all of these tags
 * @param state traces must be in this state (OK, ERROR, IN_PROGRESS); null for any
 * @param budget the most the sweep's judgments may cost per UTC day, and what they do once it is spent; null: none
 * @param mode how its runs' judgments are sent: online, or through the providers' Batch API
 */
public record SweepDefinition(
        String name,
        List<JudgeDefinition> judges,
        List<ModelId> models,
        Duration every,
        String cron,
        Map<String, String> tags,
        String state,
        double sampleRate,
        Duration delay,
        Duration lookback,
        int maxTracesPerTick,
        boolean rejudgeOnVersionChange,
        boolean enabled,
        List<Challenger> challengers,
        String file,
        Limit budget,
        dev.tribunal.run.RunMode mode) {

    /** A sweep without a budget of its own, its judgments sent online. */
    public SweepDefinition(String name, List<JudgeDefinition> judges, List<ModelId> models, Duration every, String cron,
                           Map<String, String> tags, String state, double sampleRate, Duration delay, Duration lookback,
                           int maxTracesPerTick, boolean rejudgeOnVersionChange, boolean enabled, List<Challenger> challengers, String file) {
        this(name, judges, models, every, cron, tags, state, sampleRate, delay, lookback, maxTracesPerTick, rejudgeOnVersionChange,
                enabled, challengers, file, null, null);
    }

    public SweepDefinition {
        mode = mode == null ? dev.tribunal.run.RunMode.ONLINE : mode;
        challengers = List.copyOf(challengers);
        judges = List.copyOf(judges);
        models = List.copyOf(models);
        tags = Map.copyOf(tags);
    }

    /**
     * A challenger judged beside one of the sweep's judges on the same sampled traces: {@code <judge>@<version>} (a past
     * or new version of that judge) or {@code <judge>@<model>} (the champion's definition on another model). Exactly one
     * of version and model.
     */
    public record Challenger(String judge, String version, ModelId model) {

        public Challenger {
            if ((version == null) == (model == null)) {
                throw new IllegalArgumentException("a challenger names a version or a model");
            }
        }

        /** As written in the sweep file. */
        public String written() {
            return judge + "@" + (version != null ? version : model.toString());
        }
    }

    /** How the schedule is written: {@code every 10m} or {@code cron 0 0 2 * * ?}. */
    public String schedule() {
        return every != null ? "every " + every.toString().substring(2).toLowerCase(java.util.Locale.ROOT) : "cron " + cron;
    }
}
