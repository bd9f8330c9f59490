package dev.tribunal.llm;

import io.github.bucket4j.Bucket;
import org.jboss.logging.Logger;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A shared budget that keeps calls going when the database cannot be reached: draws are made from this
 * process's own bucket of the same size instead, for 30 s before the shared one is tried again (logged
 * once a minute), so a database outage fails no judgment; the cluster may exceed the budget meanwhile.
 */
final class FallbackBucket {

    private static final Logger LOG = Logger.getLogger(FallbackBucket.class);
    private static final long WARN_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private final Bucket shared;
    private final Bucket local;
    private final String provider;
    /** How long the process's own budget serves after the shared one failed, before the shared one is tried again. */
    private static final long RETRY_SHARED_AFTER_NANOS = TimeUnit.SECONDS.toNanos(30);
    private volatile long localUntil;
    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);

    FallbackBucket(Bucket shared, Bucket local, String provider) {
        this.shared = shared;
        this.local = local;
        this.provider = provider;
    }

    /** Waits until {@code tokens} can be taken, then takes them. */
    void consume(long tokens) throws InterruptedException {
        if (usingLocal()) {
            local.asBlocking().consume(tokens);
            return;
        }
        try {
            shared.asBlocking().consume(tokens);
        } catch (RuntimeException e) {
            fallBack(e);
            local.asBlocking().consume(tokens);
        }
    }

    /** Takes tokens whether or not they are there: the debt is waited out by later draws. */
    void consumeIgnoringRateLimits(long tokens) {
        if (usingLocal()) {
            local.consumeIgnoringRateLimits(tokens);
            return;
        }
        try {
            shared.consumeIgnoringRateLimits(tokens);
        } catch (RuntimeException e) {
            fallBack(e);
            local.consumeIgnoringRateLimits(tokens);
        }
    }

    /** After a failure the shared budget is left alone for a while, so calls do not each wait for it to fail again. */
    private boolean usingLocal() {
        return shared != local && System.nanoTime() < localUntil;
    }

    private void fallBack(RuntimeException e) {
        localUntil = System.nanoTime() + RETRY_SHARED_AFTER_NANOS;
        warn(e);
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
