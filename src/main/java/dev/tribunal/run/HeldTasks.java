package dev.tribunal.run;

import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * The tasks this process has claimed and not yet written or given back, and the runs it knows to be
 * cancelled. The worker loop adds and removes; the lease renewal, the cancellation watch and the gauges read.
 */
@ApplicationScoped
class HeldTasks {

    private final Map<UUID, JudgeTask> held = new ConcurrentHashMap<>();
    /** Runs known to be cancelled; forgotten a day after they were learnt of, when no held task can be of them any more. */
    private final Set<String> cancelledRuns = java.util.Collections.newSetFromMap(com.github.benmanes.caffeine.cache.Caffeine.newBuilder()
            .expireAfterWrite(java.time.Duration.ofDays(1)).<String, Boolean>build().asMap());

    void add(Collection<JudgeTask> tasks) {
        tasks.forEach(task -> held.put(task.taskId(), task));
    }

    void remove(Collection<JudgeTask> tasks) {
        tasks.forEach(task -> held.remove(task.taskId()));
    }

    boolean isEmpty() {
        return held.isEmpty();
    }

    int size() {
        return held.size();
    }

    /** A copy of the tasks held now. */
    List<JudgeTask> all() {
        return List.copyOf(held.values());
    }

    /** Held tasks counted by (judge, model). */
    Map<List<String>, Long> countByJudgeAndModel() {
        return held.values().stream().collect(Collectors.groupingBy(t -> List.of(t.judgeName(), t.modelId()), Collectors.counting()));
    }

    /** The runs of held tasks not yet known to be cancelled. */
    Set<String> runsNotKnownCancelled() {
        return held.values().stream().map(JudgeTask::runId).filter(id -> !cancelledRuns.contains(id)).collect(Collectors.toSet());
    }

    /** Remembers a run as cancelled; true the first time. */
    boolean markCancelled(String runId) {
        return cancelledRuns.add(runId);
    }
}
