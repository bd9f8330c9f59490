package dev.tribunal.llm;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Calls in flight to one provider, between 1 and its max-concurrency: halved on a 429, grown by one
 * per success (additive increase, multiplicative decrease), so a throttled provider is eased off and
 * full speed returns once it recovers.
 */
final class AdaptiveLimit {

    private final int max;
    /** This process's share of the max, when several processes share the provider. */
    private int ceiling;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition freed = lock.newCondition();
    private int limit;
    private int inFlight;
    private int successesSinceIncrease;

    AdaptiveLimit(int max) {
        this.max = max;
        this.ceiling = max;
        this.limit = max;
    }

    /**
     * Sets this process's share of the max when {@code processes} share the provider (at least one
     * call). Calls above a smaller share finish, no new one starts; a limit that was at the old share
     * moves to the new one at once, one eased off after 429s keeps growing back by itself.
     */
    void share(int processes) {
        lock.lock();
        try {
            int previous = ceiling;
            ceiling = Math.max(1, max / Math.max(1, processes));
            limit = limit >= previous ? ceiling : Math.min(limit, ceiling);
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void acquire() throws InterruptedException {
        lock.lock();
        try {
            while (inFlight >= limit) {
                freed.await(100, TimeUnit.MILLISECONDS);
            }
            inFlight++;
        } finally {
            lock.unlock();
        }
    }

    void release() {
        lock.lock();
        try {
            inFlight--;
            freed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    void onSuccess() {
        lock.lock();
        try {
            // one step up per `limit` successes: a full window of good answers earns one more slot
            if (limit < ceiling && ++successesSinceIncrease >= limit) {
                limit++;
                successesSinceIncrease = 0;
                freed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    void onThrottled() {
        lock.lock();
        try {
            limit = Math.max(1, limit / 2);
            successesSinceIncrease = 0;
        } finally {
            lock.unlock();
        }
    }

    /** Calls in flight now. */
    int inFlight() {
        lock.lock();
        try {
            return inFlight;
        } finally {
            lock.unlock();
        }
    }

    int limit() {
        lock.lock();
        try {
            return limit;
        } finally {
            lock.unlock();
        }
    }
}
