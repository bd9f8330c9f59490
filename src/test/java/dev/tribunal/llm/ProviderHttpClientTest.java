package dev.tribunal.llm;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProviderHttpClientTest {

    @Test
    void parsesOpenAiRateLimitResets() {
        assertEquals(Optional.of(Duration.ofSeconds(1)), ProviderHttpClient.parseReset("1s"));
        assertEquals(Optional.of(Duration.ofMinutes(6)), ProviderHttpClient.parseReset("6m0s"));
        assertEquals(Optional.of(Duration.ofMillis(20)), ProviderHttpClient.parseReset("20ms"));
        assertEquals(Optional.of(Duration.ofMillis(3_723_500)), ProviderHttpClient.parseReset("1h2m3.5s"));
        assertEquals(Optional.of(Duration.ofMillis(500)), ProviderHttpClient.parseReset("0.5s"));
        assertEquals(Optional.of(Duration.ofMinutes(2)), ProviderHttpClient.parseReset("2m"));
        assertEquals(Optional.of(Duration.ofMillis(1_250)), ProviderHttpClient.parseReset(" 1s250ms "));
    }

    @Test
    void garbageIsNoReset() {
        for (String garbage : new String[] {"", "   ", "soon", "10", "-1s", "1d", "s", "ms", "1s2h",
                "1.2.3s", "1..s", ".s", "99999999999999999999h"}) {
            assertEquals(Optional.empty(), ProviderHttpClient.parseReset(garbage), "\"" + garbage + "\"");
        }
    }
}
