package dev.tribunal.run;

import dev.tribunal.assessment.AssessmentError;
import dev.tribunal.assessment.AssessmentRows.JudgeFeedback;
import dev.tribunal.assessment.AssessmentSourceType;
import dev.tribunal.judge.Judgment;
import dev.tribunal.run.TaskRows.Finished;
import dev.tribunal.system.Times;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes judgments as they finish: each becomes its Feedback assessment and marks its task done in
 * the same transaction, many per transaction. Runs whose last task is done are completed.
 */
@ApplicationScoped
class ResultWriter {

    private static final Logger LOG = Logger.getLogger(ResultWriter.class);

    /** Write attempts of one judgment before it is given up (its task then stays claimed). */
    static final int WRITE_ATTEMPTS = 10;
    private static final long RETRY_DELAY_SECONDS = 3;

    private final ConcurrentLinkedQueue<Finished> queue = new ConcurrentLinkedQueue<>();
    private final List<java.util.function.Consumer<List<JudgeTask>>> written = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean writing = new AtomicBoolean();
    private final AtomicBoolean timerArmed = new AtomicBoolean();
    private final TaskRows rows;
    private final WorkerConfig config;
    private final Vertx vertx;

    ResultWriter(TaskRows rows, WorkerConfig config, Vertx vertx) {
        this.rows = rows;
        this.config = config;
        this.vertx = vertx;
    }

    void add(JudgeTask task, Judgment judgment) {
        if (closed) {
            return;
        }
        queue.add(new Finished(task, judgment));
        if (queued.incrementAndGet() >= config.writeBatch()) {
            flush();
        } else if (timerArmed.compareAndSet(false, true)) {
            // a partial batch waits a moment for company, then goes
            vertx.setTimer(config.writeDelay().toMillis(), id -> {
                timerArmed.set(false);
                flush();
            });
        }
    }

    /** Judgments waiting to be written. */
    int pending() {
        return queued.get();
    }

    /** A safety net: whatever is queued is written within a second even if no timer fired. */
    @Scheduled(every = "1s", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void tick() {
        flush();
    }

    /** Writes everything queued, a batch per transaction; one writing loop at a time. */
    void flush() {
        if (writing.compareAndSet(false, true)) {
            writeNext();
        }
    }

    private void writeNext() {
        List<Finished> batch = drain();
        if (batch.isEmpty()) {
            writing.set(false);
            // an add() may have come between the drain and the release
            if (!queue.isEmpty()) {
                flush();
            }
            return;
        }
        Uni.createFrom().deferred(() -> write(batch))
                .invoke(() -> done(batch))
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("Writing %d judgments in one transaction failed (%s); writing them one by one", batch.size(), failure.toString());
                    return writeOneByOne(batch);
                })
                .subscribe().with(ignored -> writeNext(), failure -> {
                    LOG.errorf("Writing judgments failed: %s", failure.toString());
                    writeNext();
                });
    }

    private void done(List<Finished> finished) {
        List<JudgeTask> tasks = finished.stream().map(Finished::task).toList();
        written.forEach(listener -> listener.accept(tasks));
    }

    /** Called with each batch's tasks once written (or given up): room has opened up. */
    void whenWritten(java.util.function.Consumer<List<JudgeTask>> listener) {
        written.add(listener);
    }

    /** Nothing waiting and nothing being written. */
    boolean idle() {
        return queue.isEmpty() && !writing.get();
    }

    /** From now on results are dropped (at shutdown, once their tasks are being given back). */
    void close() {
        closed = true;
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

    /**
     * After a batch failed: each judgment alone, so that one bad row cannot hold back the others. A
     * judgment that still fails for a passing reason (connection lost, database restarting) is queued
     * again a few seconds later, up to {@link #WRITE_ATTEMPTS} times; one the database refuses for what
     * it is (a constraint: its trace or task was deleted meanwhile) is logged and left.
     */
    private Uni<Void> writeOneByOne(List<Finished> batch) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Finished one : batch) {
            chain = chain.chain(() -> Uni.createFrom().deferred(() -> write(List.of(one)))
                    .invoke(() -> done(List.of(one)))
                    .onFailure().invoke(e -> retryLater(one, e))
                    .onFailure().recoverWithNull()
                    .replaceWithVoid());
        }
        return chain;
    }

    private void retryLater(Finished one, Throwable failure) {
        boolean refused = dev.tribunal.system.SqlStates.inClass(failure, dev.tribunal.system.SqlStates.INTEGRITY_CONSTRAINT_VIOLATION);
        if (refused || one.writeAttempts() + 1 >= WRITE_ATTEMPTS) {
            LOG.errorf("Judgment of task %s could not be written (%d attempts): %s; the task is judged again once its lease ends",
                    one.task().taskId(), one.writeAttempts() + 1, failure.toString());
            done(List.of(one));
            return;
        }
        LOG.warnf("Judgment of task %s could not be written (%s); trying again in %d s", one.task().taskId(), failure.toString(),
                RETRY_DELAY_SECONDS);
        queued.incrementAndGet();
        vertx.setTimer(TimeUnit.SECONDS.toMillis(RETRY_DELAY_SECONDS), id -> {
            queue.add(one.retried());
            flush();
        });
    }

    private Uni<Void> write(List<Finished> batch) {
        Instant now = Times.now();
        List<JudgeFeedback> assessments = batch.stream().map(f -> assessment(f, now)).toList();
        long started = System.nanoTime();
        return rows.complete(batch, assessments, now)
                .invoke(() -> LOG.debugf("Wrote %d judgments in %d ms", batch.size(), (System.nanoTime() - started) / 1_000_000));
    }

    private static JudgeFeedback assessment(Finished f, Instant now) {
        Judgment j = f.judgment();
        AssessmentError error = j.succeeded() ? null
                : new AssessmentError(j.errorCode().name(), j.errorMessage(), "judge " + j.judgeName() + " (" + j.sourceId() + "): "
                + j.errorCode() + ": " + j.errorMessage());
        return new JudgeFeedback(f.task().traceId(), j.spanId(), j.judgeName(), j.value(), j.rationale(),
                j.kind() == dev.tribunal.judge.JudgeDefinition.Kind.LLM ? AssessmentSourceType.LLM_JUDGE : AssessmentSourceType.CODE, j.sourceId(), error, j.metadata(), f.task().runId(), f.task().taskId(), f.task().attempt(), f.task().overrides(), now);
    }
}
