package dev.tribunal.run;

import dev.tribunal.assessment.AssessmentError;
import dev.tribunal.assessment.AssessmentRows.JudgeFeedback;
import dev.tribunal.assessment.AssessmentSourceType;
import dev.tribunal.budget.Reservation;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.Judgment;
import dev.tribunal.run.TaskQueue.Finished;
import dev.tribunal.system.SqlStates;
import dev.tribunal.system.Times;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.BackPressureStrategy;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The result sink: finished judgments go in, and come out as Feedback assessments written with their tasks marked
 * done, a batch per transaction ({@code tribunal.worker.write-batch} judgments, or what came within
 * {@code tribunal.worker.write-delay}), one transaction at a time. Runs whose last task is done are completed.
 */
@ApplicationScoped
class ResultSink {

    private static final Logger LOG = Logger.getLogger(ResultSink.class);

    /** Write attempts of one judgment before it is given up (its task then stays claimed, judged again after its lease). */
    static final int WRITE_ATTEMPTS = 10;
    private static final Duration RETRY_DELAY = Duration.ofSeconds(3);

    private final TaskQueue queue;
    private final WorkerConfig config;
    /** Judgments handed in and not yet written or given up. */
    private final AtomicInteger pending = new AtomicInteger();
    private volatile MultiEmitter<? super Finished> input;
    private volatile Consumer<List<JudgeTask>> written = tasks -> {
    };
    private volatile boolean closed;

    ResultSink(TaskQueue queue, WorkerConfig config) {
        this.queue = queue;
        this.config = config;
        // the one writing stream: grouped into batches by size or time, each batch written before the next
        Multi.createFrom().<Finished>emitter(emitter -> input = emitter, BackPressureStrategy.BUFFER)
                .group().intoLists().of(config.writeBatch(), config.writeDelay())
                // batches wait here while the one before is written
                .onOverflow().buffer()
                .onItem().transformToUniAndConcatenate(this::write)
                .subscribe().with(
                        ignored -> {
                        },
                        failure -> LOG.errorf(failure, "The result writer stopped; judgments are no longer written"));
    }

    /** Takes a finished judgment to be written. */
    void add(JudgeTask task, Judgment judgment) {
        add(task, judgment, List.of());
    }

    /** Takes a finished judgment to be written, with the budget reservations its write settles. */
    void add(JudgeTask task, Judgment judgment, List<Reservation> reservations) {
        accept(new Finished(task, judgment, reservations));
    }

    private void accept(Finished finished) {
        if (closed) {
            return;
        }
        pending.incrementAndGet();
        input.emit(finished);
    }

    /** Judgments waiting to be written. */
    int pending() {
        return pending.get();
    }

    /** Nothing waiting and nothing being written. */
    boolean idle() {
        return pending.get() == 0;
    }

    /** Called with each batch's tasks once written (or given up): room has opened up. */
    void whenWritten(Consumer<List<JudgeTask>> listener) {
        this.written = listener;
    }

    /** From now on results are dropped (at shutdown, once their tasks are being given back). */
    void close() {
        closed = true;
    }

    /** One batch in one transaction; if that fails, each judgment alone. Never fails: the stream goes on. */
    private Uni<Void> write(List<Finished> batch) {
        return Uni.createFrom().deferred(() -> writeTogether(batch))
                .invoke(() -> done(batch))
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("Writing %d judgments in one transaction failed (%s); writing them one by one", batch.size(), failure.toString());
                    return writeOneByOne(batch);
                })
                // the stream must outlive any failure: a batch lost here is judged again once its tasks' leases end
                .onFailure().recoverWithItem(failure -> {
                    LOG.errorf(failure, "Writing %d judgments failed; their tasks are judged again once their leases end", batch.size());
                    pending.updateAndGet(n -> Math.max(0, n - batch.size()));
                    return null;
                });
    }

    private void done(List<Finished> batch) {
        pending.addAndGet(-batch.size());
        written.accept(batch.stream().map(Finished::task).toList());
    }

    /**
     * After a batch failed: each judgment alone, so that one bad row cannot hold back the others. A judgment that
     * still fails for a passing reason (connection lost, database restarting) is handed in again a few seconds
     * later, up to {@link #WRITE_ATTEMPTS} times; one the database refuses for what it is (a constraint: its trace
     * or task was deleted meanwhile) is logged and left.
     */
    private Uni<Void> writeOneByOne(List<Finished> batch) {
        return Multi.createFrom().iterable(batch)
                .onItem().transformToUniAndConcatenate(one -> Uni.createFrom().deferred(() -> writeTogether(List.of(one)))
                        .invoke(() -> done(List.of(one)))
                        .onFailure().recoverWithItem(failure -> {
                            retryLater(one, failure);
                            return null;
                        }))
                .collect().last().replaceWithVoid();
    }

    private void retryLater(Finished one, Throwable failure) {
        boolean refused = SqlStates.inClass(failure, SqlStates.INTEGRITY_CONSTRAINT_VIOLATION);
        if (refused || one.writeAttempts() + 1 >= WRITE_ATTEMPTS) {
            LOG.errorf("Judgment of task %s could not be written (%d attempts): %s; the task is judged again once its lease ends",
                    one.task().taskId(), one.writeAttempts() + 1, failure.toString());
            done(List.of(one));
            return;
        }
        LOG.warnf("Judgment of task %s could not be written (%s); trying again in %d s", one.task().taskId(), failure.toString(),
                RETRY_DELAY.toSeconds());
        Uni.createFrom().voidItem().onItem().delayIt().by(RETRY_DELAY).subscribe().with(ignored -> {
            // counted again when handed in again
            pending.decrementAndGet();
            accept(one.retried());
        });
    }

    private Uni<Void> writeTogether(List<Finished> batch) {
        Instant now = Times.now();
        List<List<JudgeFeedback>> assessments = batch.stream().map(f -> assessments(f, now)).toList();
        long started = System.nanoTime();
        return queue.complete(batch, assessments, now)
                .invoke(() -> LOG.debugf("Wrote %d judgments in %d ms", batch.size(), (System.nanoTime() - started) / 1_000_000));
    }

    /** A task's assessments: its judgment's (part 0), then, for a jury, each member's (parts 1 to n). */
    static List<JudgeFeedback> assessments(Finished f, Instant now) {
        List<JudgeFeedback> all = new java.util.ArrayList<>();
        all.add(assessment(f, f.judgment(), 0, f.task().overrides(), now));
        List<Judgment> members = f.judgment().members();
        for (int i = 0; i < members.size(); i++) {
            all.add(assessment(f, members.get(i), i + 1, null, now));
        }
        return all;
    }

    private static JudgeFeedback assessment(Finished f, Judgment j, int part, String overrides, Instant now) {
        AssessmentError error = j.succeeded() ? null
                : new AssessmentError(j.errorCode().name(), j.errorMessage(), "judge " + j.judgeName() + " (" + j.sourceId() + "): "
                + j.errorCode() + ": " + j.errorMessage());
        AssessmentSourceType source = j.kind().callsModels() ? AssessmentSourceType.LLM_JUDGE : AssessmentSourceType.CODE;
        Map<String, String> metadata = j.metadata();
        if (f.task().challenger()) {
            metadata = new java.util.LinkedHashMap<>(metadata);
            metadata.put(dev.tribunal.assessment.AssessmentQuery.ROLE_KEY, dev.tribunal.assessment.AssessmentQuery.CHALLENGER);
        }
        return new JudgeFeedback(f.task().traceId(), j.spanId(), j.judgeName(), j.value(), j.rationale(), source, j.sourceId(), error,
                metadata, f.task().runId(), f.task().taskId(), f.task().attempt(), part, overrides,
                f.task().loggedBy() == null ? "tribunal" : f.task().loggedBy(), now);
    }
}
