package dev.tribunal.batch;

import dev.tribunal.budget.BudgetGate;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.judge.Judgment;
import dev.tribunal.judge.TraceData;
import dev.tribunal.llm.ModelId;
import dev.tribunal.llm.ProviderBatches;
import dev.tribunal.llm.ProvidersConfig;
import dev.tribunal.run.BatchTasks;
import dev.tribunal.run.JudgeTask;
import dev.tribunal.trace.TraceDataLoader;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Gathers the waiting tasks of runs in batch mode into provider batches: one run's tasks on one model at a time, claimed
 * and recorded in their batch in one transaction, then rendered exactly as online calls, written into a file within the
 * provider's {@code batch-max-requests} and {@code batch-max-bytes}, uploaded and created as a batch. Judgments that need
 * no call (code judges, missing inputs, answers in the judgment cache) are written at once. Whatever fails after the
 * claim gives the batch's tasks back to wait for the next one.
 */
@ApplicationScoped
class BatchSubmitter {

    private static final Logger LOG = Logger.getLogger(BatchSubmitter.class);
    /** Judgments added to a file between two renewals of the batch's lease. */
    private static final int RENEW_EVERY = 1000;
    /** Tasks of code judges judged per round: they call nothing, so no provider's limit applies. */
    private static final int LOCAL_ROUND = 1000;

    private final BatchTasks tasks;
    private final BatchStore store;
    private final ProviderBatches providers;
    private final TraceDataLoader loader;
    private final BatchJudges judges;
    private final JudgeRunner runner;
    private final BatchConfig config;
    private final BatchBudgets budgets;
    /** Runs whose judgments a budget holds back, passed over until the time given (per process; each looks for itself). */
    private final Map<String, java.time.Instant> passed = new java.util.concurrent.ConcurrentHashMap<>();

    BatchSubmitter(BatchTasks tasks, BatchStore store, ProviderBatches providers, TraceDataLoader loader, BatchJudges judges,
                   JudgeRunner runner, BatchConfig config, BatchBudgets budgets) {
        this.budgets = budgets;
        this.tasks = tasks;
        this.store = store;
        this.providers = providers;
        this.loader = loader;
        this.judges = judges;
        this.runner = runner;
        this.config = config;
    }

    /** Sends batches while tasks wait, at most {@code rounds} of them; true when more may wait. */
    Uni<Boolean> submit(int rounds) {
        if (rounds <= 0) {
            return Uni.createFrom().item(true);
        }
        return submitOnce().chain(made -> made ? submit(rounds - 1) : Uni.createFrom().item(false));
    }

    /** One batch; true when one was made (more may wait). */
    private Uni<Boolean> submitOnce() {
        java.time.Instant now = java.time.Instant.now();
        passed.values().removeIf(until -> until.isBefore(now));
        return tasks.next(passed.keySet()).chain(group -> group.isEmpty() ? Uni.createFrom().item(false) : submit(group.get()).replaceWith(true));
    }

    private Uni<Void> submit(BatchTasks.Group group) {
        Optional<ModelId> model = ModelId.parse(group.modelId());
        ProvidersConfig.Provider settings = model.map(m -> providers.settings(m.provider())).orElse(null);
        int limit = settings == null ? LOCAL_ROUND : settings.batchMaxRequests();
        List<JudgeTask> claimed = new ArrayList<>();
        File file = new File();
        return tasks.claim(group, limit, (connection, found) -> {
                    claimed.addAll(found);
                    return found.isEmpty() ? Uni.createFrom().<UUID>nullItem() : store.insert(connection, group, found, config.lease());
                })
                .chain(batchId -> batchId == null ? Uni.createFrom().voidItem() : prepare(batchId, group, model.orElse(null), settings, claimed, file)
                        .onFailure().recoverWithUni(failure -> {
                            if (file.lost) {
                                // another process took the batch over (this one outlived its lease) and gave its judgments
                                // back; what this one reserved for them goes back too (the other found none recorded)
                                LOG.warnf("A batch of run %s on %s was taken over while it was prepared; not sent", group.runId(), group.modelId());
                                return budgets.handBack(file.reservations.values());
                            }
                            if (file.uploaded) {
                                // the provider may have made the batch even though its answer was lost: the next poll looks
                                // for it there, and gives the judgments back only if it is not found
                                LOG.warnf("Creating a batch of run %s on %s had no clear answer; looking for it at the provider: %s",
                                        group.runId(), group.modelId(), failure.toString());
                                // looked for once a create still on its way would have landed: twice the exchange's bound
                                return store.unsure(batchId, settings.timeout().multipliedBy(4).plusSeconds(1));
                            }
                            LOG.warnf("Preparing a batch of %d judgments of run %s on %s failed; they wait for the next batch: %s",
                                    claimed.size(), group.runId(), group.modelId(), failure.toString());
                            return giveBack(batchId, claimed, file);
                        }));
    }

    /** Gives a batch's tasks back to wait (those already written stay written), hands back their budget and closes it unsent. */
    private Uni<Void> giveBack(UUID batchId, List<JudgeTask> claimed, File file) {
        return budgets.handBack(file.reservations.values())
                .chain(() -> tasks.release(claimed))
                .chain(() -> store.close(batchId, "ABANDONED"));
    }

    /** A batch's calls, one line each, and the judgments that needed none. */
    private static final class File {
        final StringBuilder text = new StringBuilder();
        long bytes;
        int requests;
        final Map<JudgeTask, Judgment> judged = new LinkedHashMap<>();
        final List<JudgeTask> left = new ArrayList<>();
        /** Its input file is uploaded and recorded: a batch may exist at the provider from here on. */
        boolean uploaded;
        /** Another process took the batch over while it was prepared. */
        boolean lost;
        /** The budget reservations of the judgments in the file, by task id. */
        final Map<UUID, dev.tribunal.budget.Reservation> reservations = new LinkedHashMap<>();
        /** Why a budget holds back the rest of the run's judgments; null while none does. */
        String heldBack;
        /** The budget holding them back is spent for the day (a sweep that waits), not only held by calls in flight. */
        boolean heldUntilTomorrow;
        /** Tasks looked at so far. */
        int seen;
    }

    private Uni<Void> prepare(UUID batchId, BatchTasks.Group group, ModelId model, ProvidersConfig.Provider settings, List<JudgeTask> claimed,
                              File file) {
        LinkedHashSet<String> traceIds = new LinkedHashSet<>();
        claimed.forEach(t -> traceIds.add(t.traceId()));
        return loader.load(traceIds)
                // prompts are rendered off the event loop
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .chain(traces -> Multi.createFrom().iterable(claimed)
                        .onItem().transformToUniAndConcatenate(task -> add(file, task, model, settings, traces)
                                .chain(() -> ++file.seen % RENEW_EVERY == 0 ? renew(batchId, file) : Uni.createFrom().voidItem()))
                        .collect().last())
                .chain(() -> tasks.write(file.judged))
                .chain(() -> file.left.isEmpty() ? Uni.createFrom().voidItem()
                        : tasks.release(file.left).chain(() -> store.forget(batchId, file.left)))
                .invoke(() -> passOver(group, settings, file))
                .chain(() -> store.reserved(batchId, reservationIds(file)))
                // recorded with the batch, the reservations are held until its answers may come
                .chain(() -> budgets.holdUntilAnswered(file.reservations.values(), settings))
                .chain(() -> file.requests > 0 ? send(batchId, group, model, settings, file)
                        : file.judged.isEmpty() ? store.discard(batchId) : store.close(batchId, "JUDGED"));
    }

    /** Renews the batch's lease while its file is written; fails (the batch lost) when another process took it over. */
    private Uni<Void> renew(UUID batchId, File file) {
        return renew(batchId, file, config.lease());
    }

    private Uni<Void> renew(UUID batchId, File file, java.time.Duration lease) {
        return store.renew(batchId, lease).invoke(held -> {
            if (!held) {
                file.lost = true;
                throw new IllegalStateException("the batch was taken over while it was prepared");
            }
        }).replaceWithVoid();
    }

    /**
     * A run whose judgments a budget held back is looked at again after the provider's first poll delay; when the budget
     * is spent for the day (a sweep that waits), after its longest poll delay or on the next UTC day, whichever is first.
     */
    private void passOver(BatchTasks.Group group, ProvidersConfig.Provider settings, File file) {
        if (file.heldBack != null) {
            java.time.Instant now = java.time.Instant.now();
            java.time.Instant tomorrow = dev.tribunal.budget.BudgetLedger.today().plusDays(1).atStartOfDay(java.time.ZoneOffset.UTC).toInstant();
            java.time.Instant later = now.plus(file.heldUntilTomorrow ? settings.batchPollMax() : settings.batchPollEvery());
            passed.put(group.runId(), later.isAfter(tomorrow) ? tomorrow : later);
            LOG.infof("Run %s: %d judgment%s on %s wait: %s", group.runId(), file.left.size(), file.left.size() == 1 ? "" : "s",
                    group.modelId(), file.heldBack);
        }
    }

    private static Map<UUID, UUID> reservationIds(File file) {
        Map<UUID, UUID> ids = new LinkedHashMap<>();
        file.reservations.forEach((task, reservation) -> ids.put(task, reservation.id()));
        return ids;
    }

    /** A task's lines in the file, its judgment when it needs no call, or left for a later batch when the file is full. */
    private Uni<Void> add(File file, JudgeTask task, ModelId model, ProvidersConfig.Provider settings, Map<String, TraceData> traces) {
        if (file.heldBack != null) {
            // a budget holds back the rest of the run: none of it is rendered, it all waits
            file.left.add(task);
            return Uni.createFrom().voidItem();
        }
        return judges.judgeOf(task).chain(found -> {
            TraceData trace = traces.get(task.traceId());
            if (found.judge() == null || trace == null) {
                file.judged.put(task, BatchJudges.unavailable(task, found.judge() == null ? found.problem()
                        : "trace " + task.traceId() + " no longer exists"));
                return Uni.createFrom().voidItem();
            }
            int samples = task.samples() != null ? task.samples() : found.judge().samples();
            return runner.batchCalls(found.judge(), model, trace, task.runId(), samples).chain(calls -> {
                if (calls.judgment() != null) {
                    file.judged.put(task, calls.judgment());
                    return Uni.createFrom().voidItem();
                }
                if (file.heldBack != null) {
                    file.left.add(task);
                    return Uni.createFrom().voidItem();
                }
                List<String> lines = new ArrayList<>();
                long bytes = 0;
                for (int i = 0; i < calls.requests().size(); i++) {
                    String line = providers.line(BatchJudges.customId(task, i), calls.requests().get(i));
                    lines.add(line);
                    bytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
                }
                if (file.requests + lines.size() > settings.batchMaxRequests() || file.bytes + bytes > settings.batchMaxBytes()) {
                    file.left.add(task);
                    return Uni.createFrom().voidItem();
                }
                long size = bytes;
                return budgets.admit(task, found.judge(), model, calls).invoke(admission -> {
                    if (admission instanceof BudgetGate.Admitted admitted) {
                        if (admitted.reservation() != null) {
                            file.reservations.put(task.taskId(), admitted.reservation());
                        }
                        lines.forEach(line -> file.text.append(line).append('\n'));
                        file.bytes += size;
                        file.requests += lines.size();
                    } else if (admission instanceof BudgetGate.Refused refused) {
                        file.judged.put(task, BatchJudges.failed(task, refused.code(), refused.message()));
                    } else {
                        // the sweep waits for the next day, or the budget's room is held by calls not answered yet
                        file.heldBack = admission instanceof BudgetGate.Deferred deferred ? deferred.message()
                                : ((BudgetGate.Held) admission).message();
                        file.heldUntilTomorrow = admission instanceof BudgetGate.Deferred;
                        file.left.add(task);
                    }
                }).replaceWithVoid();
            });
        });
    }

    private Uni<Void> send(UUID batchId, BatchTasks.Group group, ModelId model, ProvidersConfig.Provider settings, File file) {
        String text = file.text.toString();
        // the lease outlasts the upload and then the create, however long each may take before it fails
        return renew(batchId, file, config.lease().plus(providers.exchangeBound(model.provider(), file.bytes)))
                .chain(() -> providers.upload(model.provider(), text))
                .call(fileId -> store.uploaded(batchId, fileId, config.lease().plus(providers.exchangeBound(model.provider(), 0))).invoke(held -> {
                    if (!held) {
                        file.lost = true;
                        throw new IllegalStateException("the batch was taken over while it was prepared");
                    }
                    file.uploaded = true;
                }))
                .chain(fileId -> providers.create(model.provider(), fileId)
                        .chain(state -> store.submitted(batchId, state, fileId, file.requests, settings.batchPollEvery())
                                .chain(recorded -> recorded ? Uni.createFrom().voidItem()
                                        .invoke(() -> LOG.infof("Run %s: sent batch %s of %d requests (%d bytes) to %s", group.runId(),
                                                state.id(), file.requests, file.bytes, model.provider()))
                                        : orphaned(group, model, state))));
    }

    /**
     * A batch made at the provider after Tribunal gave it up (its create answered too late, and its judgments went back
     * to wait): it is cancelled there, so that its judgments are not paid for twice.
     */
    private Uni<Void> orphaned(BatchTasks.Group group, ModelId model, ProviderBatches.BatchState state) {
        LOG.warnf("Run %s: batch %s at %s was made after it was given up; cancelling it", group.runId(), state.id(), model.provider());
        return providers.cancel(model.provider(), state.id()).replaceWithVoid()
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("Cancelling batch %s at %s failed: %s", state.id(), model.provider(), failure.toString());
                    return Uni.createFrom().voidItem();
                });
    }
}
