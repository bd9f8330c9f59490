package dev.tribunal.llm;

import dev.tribunal.run.RunTestSupport;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The start says what each provider is (never its key), and a provider without a key is called without one. */
@QuarkusTest
class ProviderStartTest {

    @Test
    void theStartLogsEachProviderWithItsKeyStateAndLimits() throws Exception {
        String log = Files.readString(Path.of(FakeProviders.LOG_FILE));
        String url = FakeProviders.server.baseUrl();
        assertTrue(log.contains("Provider 'fake': " + url + ", API key set; at most 4 calls at once, timeout 2 s, 2 retries"), log);
        assertTrue(log.contains("Provider 'fake-rpm': " + url + ", API key set; at most 16 calls at once, 120 requests/min (cluster budget)"), log);
        assertTrue(log.contains("Provider 'fake-keyless': " + url + ", no API key (set TRIBUNAL_PROVIDERS_FAKE_KEYLESS_API_KEY or "
                + "tribunal.providers.fake-keyless.api-key): judges on it cannot run"), log);
        assertTrue(log.contains("Provider 'fake-open': " + url + ", no API key (none sent)"), log);
        assertTrue(log.contains("Provider 'openai': https://api.openai.com/v1, no API key (set OPENAI_API_KEY or tribunal.providers.openai.api-key)"), log);
        assertFalse(log.contains(FakeProviders.SECRET_KEY), "never the key");
    }

    @Test
    void aProviderWithoutAKeyGetsNoAuthorizationHeader() {
        List<String> traces = RunTestSupport.traces(1, "open");
        String run = RunTestSupport.startRun(List.of("relevance"), traces, List.of("fake-open:/open-model"));
        assertEquals(1, RunTestSupport.awaitCompleted(run, Duration.ofSeconds(30)).getInt("succeeded"));
        List<FakeOpenAiServer.Received> received = FakeProviders.server.received("open-model");
        assertEquals(1, received.size());
        assertNull(received.get(0).authorization(), "no Authorization header at all, not 'Bearer none'");
    }
}
