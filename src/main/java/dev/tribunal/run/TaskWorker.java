package dev.tribunal.run;

import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.judge.Judgment;
import dev.tribunal.judge.TraceData;
import dev.tribunal.llm.ModelId;
import dev.tribunal.system.Times;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * Claims pending tasks while this process has room, loads their traces (then closes the session),
 * and starts their judgments; each finished judgment goes to the {@link ResultWriter}.
 */
@ApplicationScoped
class TaskWorker {

    private static final Logger LOG = Logger.getLogger(TaskWorker.class);
    /** Tasks claimed per transaction. */
    private static final int CLAIM_BATCH = 200;

    private final WorkerConfig config;
    private final TaskRepository tasks;
    private final RunRepository runs;
    private final TraceDataLoader loader;
    private final JudgeCatalog catalog;
    private final JudgeRunner runner;
    private final ResultWriter writer;
    private final AtomicInteger inFlight = new AtomicInteger();

    TaskWorker(WorkerConfig config, TaskRepository tasks, RunRepository runs, TraceDataLoader loader, JudgeCatalog catalog,
               JudgeRunner runner, ResultWriter writer) {
        this.config = config;
        this.tasks = tasks;
        this.runs = runs;
        this.loader = loader;
        this.catalog = catalog;
        this.runner = runner;
        this.writer = writer;
    }

    @Scheduled(every = "${tribunal.worker.poll-interval:0.25s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> poll() {
        if (!config.enabled()) {
            return Uni.createFrom().voidItem();
        }
        // judgments waiting to be written count too: the writer must keep up before more is claimed
        int room = config.maxInFlight() - inFlight.get() - writer.pending();
        if (room <= 0) {
            return Uni.createFrom().voidItem();
        }
        int wanted = Math.min(room, CLAIM_BATCH);
        return claim(wanted)
                .chain(claimed -> claimed.isEmpty() ? Uni.createFrom().voidItem()
                        : start(claimed).chain(() -> claimed.size() == wanted ? poll() : Uni.createFrom().voidItem()));
    }

    private Uni<List<JudgeTask>> claim(int limit) {
        Instant now = Times.now();
        return Panache.withTransaction(() -> tasks.claim(limit, now.plus(config.lease()))
                .call(claimed -> claimed.isEmpty() ? Uni.createFrom().voidItem()
                        : runs.markStarted(claimed.stream().map(t -> t.runId).collect(Collectors.toSet()), now)));
    }

    private Uni<Void> start(List<JudgeTask> claimed) {
        inFlight.addAndGet(claimed.size());
        Set<String> traceIds = claimed.stream().map(t -> t.traceId).collect(Collectors.toCollection(LinkedHashSet::new));
        return loader.load(traceIds)
                .invoke(data -> claimed.forEach(task -> judge(task, data.get(task.traceId))))
                .onFailure().invoke(e -> {
                    inFlight.addAndGet(-claimed.size());
                    LOG.errorf("Loading traces for %d claimed tasks failed: %s", claimed.size(), e.toString());
                })
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private void judge(JudgeTask task, TraceData trace) {
        JudgeDefinition judge = catalog.find(task.judgeName).orElse(null);
        Uni<Judgment> judgment;
        if (judge == null || trace == null) {
            judgment = Uni.createFrom().item(unavailable(task, judge == null
                    ? "judge '" + task.judgeName + "' is no longer loaded" : "trace " + task.traceId + " no longer exists"));
        } else {
            ModelId model = judge.kind() == JudgeDefinition.Kind.CODE ? null : ModelId.parse(task.modelId).orElseThrow();
            judgment = runner.run(judge, model, trace, task.runId);
        }
        judgment.subscribe().with(
                result -> {
                    writer.add(task, result);
                    inFlight.decrementAndGet();
                },
                failure -> {
                    writer.add(task, unavailable(task, failure.toString()));
                    inFlight.decrementAndGet();
                });
    }

    private static Judgment unavailable(JudgeTask task, String message) {
        boolean llm = task.modelId.contains(":/");
        return new Judgment(task.judgeName, task.judgeVersion, llm ? "LLM_JUDGE" : "CODE", task.modelId, null, null, null,
                "JUDGE_UNAVAILABLE", message, Map.of(JudgeRunner.VERSION_KEY, task.judgeVersion), new Judgment.Outcome(0, 0, 0, 0, null));
    }

    /** Judgments started and not yet handed to the writer. */
    int inFlight() {
        return inFlight.get();
    }
}
