package dev.tribunal.run;

import dev.tribunal.assessment.Assessment;
import dev.tribunal.assessment.AssessmentError;
import dev.tribunal.assessment.AssessmentFactory;
import dev.tribunal.judge.Judgment;
import dev.tribunal.system.Rows;
import dev.tribunal.system.Times;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Writes judgments as they finish: each becomes its Feedback assessment and marks its task done in
 * the same transaction, many per transaction. Runs whose last task is done are completed.
 */
@ApplicationScoped
class ResultWriter {

    private static final Logger LOG = Logger.getLogger(ResultWriter.class);

    /** A finished judgment of a task. */
    record Finished(JudgeTask task, Judgment judgment) {
    }

    private final ConcurrentLinkedQueue<Finished> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final TaskRepository tasks;
    private final RunRepository runs;
    private final WorkerConfig config;

    ResultWriter(TaskRepository tasks, RunRepository runs, WorkerConfig config) {
        this.tasks = tasks;
        this.runs = runs;
        this.config = config;
    }

    void add(JudgeTask task, Judgment judgment) {
        queue.add(new Finished(task, judgment));
        queued.incrementAndGet();
    }

    /** Judgments waiting to be written. */
    int pending() {
        return queued.get();
    }

    @Scheduled(every = "${tribunal.worker.write-interval:0.2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> flush() {
        List<Finished> batch = drain();
        if (batch.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return write(batch)
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("Writing %d judgments in one transaction failed (%s); writing them one by one", batch.size(), failure.toString());
                    return writeOneByOne(batch);
                })
                .chain(() -> batch.size() >= config.writeBatch() ? flush() : Uni.createFrom().voidItem());
    }

    private List<Finished> drain() {
        List<Finished> batch = new ArrayList<>();
        Finished next;
        while (batch.size() < config.writeBatch() && (next = queue.poll()) != null) {
            batch.add(next);
            queued.decrementAndGet();
        }
        return batch;
    }

    private Uni<Void> writeOneByOne(List<Finished> batch) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Finished one : batch) {
            chain = chain.chain(() -> write(List.of(one))
                    .onFailure().invoke(e -> LOG.errorf("Judgment of task %s could not be written: %s", one.task().taskId, e.toString()))
                    .onFailure().recoverWithNull()
                    .replaceWithVoid());
        }
        return chain;
    }

    private Uni<Void> write(List<Finished> batch) {
        Instant now = Times.now();
        Map<java.util.UUID, Finished> byTask = batch.stream().collect(Collectors.toMap(f -> f.task().taskId, Function.identity(), (a, b) -> a));
        List<Assessment> assessments = byTask.values().stream().map(f -> assessment(f, now)).toList();
        Set<String> runIds = batch.stream().map(f -> f.task().runId).collect(Collectors.toCollection(LinkedHashSet::new));
        return Panache.withTransaction(() -> Rows.persistAll(assessments)
                .chain(() -> tasks.list("taskId in ?1 and status <> ?2", byTask.keySet(), JudgeTask.Status.DONE))
                .invoke(rows -> rows.forEach(row -> done(row, byTask.get(row.taskId).judgment(), now)))
                .chain(() -> tasks.flush())
                .chain(() -> runs.markCompleted(runIds, now))
                .replaceWithVoid());
    }

    private static void done(JudgeTask task, Judgment judgment, Instant now) {
        Judgment.Outcome outcome = judgment.outcome();
        task.status = JudgeTask.Status.DONE;
        task.errorCode = judgment.errorCode();
        task.judgeVersion = judgment.judgeVersion();
        task.attempts = outcome.attempts();
        task.latencyMs = outcome.latencyMs();
        task.promptTokens = outcome.promptTokens();
        task.completionTokens = outcome.completionTokens();
        task.cost = outcome.cost();
        task.leaseUntil = null;
        task.finishedAt = now;
    }

    private static Assessment assessment(Finished f, Instant now) {
        Judgment j = f.judgment();
        AssessmentError error = j.succeeded() ? null
                : new AssessmentError(j.errorCode(), j.errorMessage(), "judge " + j.judgeName() + " (" + j.sourceId() + "): "
                + j.errorCode() + ": " + j.errorMessage());
        return AssessmentFactory.judgeFeedback(f.task().traceId, j.spanId(), j.judgeName(), j.value(), j.rationale(),
                j.sourceType(), j.sourceId(), error, j.metadata(), f.task().runId, f.task().taskId, now);
    }
}
