package dev.tribunal.run;

import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.llm.ModelId;
import dev.tribunal.trace.CheckedTraceBatch;
import dev.tribunal.trace.TraceRequests.TraceRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A judge-run request that passed every check, checked once by {@link RunPlanner}: the judges, the models LLM judges run
 * on (empty: each on its own), the samples per judgment (null: each judge's own), the traces, whether the request confirmed the cost and how the
 * judgments are sent. The dry run, the cost check and
 * the creation of the run all read this one plan.
 */
record RunPlan(List<JudgeDefinition> judges, List<ModelId> models, Integer samples, Traces traces, boolean costConfirmed, RunMode mode) {

    RunPlan {
        Objects.requireNonNull(mode, "mode");
        judges = List.copyOf(judges);
        models = List.copyOf(models);
        Objects.requireNonNull(traces, "traces");
        if (judges.isEmpty()) {
            throw new IllegalArgumentException("a run has at least one judge");
        }
    }

    /** The traces a run judges. */
    sealed interface Traces permits StoredTraces, InlineTraces {
    }

    /** Stored traces: distinct ids, in the order given, each naming a trace that exists. */
    record StoredTraces(List<String> ids) implements Traces {

        StoredTraces {
            ids = List.copyOf(ids);
            if (ids.isEmpty()) {
                throw new IllegalArgumentException("a run judges at least one trace");
            }
        }
    }

    /** Traces sent with the request: as sent (a dry run reads them) and as checked rows (a run stores them first). */
    record InlineTraces(List<TraceRequest> sent, CheckedTraceBatch checked) implements Traces {

        InlineTraces {
            sent = List.copyOf(sent);
            Objects.requireNonNull(checked, "checked");
        }
    }

    /**
     * One judgment to make per trace: an LLM judge on a model, a jury on its members ({@code model} null), or a code
     * judge ({@code model} null), which calls nothing.
     */
    record Target(JudgeDefinition judge, ModelId model) {

        Target {
            Objects.requireNonNull(judge, "judge");
            if ((model == null) == (judge.kind() == JudgeDefinition.Kind.LLM)) {
                throw new IllegalArgumentException("an LLM judge runs on a model, a jury on its members, a code judge on none: " + judge.name());
            }
        }

        /** How a task and a dry run name where the judgment is made: the model, the jury, or the code judge. */
        String modelName() {
            return switch (judge.kind()) {
                case LLM -> model.toString();
                case JURY -> judge.jurySourceId();
                case CODE -> judge.name();
            };
        }

        /** The models one of its judgments calls. */
        List<ModelId> called() {
            return model != null ? List.of(model) : judge.ownModels();
        }
    }

    /**
     * The judgments per trace: each LLM judge on each model (its own when none are given), each jury on its own members
     * and each code judge once.
     */
    List<Target> targets() {
        return targets(judges, models);
    }

    static List<Target> targets(List<JudgeDefinition> judges, List<ModelId> models) {
        List<Target> targets = new ArrayList<>();
        for (JudgeDefinition judge : judges) {
            if (judge.kind() != JudgeDefinition.Kind.LLM) {
                targets.add(new Target(judge, null));
            } else if (models.isEmpty()) {
                targets.add(new Target(judge, judge.model()));
            } else {
                models.forEach(model -> targets.add(new Target(judge, model)));
            }
        }
        return targets;
    }

    /** The models the run calls, once per target that calls each. */
    List<ModelId> calledModels() {
        return targets().stream().flatMap(t -> t.called().stream()).toList();
    }

    /** The samples per judgment of a judge in this run. */
    int samplesOf(JudgeDefinition judge) {
        return samples != null ? samples : judge.samples();
    }
}
