package dev.tribunal.llm;

import com.github.benmanes.caffeine.cache.Caffeine;

import java.util.Collections;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Calls to one provider that do not go out: this process is stopping (their tasks go back for another process), their
 * run was cancelled, the provider refused the run's credentials earlier, or it needs a key it lacks.
 */
final class Refusals {

    /**
     * Runs remembered as cancelled, or refused for credentials; beyond that those least likely to call again are
     * forgotten (their calls would just be refused again). Evicted on the caller's thread, so the bound holds at once.
     */
    private static final int MAX_SCOPES = 1000;

    private final String provider;
    /** The provider needs a key and has none. */
    private final boolean keyMissing;
    /** Counts a refused call by its outcome. */
    private final Consumer<String> refused;
    private final Set<String> cancelled = boundedSet();
    private final Set<String> refusedCredentials = boundedSet();
    private volatile boolean stopping;

    Refusals(String provider, boolean keyMissing, Consumer<String> refused) {
        this.provider = provider;
        this.keyMissing = keyMissing;
        this.refused = refused;
    }

    private static Set<String> boundedSet() {
        return Collections.newSetFromMap(Caffeine.newBuilder()
                .maximumSize(MAX_SCOPES)
                .executor(Runnable::run)
                .<String, Boolean>build()
                .asMap());
    }

    /** Why a call of run {@code scope} (null for none) is not made at all, checked in this order. */
    Optional<LlmResult> beforeFirstAttempt(String scope) {
        Optional<LlmResult> unsent = beforeAttempt(scope, 0, 0);
        if (unsent.isPresent()) {
            return unsent;
        }
        if (scope != null && refusedCredentials.contains(scope)) {
            refused.accept("auth_fail_fast");
            return Optional.of(new LlmResult.Failed(ErrorCode.AUTHENTICATION_FAILED,
                    "provider " + provider + " rejected the credentials earlier in this run; not called again", 0, 0));
        }
        if (keyMissing) {
            refused.accept("no_api_key");
            return Optional.of(new LlmResult.Failed(ErrorCode.AUTHENTICATION_FAILED, "provider " + provider
                    + " has no API key: set tribunal.providers." + provider + ".api-key"
                    + ("openai".equals(provider) ? " (or OPENAI_API_KEY)" : "") + "; not called", 0, 0));
        }
        return Optional.empty();
    }

    /** Why an attempt, after {@code made} of them, is not made: this process is stopping or the run was cancelled. */
    Optional<LlmResult> beforeAttempt(String scope, int made, long latencyMs) {
        if (stopping) {
            return Optional.of(new LlmResult.Failed(ErrorCode.SHUTTING_DOWN, "this process is stopping; not called", made, latencyMs));
        }
        if (scope != null && cancelled.contains(scope)) {
            refused.accept("cancelled");
            return Optional.of(new LlmResult.Failed(ErrorCode.CANCELLED, "the run was cancelled; not called", made, latencyMs));
        }
        return Optional.empty();
    }

    /** Calls of a cancelled run that have not gone out yet do not go out. */
    void cancel(String scope) {
        cancelled.add(scope);
    }

    /** The provider refused the credentials of run {@code scope} (null for none): its later calls fail at once instead of hammering it. */
    void refuseCredentials(String scope) {
        if (scope != null) {
            refusedCredentials.add(scope);
        }
    }

    /** This process is stopping: calls not sent yet are not sent. */
    void stopSending() {
        stopping = true;
    }
}
