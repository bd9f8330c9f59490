package dev.tribunal.llm;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class AdaptiveLimitTest {

    private final ExecutorService other = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopOtherThread() {
        other.shutdownNow();
    }

    @Test
    void startsAtTheMaximum() {
        assertEquals(8, new AdaptiveLimit(8).limit());
        assertEquals(1, new AdaptiveLimit(1).limit());
    }

    @Test
    void aThrottleHalvesTheLimitDownToOne() {
        AdaptiveLimit limit = new AdaptiveLimit(10);

        limit.onThrottled();
        assertEquals(5, limit.limit());
        limit.onThrottled();
        assertEquals(2, limit.limit());
        limit.onThrottled();
        assertEquals(1, limit.limit());
        limit.onThrottled();
        assertEquals(1, limit.limit());
    }

    @Test
    void successesGrowTheLimitByOnePerFullWindow() {
        AdaptiveLimit limit = new AdaptiveLimit(4);
        limit.onThrottled();
        limit.onThrottled();
        assertEquals(1, limit.limit());

        limit.onSuccess();
        assertEquals(2, limit.limit(), "one success is a full window at limit 1");
        limit.onSuccess();
        assertEquals(2, limit.limit(), "limit 2 needs two successes");
        limit.onSuccess();
        assertEquals(3, limit.limit());
        limit.onSuccess();
        limit.onSuccess();
        assertEquals(3, limit.limit(), "limit 3 needs three successes");
        limit.onSuccess();
        assertEquals(4, limit.limit());
        for (int i = 0; i < 20; i++) {
            limit.onSuccess();
        }
        assertEquals(4, limit.limit(), "never above the maximum");
    }

    @Test
    void aThrottleRestartsTheSuccessWindow() {
        AdaptiveLimit limit = new AdaptiveLimit(8);
        limit.onThrottled();
        limit.onThrottled();
        assertEquals(2, limit.limit());
        limit.onSuccess();

        limit.onThrottled();
        assertEquals(1, limit.limit());
        limit.onSuccess();
        assertEquals(2, limit.limit());
        limit.onSuccess();
        assertEquals(2, limit.limit(), "the success before the throttle no longer counts");
    }

    @Test
    void acquireBlocksAtTheLimitAndProceedsAfterARelease() throws Exception {
        AdaptiveLimit limit = new AdaptiveLimit(2);
        limit.acquire();
        limit.acquire();

        Future<?> third = other.submit(() -> {
            limit.acquire();
            return null;
        });

        assertThrows(TimeoutException.class, () -> third.get(300, TimeUnit.MILLISECONDS), "a third call must wait");
        limit.release();
        third.get(5, TimeUnit.SECONDS);
    }

    @Test
    void aLoweredLimitHoldsBackCallsUntilSuccessesRaiseIt() throws Exception {
        AdaptiveLimit limit = new AdaptiveLimit(2);
        limit.onThrottled();
        limit.acquire();

        Future<?> second = other.submit(() -> {
            limit.acquire();
            return null;
        });

        assertThrows(TimeoutException.class, () -> second.get(300, TimeUnit.MILLISECONDS), "limit 1 admits one call");
        assertFalse(second.isDone());
        limit.onSuccess();
        second.get(5, TimeUnit.SECONDS);
        assertEquals(2, limit.limit());
    }
}
