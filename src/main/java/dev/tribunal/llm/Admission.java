package dev.tribunal.llm;

import dev.tribunal.llm.ProvidersConfig.Provider;
import io.github.bucket4j.Bucket;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * When an attempt to call one provider may go: once the pause a 429 asked for is over, a slot of the adaptive
 * in-flight limit is free, and the request and token budgets allow it.
 */
final class Admission {

    /** How often a paused call looks whether the pause was lengthened or is over. */
    private static final long PAUSE_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

    // Hand-made, not SmallRye Fault Tolerance: a 429 answered to one call pauses every call of the provider for as long
    // as that answer asked, and the calls allowed in flight follow the 429s; SmallRye's Retry waits within one call
    // only, and its Bulkhead and RateLimit have fixed sizes.
    private final AtomicLong pausedUntilNanos = new AtomicLong(System.nanoTime());
    private final AdaptiveLimit inFlight;
    private final FallbackBucket requests;
    private final FallbackBucket tokens;
    private final long tokenBurst;

    Admission(String provider, Provider config, ProviderBudgets budgets) {
        this(new AdaptiveLimit(config.maxConcurrency()),
                config.requestsPerMinute().isPresent()
                        ? budget(provider, "requests", config, budgets, config.requestsPerMinute().getAsInt()) : null,
                config.tokensPerMinute().isPresent()
                        ? budget(provider, "tokens", config, budgets, config.tokensPerMinute().getAsLong()) : null,
                ProviderBudgets.burst(config.tokensPerMinute().orElse(0)));
    }

    /** With {@code requests} and {@code tokens} null for no such budget. */
    Admission(AdaptiveLimit inFlight, FallbackBucket requests, FallbackBucket tokens, long tokenBurst) {
        this.inFlight = inFlight;
        this.requests = requests;
        this.tokens = tokens;
        this.tokenBurst = tokenBurst;
    }

    /** The cluster's budget when shared (the default), else this process's own. */
    private static FallbackBucket budget(String provider, String kind, Provider config, ProviderBudgets budgets, long perMinute) {
        Bucket local = ProviderBudgets.local(perMinute);
        boolean shared = config.budgetScope() == ProvidersConfig.BudgetScope.CLUSTER;
        return new FallbackBucket(shared ? budgets.perMinute(provider + "/" + kind, perMinute) : local, local, provider);
    }

    /** Tokens a call is counted for before it goes, as OpenAI counts them: characters / 4 and the completion's maximum. */
    static long tokenEstimate(LlmRequest request) {
        return request.systemMessage().length() / 4 + request.userMessage().length() / 4
                + (request.maxTokens() == null ? LlmRequest.DEFAULT_COMPLETION_TOKENS : request.maxTokens());
    }

    /**
     * Waits until an attempt may go and takes its slot, which {@link #leave} gives back. A pause that began while
     * waiting for the budgets sends the attempt back to the start, its slot given up.
     */
    void enter(long tokenEstimate) throws InterruptedException {
        while (true) {
            waitWhilePaused();
            inFlight.acquire();
            boolean admitted = false;
            try {
                if (requests != null) {
                    requests.consume(1);
                }
                if (tokens != null) {
                    takeTokens(tokenEstimate);
                }
                admitted = pauseLeft().isZero();
                if (admitted) {
                    return;
                }
            } finally {
                if (!admitted) {
                    inFlight.release();
                }
            }
        }
    }

    void leave() {
        inFlight.release();
    }

    /** An answer: one step toward a larger in-flight limit; tokens used beyond the estimate are owed to the budget. */
    void onSuccess(long tokenEstimate, long tokensUsed) {
        inFlight.onSuccess();
        if (tokens != null && tokensUsed > tokenEstimate) {
            tokens.consumeIgnoringRateLimits(tokensUsed - tokenEstimate);
        }
    }

    /** A 429: the in-flight limit halves, and every call waits as long as the provider asked. Call before {@link #leave}. */
    void onThrottled(Optional<Duration> retryAfter) {
        inFlight.onThrottled();
        retryAfter.ifPresent(this::pauseFor);
    }

    /** Every call to this provider waits this long (at most {@link RetryPolicy#MAX_RETRY_AFTER}); a longer pause stays. */
    void pauseFor(Duration wait) {
        long until = System.nanoTime() + Math.min(wait.toNanos(), RetryPolicy.MAX_RETRY_AFTER.toNanos());
        pausedUntilNanos.accumulateAndGet(until, Math::max);
    }

    /** How long the provider's pause lasts yet; zero when there is none. */
    Duration pauseLeft() {
        return Duration.ofNanos(Math.max(0, pausedUntilNanos.get() - System.nanoTime()));
    }

    /** This process's part of the max-concurrency when {@code processes} share the provider. */
    void shareAmong(int processes) {
        inFlight.share(processes);
    }

    int inFlight() {
        return inFlight.inFlight();
    }

    int limit() {
        return inFlight.limit();
    }

    private void waitWhilePaused() throws InterruptedException {
        for (Duration left = pauseLeft(); !left.isZero(); left = pauseLeft()) {
            TimeUnit.NANOSECONDS.sleep(Math.min(left.toNanos(), PAUSE_CHECK_NANOS));
        }
    }

    /**
     * Takes a call's tokens from the per-minute budget. A call larger than the burst waits for a full bucket and then
     * leaves it in debt, which the next calls wait out: big prompts are admitted (never stuck forever) and the budget
     * per minute still holds.
     */
    private void takeTokens(long estimate) throws InterruptedException {
        long now = Math.min(estimate, tokenBurst);
        tokens.consume(now);
        if (estimate > now) {
            tokens.consumeIgnoringRateLimits(estimate - now);
        }
    }
}
