package dev.tribunal.batch;

import dev.tribunal.budget.Reservation;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.judge.Judgment;
import dev.tribunal.judge.TraceData;
import dev.tribunal.llm.ErrorCode;
import dev.tribunal.llm.LlmResult;
import dev.tribunal.llm.ModelId;
import dev.tribunal.llm.ProviderBatches;
import dev.tribunal.llm.ProviderBatches.BatchState;
import dev.tribunal.llm.ProvidersConfig;
import dev.tribunal.run.BatchTasks;
import dev.tribunal.run.JudgeTask;
import dev.tribunal.trace.TraceDataLoader;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Polls the provider batches that are due, each by whichever process takes its lease: a batch still running is asked
 * again later (each wait twice the one before, up to {@code batch-poll-max}); a finished one is settled: its output and
 * error files read, each answered judgment written exactly as an online answer would be (priced at the batch prices), and
 * its unanswered judgments (an expired, failed or cancelled batch) sent again in a new batch until they were in
 * {@code batch-max-tries}, then ended as errors. A batch of a cancelled run is cancelled at the provider and its
 * judgments cancelled. Everything a poll needs is in the database, so a restarted process carries on where one stopped.
 */
@ApplicationScoped
class BatchPoller {

    private static final Logger LOG = Logger.getLogger(BatchPoller.class);
    /** Batches taken per poll round: polls are cheap, settling one may read a large file. */
    private static final int ROUND = 10;
    private static final Set<String> CANCELLING = Set.of("cancelling", "cancelled");

    private final BatchStore store;
    private final BatchTasks tasks;
    private final ProviderBatches providers;
    private final TraceDataLoader loader;
    private final BatchJudges judges;
    private final JudgeRunner runner;
    private final BatchConfig config;
    private final BatchBudgets budgets;

    BatchPoller(BatchStore store, BatchTasks tasks, ProviderBatches providers, TraceDataLoader loader, BatchJudges judges, JudgeRunner runner,
                BatchConfig config, BatchBudgets budgets) {
        this.budgets = budgets;
        this.store = store;
        this.tasks = tasks;
        this.providers = providers;
        this.loader = loader;
        this.judges = judges;
        this.runner = runner;
        this.config = config;
    }

    /** Gives back the tasks of batches whose preparing process died, then polls the batches that are due. */
    Uni<Void> poll() {
        return store.takeStale(ROUND, config.lease())
                .chain(stale -> Multi.createFrom().iterable(stale)
                        .onItem().transformToUniAndConcatenate(this::recover)
                        .collect().last())
                .chain(() -> store.takeDue(ROUND, config.lease()))
                .chain(due -> Multi.createFrom().iterable(due)
                        .onItem().transformToUniAndConcatenate(batch -> pollOne(batch)
                                .onFailure().recoverWithUni(failure -> {
                                    // its lease runs out, and the next poll after it tries again
                                    LOG.warnf("Polling batch %s of run %s failed; trying again later: %s", batch.providerBatchId(), batch.runId(),
                                            failure.toString());
                                    return Uni.createFrom().voidItem();
                                }))
                        .collect().last())
                .replaceWithVoid();
    }

    /**
     * A batch left while it was prepared (its process stopped, or its create had no clear answer): when its input file was
     * uploaded, the provider may have made the batch, which is then polled as if its create had answered; otherwise its
     * judgments wait for the next batch. When the provider cannot be asked, the batch is looked for again after its lease.
     */
    private Uni<Void> recover(BatchStore.Batch batch) {
        if (batch.inputFileId() == null) {
            return abandon(batch);
        }
        String provider = ModelId.parse(batch.modelId()).orElseThrow().provider();
        return providers.find(provider, batch.inputFileId(), batch.createdAt())
                .chain(found -> found.isEmpty() ? abandon(batch)
                        : store.submitted(batch.batchId(), found.get(), batch.inputFileId(), found.get().total(), providers.settings(provider).batchPollEvery())
                                .invoke(() -> LOG.infof("Run %s: found batch %s at %s, made of a file whose create had no clear answer; polling it",
                                        batch.runId(), found.get().id(), provider)).replaceWithVoid())
                .onFailure().recoverWithUni(failure -> {
                    if (batch.createdAt().plus(BatchBudgets.hold(providers.settings(provider))).isBefore(java.time.Instant.now())) {
                        // a batch made then would have ended by now: its judgments go on without it
                        LOG.warnf("Batch %s of run %s could not be looked for at %s since its completion window ended: %s", batch.batchId(),
                                batch.runId(), provider, failure.toString());
                        return abandon(batch);
                    }
                    LOG.warnf("Looking for batch %s of run %s at %s failed; looking again later: %s", batch.batchId(), batch.runId(), provider,
                            failure.toString());
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> abandon(BatchStore.Batch batch) {
        LOG.infof("Batch %s of run %s was left while it was prepared; its judgments wait for the next batch", batch.batchId(), batch.runId());
        return store.requests(batch.batchId())
                .chain(requests -> requests.isEmpty() ? Uni.createFrom().item(List.<JudgeTask>of()) : tasks.held(requests.keySet()))
                .chain(held -> held.isEmpty() ? Uni.createFrom().item(0) : tasks.release(held))
                .chain(() -> budgets.handBack(batch.batchId()))
                .chain(() -> store.close(batch.batchId(), "ABANDONED"));
    }

    private Uni<Void> pollOne(BatchStore.Batch batch) {
        String provider = ModelId.parse(batch.modelId()).orElseThrow().provider();
        return tasks.cancelled(batch.runId()).chain(cancelled -> providers.get(provider, batch.providerBatchId())
                .chain(state -> cancelled && !state.finished() && !CANCELLING.contains(state.status())
                        ? providers.cancel(provider, batch.providerBatchId())
                                .invoke(c -> LOG.infof("Run %s was cancelled: cancelled its batch %s at %s", batch.runId(), c.id(), provider))
                        : Uni.createFrom().item(state))
                .chain(state -> {
                    if (!state.finished()) {
                        ProvidersConfig.Provider settings = providers.settings(provider);
                        Duration next = batch.pollDelay().multipliedBy(2);
                        next = next.compareTo(settings.batchPollMax()) > 0 ? settings.batchPollMax()
                                : next.isZero() ? settings.batchPollEvery() : next;
                        return store.polled(batch.batchId(), state, next);
                    }
                    return settle(batch, provider, state, cancelled);
                }));
    }

    /** A finished batch: its answers written, its unanswered judgments sent again, ended or cancelled, then it is settled. */
    private Uni<Void> settle(BatchStore.Batch batch, String provider, BatchState state, boolean cancelled) {
        Uni<String> output = state.outputFileId() == null ? Uni.createFrom().item("") : providers.content(provider, state.outputFileId());
        Uni<String> errors = state.errorFileId() == null ? Uni.createFrom().item("") : providers.content(provider, state.errorFileId());
        return output.chain(out -> errors.map(err -> lines(provider, out, err)))
                .chain(answers -> store.requests(batch.batchId())
                        .chain(requests -> requests.isEmpty() ? Uni.createFrom().item(List.<JudgeTask>of()) : tasks.held(requests.keySet())
                                // a task re-queued and claimed again as a newer attempt is no longer this batch's
                                .map(held -> held.stream().filter(t -> requests.get(t.taskId()) == t.attempt()).toList()))
                        .chain(held -> judge(batch, held, answers)
                                .chain(result -> budgets.held(batch.batchId())
                                        .chain(reservations -> tasks.write(result.judged(), spent(result.judged(), reservations)))
                                        .chain(() -> unanswered(batch, state, cancelled, result.unanswered())))))
                // what the judgments not written (unanswered, cancelled, or written by an earlier poll) still hold goes back
                .chain(() -> budgets.handBack(batch.batchId()))
                .chain(() -> store.settled(batch.batchId(), state))
                .invoke(() -> LOG.infof("Run %s: batch %s ended %s (%d answered, %d failed)", batch.runId(), state.id(), state.status(),
                        state.completed(), state.failed()));
    }

    /** The reservations of the judgments about to be written, each told what its judgment cost. */
    private static Map<java.util.UUID, Reservation> spent(Map<JudgeTask, Judgment> judged, Map<java.util.UUID, Reservation> reservations) {
        Map<java.util.UUID, Reservation> spent = new HashMap<>();
        judged.forEach((task, judgment) -> {
            Reservation reservation = reservations.get(task.taskId());
            if (reservation != null) {
                reservation.spent(judgment.outcome().cost());
                spent.put(task.taskId(), reservation);
            }
        });
        return spent;
    }

    /** Each line's result by custom_id: null for a line never run; lines Tribunal did not write are skipped. */
    private Map<String, LlmResult> lines(String provider, String output, String errors) {
        Map<String, LlmResult> results = new HashMap<>();
        for (String text : List.of(output, errors)) {
            text.lines().filter(line -> !line.isBlank()).forEach(line -> providers.read(provider, line)
                    .ifPresentOrElse(read -> results.put(read.customId(), read.result()),
                            () -> LOG.warnf("A line of a batch's file is not a batch answer; skipped")));
        }
        return results;
    }

    /** Judgments of the tasks all of whose calls were answered; the rest, unanswered. */
    private record Judged(Map<JudgeTask, Judgment> judged, List<JudgeTask> unanswered) {
    }

    private Uni<Judged> judge(BatchStore.Batch batch, List<JudgeTask> held, Map<String, LlmResult> answers) {
        Map<JudgeTask, Judgment> judged = new LinkedHashMap<>();
        List<JudgeTask> unanswered = new ArrayList<>();
        LinkedHashSet<String> traceIds = new LinkedHashSet<>();
        held.forEach(t -> traceIds.add(t.traceId()));
        ModelId model = ModelId.parse(batch.modelId()).orElseThrow();
        Uni<Map<String, TraceData>> traces = held.isEmpty() ? Uni.createFrom().item(Map.of()) : loader.load(traceIds);
        return traces
                // verdicts are read off the event loop
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .chain(loaded -> Multi.createFrom().iterable(held)
                        .onItem().transformToUniAndConcatenate(task -> judges.judgeOf(task).chain(found -> {
                            int samples = task.samples() != null ? task.samples() : found.judge() != null ? found.judge().samples() : 1;
                            List<LlmResult> results = new ArrayList<>();
                            for (int i = 0; i < samples; i++) {
                                LlmResult result = answers.get(BatchJudges.customId(task, i));
                                if (result == null) {
                                    unanswered.add(task);
                                    return Uni.createFrom().voidItem();
                                }
                                results.add(result);
                            }
                            TraceData trace = loaded.get(task.traceId());
                            if (found.judge() == null || trace == null) {
                                judged.put(task, BatchJudges.unavailable(task, found.judge() == null ? found.problem()
                                        : "trace " + task.traceId() + " no longer exists"));
                                return Uni.createFrom().voidItem();
                            }
                            return runner.fromBatch(found.judge(), model, trace, samples, results)
                                    .invoke(judgment -> judged.put(task, judgment))
                                    .replaceWithVoid();
                        }))
                        .collect().last())
                .map(ignored -> new Judged(judged, unanswered));
    }

    /**
     * Judgments a finished batch did not answer: cancelled with their run; sent in a new batch while they were in fewer
     * than {@code batch-max-tries}; else ended as PROVIDER_ERROR naming the batch and how it ended.
     */
    private Uni<Void> unanswered(BatchStore.Batch batch, BatchState state, boolean cancelled, List<JudgeTask> unanswered) {
        if (unanswered.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        if (cancelled) {
            return tasks.cancel(unanswered);
        }
        int maxTries = providers.settings(ModelId.parse(batch.modelId()).orElseThrow().provider()).batchMaxTries();
        return store.tries(unanswered).chain(tries -> {
            Map<JudgeTask, Judgment> ended = new LinkedHashMap<>();
            List<JudgeTask> again = new ArrayList<>();
            for (JudgeTask task : unanswered) {
                int sent = tries.getOrDefault(task.taskId(), 1);
                if (sent >= maxTries) {
                    ended.put(task, BatchJudges.failed(task, ErrorCode.PROVIDER_ERROR, "sent in " + sent + " provider batch"
                            + (sent == 1 ? "" : "es") + " without an answer; the last, " + state.id() + ", ended " + state.status()));
                } else {
                    again.add(task);
                }
            }
            if (!again.isEmpty()) {
                LOG.infof("Run %s: batch %s ended %s; %d judgments go into a new batch, %d end as errors", batch.runId(), state.id(),
                        state.status(), again.size(), ended.size());
            }
            return tasks.write(ended)
                    .chain(() -> again.isEmpty() ? Uni.createFrom().item(0) : tasks.release(again))
                    .replaceWithVoid();
        });
    }
}
