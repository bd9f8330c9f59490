package dev.tribunal.security;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import dev.tribunal.system.TooManyRequestsException;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Requests per second per key, in this process (Bucket4j token buckets). */
@ApplicationScoped
class RequestLimiter {

    private final int perSecond;
    private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    RequestLimiter(SecurityConfig config) {
        this.perSecond = config.requestsPerSecondPerKey();
    }

    void acquire(String key) {
        Bucket bucket = buckets.computeIfAbsent(key, k -> Bucket.builder()
                .addLimit(Bandwidth.builder().capacity(perSecond).refillGreedy(perSecond, Duration.ofSeconds(1)).build())
                .build());
        ConsumptionProbe probe = bucket.tryConsumeAndReturnRemaining(1);
        if (!probe.isConsumed()) {
            long seconds = Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L);
            throw new TooManyRequestsException("Key '" + key + "' is over its " + perSecond
                    + " requests per second (tribunal.security.requests-per-second-per-key)", seconds);
        }
    }
}
