package dev.tribunal.llm;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Providers for every {@code @QuarkusTest}, all served by one {@link FakeOpenAiServer}:
 * {@code fake} (max-concurrency 4), {@code fake-rpm} (120 requests per minute), {@code fake-cb}
 * (no retries, max-concurrency 2, circuit open for 0.5 s, for the circuit breaker), {@code fake-keyless} (requires a key it lacks), {@code fake-open} (needs no key and has none), {@code fake-down} (like fake-cb, its circuit open for a minute), {@code fake-retry} (no retries, for run retries), {@code fake-cache} (no retries, the judgment cache as by default), {@code fake-uncached} (the same with {@code cache: false}), {@code fake-budget} (no retries, for cost budgets), {@code fake-batch} (with the Batch API, batch prices half the others), {@code fake-batch-small} (the same, 2 requests per batch file) and {@code fake-batch-cache} (the same, with the judgment cache as by default), each with a 2 s timeout and prices (cached input tokens at half the input price).
 */
@QuarkusTestResource(value = FakeProviders.class, restrictToAnnotatedClass = false)
public class FakeProviders implements QuarkusTestResourceLifecycleManager {

    /** The running server, for tests to inspect. */
    public static volatile FakeOpenAiServer server;
    public static final String SECRET_KEY = "sk-test-7f3a9c1e5b2d";
    /** Where the application under test logs, besides the console. */
    public static final String LOG_FILE = "target/quarkus-test.log";

    @Override
    public Map<String, String> start() {
        server = new FakeOpenAiServer();
        Map<String, String> config = new HashMap<>();
        // the application's log, kept so that tests can check what it says (and that no key is in it)
        config.put("quarkus.log.file.enabled", "true");
        config.put("quarkus.log.file.path", LOG_FILE);
        // the test sweeps (they name judges of the shipped directory)
        config.put("tribunal.sweeps.dir", "src/test/resources/sweeps");
        // progress lines every second instead of every ten, so that a test run of a few seconds shows some
        config.put("tribunal.worker.progress-interval", "1s");
        for (String provider : new String[] {"fake", "fake-rpm", "fake-tpm", "fake-cb", "fake-down", "fake-retry", "fake-cache",
                "fake-uncached", "fake-budget"}) {
            String prefix = "tribunal.providers." + provider + ".";
            config.put(prefix + "base-url", server.baseUrl());
            config.put(prefix + "api-key", SECRET_KEY);
            config.put(prefix + "timeout", "2s");
            config.put(prefix + "max-retries", "2");
            config.put(prefix + "input-price-per-million", "0.15");
            config.put(prefix + "output-price-per-million", "0.60");
            // half the input price, as OpenAI bills a prompt's prefix read from its cache
            config.put(prefix + "cached-input-price-per-million", "0.075");
        }
        // the judgment cache as configured by default (on at temperature 0) only on fake-cache, and off on fake-uncached,
        // both without retries: every other provider calls for each judgment, so that each test counts its own calls
        for (String provider : new String[] {"fake", "fake-rpm", "fake-tpm", "fake-cb", "fake-down", "fake-retry", "fake-keyless",
                "fake-open", "fake-uncached", "fake-budget"}) {
            config.put("tribunal.providers." + provider + ".cache", "false");
        }
        config.put("tribunal.providers.fake-cache.max-retries", "0");
        config.put("tribunal.providers.fake-uncached.max-retries", "0");
        config.put("tribunal.providers.fake-budget.max-retries", "0");
        config.put("tribunal.providers.fake.max-concurrency", "4");
        config.put("tribunal.providers.fake-rpm.requests-per-minute", "120");
        config.put("tribunal.providers.fake-tpm.tokens-per-minute", "60000");
        config.put("tribunal.providers.fake-keyless.base-url", server.baseUrl());
        config.put("tribunal.providers.fake-keyless.require-api-key", "true");
        // a local server that needs no key: none is sent
        config.put("tribunal.providers.fake-open.base-url", server.baseUrl());
        config.put("tribunal.providers.fake-cb.max-retries", "0");
        config.put("tribunal.providers.fake-cb.max-concurrency", "2");
        config.put("tribunal.providers.fake-cb.circuit-breaker-delay", "500ms");
        config.put("tribunal.providers.fake-retry.max-retries", "0");
        config.put("tribunal.providers.fake-down.max-retries", "0");
        config.put("tribunal.providers.fake-down.max-concurrency", "2");
        config.put("tribunal.providers.fake-down.circuit-breaker-delay", "60s");
        // the Batch API: polled every 200 ms (then 400 ms, ... up to 1 s), an expired or failed batch's judgments sent
        // twice in all, batch prices half the online ones; no retries, no cache, so that each test counts its own requests
        for (String provider : new String[] {"fake-batch", "fake-batch-small", "fake-batch-cache"}) {
            String prefix = "tribunal.providers." + provider + ".";
            config.put(prefix + "base-url", server.baseUrl());
            config.put(prefix + "api-key", SECRET_KEY);
            config.put(prefix + "timeout", "2s");
            config.put(prefix + "max-retries", "0");
            if (!provider.equals("fake-batch-cache")) {
                config.put(prefix + "cache", "false");
            }
            config.put(prefix + "batch", "true");
            config.put(prefix + "batch-poll-every", "200ms");
            config.put(prefix + "batch-poll-max", "1s");
            config.put(prefix + "batch-max-tries", "2");
            config.put(prefix + "input-price-per-million", "0.15");
            config.put(prefix + "output-price-per-million", "0.60");
            config.put(prefix + "batch-input-price-per-million", "0.075");
            config.put(prefix + "batch-output-price-per-million", "0.30");
        }
        // at most 2 requests per batch file; fake-batch-cache keeps the judgment cache as by default
        config.put("tribunal.providers.fake-batch-small.batch-max-requests", "2");
        return config;
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
        }
    }
}
