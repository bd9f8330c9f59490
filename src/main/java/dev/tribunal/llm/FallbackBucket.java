package dev.tribunal.llm;

import io.github.bucket4j.Bucket;
import org.jboss.logging.Logger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shared budget that keeps calls going when the database cannot be reached: the draw is made from
 * this process's own bucket of the same size instead (logged once a minute), so a database hiccup
 * slows nothing and fails no judgment; the cluster may then exceed the budget for that while.
 */
final class FallbackBucket {

    private static final Logger LOG = Logger.getLogger(FallbackBucket.class);
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Bucket shared;
    private final Bucket local;
    private final String provider;
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    FallbackBucket(Bucket shared, Bucket local, String provider) {
        this.shared = shared;
        this.local = local;
        this.provider = provider;
    }

    /** Waits until {@code tokens} can be taken, then takes them. */
    void consume(long tokens) throws InterruptedException {
        try {
            shared.asBlocking().consume(tokens);
        } catch (RuntimeException e) {
            warn(e);
            local.asBlocking().consume(tokens);
        }
    }

    /** Takes tokens whether or not they are there: the debt is waited out by later draws. */
    void consumeIgnoringRateLimits(long tokens) {
        try {
            shared.consumeIgnoringRateLimits(tokens);
        } catch (RuntimeException e) {
            warn(e);
            local.consumeIgnoringRateLimits(tokens);
        }
    }

    private void warn(RuntimeException e) {
        long now = System.nanoTime();
        long last = lastWarning.get();
        if (now - last >= WARN_EVERY_NANOS && lastWarning.compareAndSet(last, now)) {
            LOG.warnf("The shared budget of provider %s cannot be reached (%s); drawing from this process's own until it can",
                    provider, e.toString());
        }
    }
}
