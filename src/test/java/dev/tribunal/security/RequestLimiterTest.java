package dev.tribunal.security;

import dev.tribunal.system.TooManyRequestsException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The limiter's counting, without a server and its timing: the tests over HTTP (RequestLimitTest) show the answers a
 * client gets, this one that each budget holds exactly, however slowly the requests come in on a busy machine.
 */
class RequestLimiterTest {

    private static RequestLimiter limiter(int perSecond, int signIns, int failedKeys) {
        return new RequestLimiter(new SecurityConfig() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public int requestsPerSecondPerKey() {
                return perSecond;
            }

            @Override
            public int signInsPerMinute() {
                return signIns;
            }

            @Override
            public int failedKeysPerMinute() {
                return failedKeys;
            }

            @Override
            public Map<String, List<String>> groupRoles() {
                return Map.of();
            }
        });
    }

    @Test
    void aKeyHasItsBurstThenWaits() {
        RequestLimiter limiter = limiter(5, 10, 10);
        for (int i = 0; i < 5; i++) {
            limiter.acquire("busy");
        }
        TooManyRequestsException refused = assertThrows(TooManyRequestsException.class, () -> limiter.acquire("busy"));
        assertTrue(refused.retryAfterSeconds() >= 1);
        assertTrue(refused.getMessage().contains("busy"), refused.getMessage());
        assertDoesNotThrow(() -> limiter.acquire("calm"), "another key has its own budget");
    }

    @Test
    void anAddressOverItsFailedKeysIsRefusedBeforeTheLookupOthersAreNot() {
        RequestLimiter limiter = limiter(100, 10, 3);
        for (int i = 0; i < 3; i++) {
            assertDoesNotThrow(() -> limiter.checkFailedKeys("192.0.2.7"), "a failure within the budget");
            limiter.failedKey("192.0.2.7");
        }
        TooManyRequestsException refused = assertThrows(TooManyRequestsException.class, () -> limiter.checkFailedKeys("192.0.2.7"));
        assertTrue(refused.retryAfterSeconds() >= 1 && refused.retryAfterSeconds() <= 20, "one failure's share of a minute: "
                + refused.retryAfterSeconds());
        assertTrue(refused.getMessage().contains("tribunal.security.failed-keys-per-minute"), refused.getMessage());
        assertDoesNotThrow(() -> limiter.checkFailedKeys("192.0.2.8"), "another address is not held back");
        for (int i = 0; i < 50; i++) {
            limiter.checkFailedKeys("198.51.100.1");
        }
    }
}
