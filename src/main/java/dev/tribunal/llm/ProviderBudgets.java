package dev.tribunal.llm;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;

import java.time.Duration;

/**
 * Where providers' per-minute budgets live. A budget of {@code perMinute} allows a second's worth at
 * once and refills the rest evenly, so that no 60-second window ever sees more than the budget.
 */
public interface ProviderBudgets {

    /**
     * The budget named {@code key} (provider and kind, e.g. {@code openai/requests}), shared by every
     * process that asks for the same key and size.
     */
    Bucket perMinute(String key, long perMinute);

    /** A second's worth of a budget, at least one. */
    static long burst(long perMinute) {
        return Math.max(1, perMinute / 60);
    }

    static BucketConfiguration configuration(long perMinute) {
        long burst = burst(perMinute);
        long refill = Math.max(1, perMinute - burst);
        return BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(burst).refillGreedy(refill, Duration.ofMinutes(1)).initialTokens(burst).build())
                .build();
    }

    /** Budgets of this process alone. */
    static Bucket local(long perMinute) {
        return Bucket.builder()
                .addLimit(configuration(perMinute).getBandwidths()[0])
                .build();
    }
}
