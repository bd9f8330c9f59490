package dev.tribunal.security;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.EstimationProbe;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.tribunal.system.TooManyRequestsException;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;

/**
 * How often each caller may come, in this process (Bucket4j token buckets): requests per second per API key and per
 * single-sign-on user, sign-in attempts and unknown or wrong keys per minute per client address.
 */
@ApplicationScoped
class RequestLimiter {

    private final Limit perKey;
    private final Limit perSsoUser;
    private final Limit signInsPerAddress;
    private final Limit failedKeysPerAddress;

    RequestLimiter(SecurityConfig config) {
        this.perKey = new Limit(config.requestsPerSecondPerKey(), Duration.ofSeconds(1));
        this.perSsoUser = new Limit(config.requestsPerSecondPerKey(), Duration.ofSeconds(1));
        this.signInsPerAddress = new Limit(config.signInsPerMinute(), Duration.ofMinutes(1));
        this.failedKeysPerAddress = new Limit(config.failedKeysPerMinute(), Duration.ofMinutes(1));
    }

    /** A request with an API key (or a session signed in with it). */
    void acquire(String key) {
        perKey.take(key, "Key '" + key + "' is over its " + perKey.permits
                + " requests per second (tribunal.security.requests-per-second-per-key)");
    }

    /** A request with a single-sign-on token: its user has the same budget as a key, counted apart from keys. */
    void acquireSso(String user) {
        perSsoUser.take(user, "User '" + user + "' is over the " + perSsoUser.permits
                + " requests per second a caller may make (tribunal.security.requests-per-second-per-key)");
    }

    /** A sign-in attempt from a client address. */
    void acquireSignIn(String address) {
        signInsPerAddress.take(address, "Too many sign-in attempts from this address; wait a minute");
    }

    /**
     * Refuses a key lookup from a client address that is over its unknown or wrong keys (and ended sessions) per minute,
     * before the database is asked. Only failures count, not every lookup: a valid key has its own rate already, and many
     * clients behind one address (a NAT, a proxy) must not share one budget for valid requests. Once the address is over
     * it, though, every key it sends waits: telling a valid one from a guess would take the lookup this saves.
     */
    void checkFailedKeys(String address) {
        failedKeysPerAddress.check(address, "Too many unknown or wrong API keys from this address (tribunal.security.failed-keys-per-minute); "
                + "wait before sending a key again");
    }

    /** An unknown or wrong key (or an ended session) from a client address. */
    void failedKey(String address) {
        failedKeysPerAddress.count(address);
    }

    /**
     * So many permits per period for each caller. A caller's bucket is forgotten once it has not been used for a period:
     * it would be full again by then, and the callers that come and go (client addresses) do not pile up.
     */
    private static final class Limit {
        private final int permits;
        private final Duration period;
        private final Cache<String, Bucket> buckets;

        Limit(int permits, Duration period) {
            this.permits = permits;
            this.period = period;
            this.buckets = Caffeine.newBuilder().expireAfterAccess(period).build();
        }

        private Bucket bucket(String caller) {
            return buckets.get(caller, c -> Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(permits).refillGreedy(permits, period).build())
                    .build());
        }

        void take(String caller, String refusal) {
            ConsumptionProbe probe = bucket(caller).tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                throw new TooManyRequestsException(refusal, retryAfterSeconds(probe.getNanosToWaitForRefill()));
            }
        }

        /** Refuses a caller whose permits are used up, without taking one. */
        void check(String caller, String refusal) {
            Bucket bucket = buckets.getIfPresent(caller);
            if (bucket == null) {
                return;
            }
            EstimationProbe probe = bucket.estimateAbilityToConsume(1);
            if (!probe.canBeConsumed()) {
                throw new TooManyRequestsException(refusal, retryAfterSeconds(probe.getNanosToWaitForRefill()));
            }
        }

        /** Takes a permit if one is left: what is counted here is refused by {@link #check} once the permits are used up. */
        void count(String caller) {
            bucket(caller).tryConsume(1);
        }

        private static long retryAfterSeconds(long nanos) {
            return Math.max(1, (nanos + 999_999_999L) / 1_000_000_000L);
        }
    }
}
