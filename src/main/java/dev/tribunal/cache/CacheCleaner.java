package dev.tribunal.cache;

import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Deletes the judgment cache's expired entries in the background, a batch per statement until none is left. Every
 * process runs it; two at once only delete the same rows sooner, so no process needs to be chosen.
 */
@ApplicationScoped
public class CacheCleaner {

    private static final Logger LOG = Logger.getLogger(CacheCleaner.class);

    private final JudgmentCache cache;
    private final int batch;

    CacheCleaner(JudgmentCache cache, CacheConfig config) {
        this.cache = cache;
        this.batch = config.cleanBatch();
    }

    // the default repeats CacheConfig's: the scheduler reads the property, not the mapping
    @Scheduled(every = "${tribunal.cache.clean-every:1h}", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP,
            skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    Uni<Void> tick() {
        return clean()
                .invoke(deleted -> {
                    if (deleted > 0) {
                        LOG.infof("Deleted %d expired judgment cache entries", deleted);
                    }
                })
                .onFailure().recoverWithItem(failure -> {
                    LOG.warnf("Deleting expired judgment cache entries failed; trying again at the next tick: %s", failure.toString());
                    return 0L;
                })
                .replaceWithVoid();
    }

    /** Deletes every expired entry, a batch at a time; how many it deleted. */
    public Uni<Long> clean() {
        return Multi.createBy().repeating().uni(() -> cache.deleteExpired(batch)).whilst(deleted -> deleted == batch)
                .collect().with(java.util.stream.Collectors.summingLong(Integer::longValue));
    }
}
