package dev.tribunal.security;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import dev.tribunal.system.TooManyRequestsException;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * How often each caller may come, in this process (Bucket4j token buckets): requests per second per API key and per
 * single-sign-on user, sign-in attempts per minute per client address.
 */
@ApplicationScoped
class RequestLimiter {

    private final Limit perKey;
    private final Limit perSsoUser;
    private final Limit signInsPerAddress;

    RequestLimiter(SecurityConfig config) {
        this.perKey = new Limit(config.requestsPerSecondPerKey(), Duration.ofSeconds(1));
        this.perSsoUser = new Limit(config.requestsPerSecondPerKey(), Duration.ofSeconds(1));
        this.signInsPerAddress = new Limit(config.signInsPerMinute(), Duration.ofMinutes(1));
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

    /** So many permits per period for each caller. */
    private static final class Limit {
        private final int permits;
        private final Duration period;
        private final ConcurrentMap<String, Bucket> buckets = new ConcurrentHashMap<>();

        Limit(int permits, Duration period) {
            this.permits = permits;
            this.period = period;
        }

        void take(String caller, String refusal) {
            ConsumptionProbe probe = buckets.computeIfAbsent(caller, c -> Bucket.builder()
                    .addLimit(Bandwidth.builder().capacity(permits).refillGreedy(permits, period).build())
                    .build()).tryConsumeAndReturnRemaining(1);
            if (!probe.isConsumed()) {
                throw new TooManyRequestsException(refusal, Math.max(1, (probe.getNanosToWaitForRefill() + 999_999_999L) / 1_000_000_000L));
            }
        }
    }
}
