package dev.tribunal.probe;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How bias probes run. */
@ConfigMapping(prefix = "tribunal.probes")
public interface ProbesConfig {

    /**
     * Judge calls of one probe in flight at once. Each call still waits for its provider's own limits; this keeps one
     * probe over 500 traces from filling the provider's queue ahead of runs.
     */
    @WithDefault("8")
    int concurrency();

    /**
     * How often a running probe records its progress (and that it is alive). Well under the 2 minutes after which a
     * silent probe is reported interrupted, so that a slow provider never makes a live probe look dead.
     */
    @WithDefault("10s")
    Duration heartbeat();

    /** A probe still marked running whose progress has not been recorded for this long is reported interrupted: its process died. */
    @WithDefault("2m")
    Duration interruptedAfter();
}
