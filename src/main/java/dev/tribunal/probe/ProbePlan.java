package dev.tribunal.probe;

import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.llm.ModelId;

import java.util.List;

/**
 * A checked probe request, ready to run.
 *
 * @param model the model asked; null for a jury (its members are asked)
 * @param traceIds the selected traces, oldest first
 */
record ProbePlan(String id, JudgeDefinition judge, ModelId model, List<String> traceIds, List<Probe> probes) {

    ProbePlan {
        traceIds = List.copyOf(traceIds);
        probes = List.copyOf(probes);
    }

    /** The pairs the position probe asks: (0, 1), (2, 3), ...: each trace in one pair, so that pairs are independent draws. */
    int pairs() {
        return traceIds.size() / 2;
    }
}
