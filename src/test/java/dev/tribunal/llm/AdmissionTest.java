package dev.tribunal.llm;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AdmissionTest {

    private final ExecutorService others = Executors.newCachedThreadPool();

    @AfterEach
    void stopOtherThreads() {
        others.shutdownNow();
    }

    private static Admission slots(int max) {
        return new Admission(new AdaptiveLimit(max), null, null, 0);
    }

    /** A budget of this process alone, {@code perMinute} a minute, a second's worth at once. */
    private static FallbackBucket budget(long perMinute) {
        var bucket = ProviderBudgets.local(perMinute);
        return new FallbackBucket(bucket, bucket, "test");
    }

    /** Enters on another thread; the future ends with the milliseconds it waited. */
    private Future<Long> enterElsewhere(Admission admission, long tokens) {
        return others.submit(() -> {
            long started = System.nanoTime();
            admission.enter(tokens);
            return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        });
    }

    @Test
    void onePauseHoldsEveryCallOfTheProvider() throws Exception {
        Admission admission = slots(4);
        admission.pauseFor(Duration.ofMillis(700));

        Future<Long> first = enterElsewhere(admission, 1);
        Future<Long> second = enterElsewhere(admission, 1);

        assertThrows(TimeoutException.class, () -> first.get(300, TimeUnit.MILLISECONDS), "a free slot does not end the pause");
        assertFalse(second.isDone());
        assertTrue(first.get(5, TimeUnit.SECONDS) >= 600, "waited out the pause");
        assertTrue(second.get(5, TimeUnit.SECONDS) >= 600, "waited out the pause");
        assertEquals(2, admission.inFlight());
    }

    @Test
    void aThrottleHalvesTheLimitAndPausesForWhatTheProviderAsked() {
        Admission admission = slots(4);

        admission.onThrottled(Optional.of(Duration.ofSeconds(30)));
        assertEquals(2, admission.limit());
        Duration left = admission.pauseLeft();
        assertTrue(left.compareTo(Duration.ofSeconds(25)) > 0 && left.compareTo(Duration.ofSeconds(30)) <= 0, left.toString());

        admission.onThrottled(Optional.empty());
        assertEquals(1, admission.limit());
        assertTrue(admission.pauseLeft().compareTo(Duration.ofSeconds(25)) > 0, "a 429 without Retry-After keeps the pause");
    }

    @Test
    void aPauseIsNeverShortenedAndAtMostFiveMinutes() {
        Admission admission = slots(1);
        assertEquals(Duration.ZERO, admission.pauseLeft());

        admission.pauseFor(Duration.ofSeconds(10));
        admission.pauseFor(Duration.ofMillis(100));
        assertTrue(admission.pauseLeft().compareTo(Duration.ofSeconds(9)) > 0, "a shorter pause leaves the longer one");

        admission.pauseFor(Duration.ofDays(1));
        Duration left = admission.pauseLeft();
        assertTrue(left.compareTo(Duration.ofMinutes(4)) > 0 && left.compareTo(Duration.ofMinutes(5)) <= 0, left.toString());
    }

    @Test
    void aCallBeyondTheLimitWaitsForASlotGivenBack() throws Exception {
        Admission admission = slots(1);
        admission.enter(1);

        Future<Long> second = enterElsewhere(admission, 1);

        assertThrows(TimeoutException.class, () -> second.get(300, TimeUnit.MILLISECONDS));
        admission.leave();
        second.get(5, TimeUnit.SECONDS);
    }

    @Test
    void theRequestBudgetSpacesCalls() throws Exception {
        Admission admission = new Admission(new AdaptiveLimit(4), budget(60), null, 0);
        admission.enter(1);
        admission.leave();

        Future<Long> second = enterElsewhere(admission, 1);

        assertThrows(TimeoutException.class, () -> second.get(300, TimeUnit.MILLISECONDS), "60 a minute: one a second");
        assertTrue(second.get(5, TimeUnit.SECONDS) >= 500, "waited for the budget");
    }

    @Test
    void aCallLargerThanASecondsWorthOfTokensGoesAndLeavesTheBudgetInDebt() throws Exception {
        // 60,000 a minute: 1,000 at once, then about 1,000 a second
        Admission admission = new Admission(new AdaptiveLimit(4), null, budget(60_000), 1_000);

        assertTrue(enterElsewhere(admission, 5_000).get(5, TimeUnit.SECONDS) < 1_000, "a big prompt is not stuck");
        Future<Long> next = enterElsewhere(admission, 10);

        assertThrows(TimeoutException.class, () -> next.get(2, TimeUnit.SECONDS), "4,000 tokens owed take about four seconds");
    }

    @Test
    void tokensUsedBeyondTheEstimateAreOwed() throws Exception {
        Admission exact = new Admission(new AdaptiveLimit(4), null, budget(60_000), 1_000);
        Admission over = new Admission(new AdaptiveLimit(4), null, budget(60_000), 1_000);
        for (Admission admission : new Admission[] {exact, over}) {
            admission.enter(1_000);
            admission.leave();
        }

        exact.onSuccess(1_000, 1_000);
        over.onSuccess(1_000, 4_000);

        assertTrue(enterElsewhere(exact, 10).get(5, TimeUnit.SECONDS) < 1_000, "nothing owed");
        Future<Long> owing = enterElsewhere(over, 10);
        assertThrows(TimeoutException.class, () -> owing.get(2, TimeUnit.SECONDS), "3,000 tokens owed take about three seconds");
    }

    @Test
    void aPauseThatBeginsWhileACallWaitsForTheBudgetSendsItBackWithoutItsSlot() throws Exception {
        Admission admission = new Admission(new AdaptiveLimit(4), budget(60), null, 0);
        admission.enter(1);
        admission.leave();

        Future<Long> waiting = enterElsewhere(admission, 1);
        Thread.sleep(100);
        admission.pauseFor(Duration.ofMillis(2_000));
        Thread.sleep(1_400);

        assertEquals(0, admission.inFlight(), "its budget came during the pause: the slot is given back meanwhile");
        assertFalse(waiting.isDone());
        assertTrue(waiting.get(5, TimeUnit.SECONDS) >= 2_000, "went only after the pause");
    }

    @Test
    void sharingTheProviderSharesTheLimit() {
        Admission admission = slots(8);
        admission.shareAmong(4);
        assertEquals(2, admission.limit());
    }

    @Test
    void aCallIsCountedForItsCharactersAndItsCompletion() {
        ModelId model = new ModelId("p", "m");
        String system = "s".repeat(40);
        String user = "u".repeat(80);

        assertEquals(10 + 20 + LlmRequest.DEFAULT_COMPLETION_TOKENS,
                Admission.tokenEstimate(new LlmRequest(model, system, user, null, null, null, null, null)));
        assertEquals(10 + 20 + 50, Admission.tokenEstimate(new LlmRequest(model, system, user, null, null, 50, null, null)));
    }
}
