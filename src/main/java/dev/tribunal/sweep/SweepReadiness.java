package dev.tribunal.sweep;

import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.llm.JudgeModelClient;
import dev.tribunal.llm.ModelId;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a sweep's judges can run at all, and saying so: at start (each sweep with its state and next tick), on every
 * tick of a sweep that cannot, and in {@code GET /api/sweeps}. A judge on a provider that needs a key and has none would
 * only produce AUTHENTICATION_FAILED judgments, tick after tick.
 */
@ApplicationScoped
class SweepReadiness {

    private static final Logger LOG = Logger.getLogger(SweepReadiness.class);

    private final JudgeModelClient models;

    SweepReadiness(JudgeModelClient models) {
        this.models = models;
    }

    /** What keeps the sweep's judgments from being made, in words; empty when nothing does. */
    List<String> problems(SweepDefinition sweep) {
        Set<String> problems = new LinkedHashSet<>();
        for (JudgeDefinition judge : sweep.judges()) {
            if (!judge.kind().callsModels()) {
                continue;
            }
            // a jury calls its members, whatever models the sweep names for its other judges
            List<ModelId> used = sweep.models().isEmpty() || judge.kind() == JudgeDefinition.Kind.JURY ? judge.ownModels() : sweep.models();
            for (ModelId model : used) {
                Optional<String> missing = models.missingKey(model.provider());
                missing.ifPresent(why -> problems.add("judge '" + judge.name() + "' on " + model + " cannot run: " + why));
            }
        }
        return new ArrayList<>(problems);
    }

    /** The start's account of every sweep: enabled or not, its next tick, and what keeps an enabled one from judging. */
    void announce(Iterable<SweepDefinition> sweeps, Map<String, Instant> nextTicks) {
        for (SweepDefinition sweep : sweeps) {
            List<String> problems = problems(sweep);
            if (!sweep.enabled()) {
                LOG.infof("Sweep '%s' is disabled (enabled: false in %s): it does not tick%s", sweep.name(), sweep.file(),
                        problems.isEmpty() ? "" : "; once enabled: " + String.join("; ", problems));
                continue;
            }
            LOG.infof("Sweep '%s' is enabled (%s): next tick at %s, judges %s", sweep.name(),
                    sweep.every() != null ? "every " + sweep.every().toString().substring(2).toLowerCase(java.util.Locale.ROOT) : "cron " + sweep.cron(),
                    nextTicks.get(sweep.name()), sweep.judges().stream().map(JudgeDefinition::name).toList());
            problems.forEach(problem -> LOG.warnf("Sweep '%s': %s", sweep.name(), problem));
        }
    }

    /** Said again at each tick of an enabled sweep whose judges cannot run. */
    void warnAtTick(SweepDefinition sweep) {
        problems(sweep).forEach(problem -> LOG.warnf("Sweep '%s' ticks, but %s", sweep.name(), problem));
    }
}
