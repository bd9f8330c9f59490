package dev.tribunal.run;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How this process works through judge tasks. */
@ConfigMapping(prefix = "tribunal.worker")
public interface WorkerConfig {

    /** Whether this process judges at all (a process may only serve the API). */
    @WithDefault("true")
    boolean enabled();

    /**
     * Judgments in flight in this process. Above the sum of the providers' max-concurrency so that
     * every provider stays busy; each waiting judgment holds only a few kilobytes.
     */
    @WithDefault("512")
    int maxInFlight();

    /** How long a claimed task is reserved for this process. */
    @WithDefault("10m")
    Duration lease();

    /** Results written per transaction: one commit per batch instead of one per judgment. */
    @WithDefault("500")
    int writeBatch();
}
