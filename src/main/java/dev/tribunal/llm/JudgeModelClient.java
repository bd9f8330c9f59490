package dev.tribunal.llm;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one bridge from reactive code to blocking LangChain4j calls: each call runs on its provider's
 * own threads and comes back as a {@link Uni} that never fails (errors are {@link LlmResult.Failed}).
 */
@ApplicationScoped
public class JudgeModelClient {

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(JudgeModelClient.class);

    private final ProvidersConfig config;
    private final MeterRegistry metrics;
    private final ProviderBudgets budgets;
    private final SecretRedactor redactor;
    private final io.vertx.core.Vertx vertx;
    private volatile int share = 1;
    private volatile boolean stopping;
    private final Map<String, ProviderGateway> gateways = new ConcurrentHashMap<>();

    JudgeModelClient(ProvidersConfig config, MeterRegistry metrics, ProviderBudgets budgets, io.vertx.core.Vertx vertx) {
        this.config = config;
        this.vertx = vertx;
        CompactRequestBodies.apply();
        this.metrics = metrics;
        this.budgets = budgets;
        // every provider's key, prepared once: a provider may echo any of them, in any form
        this.redactor = new SecretRedactor(config.providers().values().stream()
                .map(provider -> provider.apiKey().orElse(""))
                .toList());
    }

    /** Takes the providers' keys out of what a provider's answer became (rationale, value, error, metadata). */
    public SecretRedactor redactor() {
        return redactor;
    }

    /**
     * Every configured provider from the start, so that its metrics (limit, in flight, circuit) exist before its first call;
     * each is logged with where it is, whether it has a key (never the key) and its limits.
     */
    void start(@jakarta.enterprise.event.Observes io.quarkus.runtime.StartupEvent event) {
        new TreeMap<>(config.providers()).forEach((name, provider) -> {
            gateway(name);
            LOG.info(describe(name, provider));
        });
    }

    /** A provider as the start log shows it: name, host and path of its URL (never credentials or a query), key, limits. */
    static String describe(String name, ProvidersConfig.Provider provider) {
        StringBuilder text = new StringBuilder("Provider '").append(name).append("': ").append(safeUrl(provider.baseUrl()));
        if (hasKey(provider)) {
            text.append(", API key set");
        } else if (provider.requireApiKey()) {
            text.append(", no API key (set ").append(keySetting(name)).append("): judges on it cannot run");
        } else {
            text.append(", no API key (none sent)");
        }
        text.append("; at most ").append(provider.maxConcurrency()).append(" calls at once");
        provider.requestsPerMinute().ifPresent(n -> text.append(", ").append(n).append(" requests/min"));
        provider.tokensPerMinute().ifPresent(n -> text.append(", ").append(n).append(" tokens/min"));
        if (provider.requestsPerMinute().isPresent() || provider.tokensPerMinute().isPresent()) {
            text.append(" (").append(provider.budgetScope().name().toLowerCase(java.util.Locale.ROOT)).append(" budget)");
        }
        return text.append(", timeout ").append(provider.timeout().toSeconds()).append(" s, ").append(provider.maxRetries())
                .append(" retries").toString();
    }

    /** Whether calls to the provider carry a key. */
    public static boolean hasKey(ProvidersConfig.Provider provider) {
        return provider.apiKey().filter(key -> !key.isBlank()).isPresent();
    }

    /**
     * Why calls to a provider cannot go out: it needs a key and has none (naming the setting that gives it one); empty
     * when they can, and for a provider that is not configured (which is refused on its own).
     */
    public java.util.Optional<String> missingKey(String provider) {
        ProvidersConfig.Provider settings = config.providers().get(provider);
        if (settings == null || !settings.requireApiKey() || hasKey(settings)) {
            return java.util.Optional.empty();
        }
        return java.util.Optional.of("provider '" + provider + "' has no API key (set " + keySetting(provider) + ")");
    }

    /** The setting, and the environment variable, that give a provider its key. */
    public static String keySetting(String provider) {
        String variable = "openai".equals(provider) ? "OPENAI_API_KEY"
                : "TRIBUNAL_PROVIDERS_" + provider.toUpperCase(java.util.Locale.ROOT).replaceAll("[^A-Z0-9]", "_") + "_API_KEY";
        return variable + " or tribunal.providers." + provider + ".api-key";
    }

    private static String safeUrl(String url) {
        try {
            java.net.URI uri = java.net.URI.create(url.strip());
            if (uri.getHost() == null) {
                return "(a base URL that is not absolute)";
            }
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + (uri.getPath() == null ? "" : uri.getPath());
        } catch (IllegalArgumentException e) {
            return "(a base URL that does not parse)";
        }
    }

    public Uni<LlmResult> complete(LlmRequest request) {
        if (!isConfigured(request.model().provider())) {
            return Uni.createFrom().item(new LlmResult.Failed(ErrorCode.PROVIDER_ERROR,
                    "no provider named " + request.model().provider() + " is configured; not called", 0, 0));
        }
        ProviderGateway gateway = gateway(request.model().provider());
        return Uni.createFrom().item(() -> gateway.call(request))
                .runSubscriptionOn(gateway.executor());
    }

    public boolean isConfigured(String provider) {
        return config.providers().containsKey(provider);
    }

    /** Max calls in flight to a provider. */
    public int maxConcurrency(String provider) {
        return config.providers().get(provider).maxConcurrency();
    }

    /** {@code processes} judging processes share every provider: each takes its part of the max-concurrency. */
    public void shareAmong(int processes) {
        share = processes;
        gateways.values().forEach(g -> g.shareAmong(processes));
    }

    /** On shutdown: calls that have not gone out yet do not go out. */
    public void stopSending() {
        stopping = true;
        gateways.values().forEach(ProviderGateway::stopSending);
    }

    /** A cancelled run: its calls that have not gone out yet end as CANCELLED without going out. */
    public void cancelScope(String scope) {
        config.providers().keySet().forEach(name -> gateway(name).cancelScope(scope));
    }

    /** Circuit state of every configured provider; CLOSED for one not called yet. */
    public Map<String, CircuitBreakerState> circuitStates() {
        Map<String, CircuitBreakerState> states = new TreeMap<>();
        config.providers().keySet().forEach(name -> states.put(name, CircuitBreakerState.CLOSED));
        gateways.forEach((name, gateway) -> states.put(name, gateway.circuitState()));
        return states;
    }

    private ProviderGateway gateway(String provider) {
        return gateways.computeIfAbsent(provider, name -> {
            ProvidersConfig.Provider settings = config.providers().get(name);
            if (settings == null) {
                throw new IllegalArgumentException("No provider named " + name);
            }
            ProviderGateway created = new ProviderGateway(name, settings, metrics, budgets, redactor, vertx);
            created.shareAmong(share);
            if (stopping) {
                created.stopSending();
            }
            return created;
        });
    }

    @PreDestroy
    void close() {
        gateways.values().forEach(ProviderGateway::close);
    }
}
