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
     * Judgments this process holds at once: claimed and waiting for a provider slot, being judged, or
     * waiting to be written. A task spends about a quarter of a second outside the provider call
     * (claiming, loading its trace, writing its result), so keeping 64 calls of 50 ms busy (1,280 a
     * second) needs over 320 held; 1,024 leaves room for several providers. Each holds its trace's
     * data, typically a few kilobytes.
     */
    @WithDefault("1024")
    int maxInFlight();

    /**
     * How long a claimed task is reserved for this process; renewed every third of it while the task
     * waits or is judged. A task whose process died is claimed again once this has passed: short
     * enough that a crash costs minutes, long enough that a process paused by the system keeps its work.
     */
    @WithDefault("2m")
    Duration lease();

    /** On SIGTERM, how long judgments in progress may take to finish before their tasks are given back. */
    @WithDefault("20s")
    Duration shutdownGrace();

    /** Results written per transaction: one commit per batch instead of one per judgment. */
    @WithDefault("500")
    int writeBatch();

    /** How often each running run logs a progress line (read by the scheduler as {@code tribunal.worker.progress-interval}). */
    @WithDefault("10s")
    Duration progressInterval();

    /**
     * How long a partial batch of results waits for more before it is written: short enough that results appear
     * within a blink, long enough that a busy run writes a hundred or more per transaction (each transaction costs the
     * database a commit and four statements, whatever its size).
     */
    @WithDefault("100ms")
    Duration writeDelay();
}
