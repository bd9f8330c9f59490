package dev.tribunal.run;

import dev.tribunal.llm.JudgeModelClient;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The judging processes on this database (table {@code worker}, a heartbeat every two seconds): each
 * provider's max-concurrency is divided evenly among the live ones. A process judges nothing until its
 * heartbeat has been seen for one period, so that the others have shrunk their share before it takes
 * its own; one that stops deletes its row, one that dies is forgotten after ten seconds.
 */
@ApplicationScoped
class Workers {

    private static final Logger LOG = Logger.getLogger(Workers.class);
    /** How often each process says it is alive and recounts the others. */
    static final Duration HEARTBEAT = Duration.ofSeconds(2);
    /** A process not heard from for this long is gone: five heartbeats, so a slow one is not dropped. */
    static final Duration GONE_AFTER = Duration.ofSeconds(10);

    private static final String BEAT = "insert into worker (holder, started_at, heartbeat_at) values ($1, now(), now()) "
            + "on conflict (holder) do update set heartbeat_at = now()";
    private static final String COUNT = "select count(*) as n from worker where heartbeat_at > now() - make_interval(secs => $1)";
    private static final String FORGET = "delete from worker where heartbeat_at < now() - make_interval(secs => $1) or holder = $2";

    private final Pool pool;
    private final TaskQueue queue;
    private final JudgeModelClient models;
    private final WorkerConfig config;
    private volatile long firstBeatNanos;
    private volatile int live = 1;
    private volatile boolean stopped;

    Workers(Pool pool, TaskQueue queue, JudgeModelClient models, WorkerConfig config) {
        this.pool = pool;
        this.queue = queue;
        this.models = models;
        this.config = config;
    }

    /** Whether this process may judge: it has been counted by the others. */
    boolean ready() {
        return firstBeatNanos != 0 && System.nanoTime() - firstBeatNanos >= HEARTBEAT.toNanos() + TimeUnit.MILLISECONDS.toNanos(500);
    }

    /** The live judging processes, this one included, at the last heartbeat. */
    int live() {
        return live;
    }

    @Scheduled(every = "2s", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> beat() {
        if (!config.enabled() || stopped) {
            return Uni.createFrom().voidItem();
        }
        return pool.preparedQuery(BEAT).execute(Tuple.of(queue.holder()))
                .chain(() -> pool.preparedQuery(COUNT).execute(Tuple.of((double) GONE_AFTER.toSeconds())))
                .invoke(result -> {
                    if (firstBeatNanos == 0) {
                        firstBeatNanos = System.nanoTime();
                    }
                    int count = Math.max(1, result.iterator().next().getLong("n").intValue());
                    if (count != live) {
                        LOG.infof("%d judging processes share this database; each takes 1/%d of every provider's max-concurrency",
                                count, count);
                    }
                    live = count;
                    models.shareAmong(count);
                })
                .replaceWithVoid()
                .onFailure().invoke(e -> LOG.warnf("Heartbeat failed: %s", e.toString()))
                .onFailure().recoverWithNull();
    }

    /**
     * A stopping process leaves (and clears those long gone), so the others take its share: after the
     * worker's own shutdown (a later priority), once its calls have finished.
     */
    void onStop(@Observes @jakarta.annotation.Priority(jakarta.interceptor.Interceptor.Priority.APPLICATION + 1000) ShutdownEvent event) {
        stopped = true;
        if (firstBeatNanos == 0) {
            return;
        }
        try {
            pool.preparedQuery(FORGET).execute(Tuple.of((double) GONE_AFTER.toSeconds(), queue.holder()))
                    .await().atMost(Duration.ofSeconds(5));
        } catch (RuntimeException e) {
            LOG.debugf("Leaving the worker table failed: %s", e.toString());
        }
    }
}
