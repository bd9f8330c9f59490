package dev.tribunal.llm;

import io.smallrye.faulttolerance.api.CircuitBreakerState;
import io.smallrye.health.api.Wellness;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;

import java.util.Map;

/**
 * The circuit breaker of every configured provider, under {@code /q/health/well}: DOWN while any
 * circuit is open. A wellness check rather than readiness, because a provider that is down must not
 * take Tribunal's API out of service: traces and assessments are still accepted, judgments of that
 * provider end as PROVIDER_ERROR until it recovers.
 */
@Wellness
@ApplicationScoped
class ProviderHealthCheck implements HealthCheck {

    private final JudgeModelClient client;

    ProviderHealthCheck(JudgeModelClient client) {
        this.client = client;
    }

    @Override
    public HealthCheckResponse call() {
        Map<String, CircuitBreakerState> states = client.circuitStates();
        HealthCheckResponseBuilder response = HealthCheckResponse.named("LLM providers");
        boolean allClosed = true;
        for (Map.Entry<String, CircuitBreakerState> entry : states.entrySet()) {
            response.withData(entry.getKey(), "circuit " + entry.getValue().name().toLowerCase(java.util.Locale.ROOT));
            allClosed &= entry.getValue() != CircuitBreakerState.OPEN;
        }
        return response.status(allClosed).build();
    }
}
