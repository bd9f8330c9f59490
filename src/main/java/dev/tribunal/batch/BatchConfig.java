package dev.tribunal.batch;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How this process takes part in batch mode: {@code tribunal.batch.*}. The providers' own batch settings are theirs. */
@ConfigMapping(prefix = "tribunal.batch")
public interface BatchConfig {

    /** Whether this process prepares, sends and polls provider batches; any process of the cluster may. */
    @WithDefault("true")
    boolean enabled();

    /**
     * How long a process holds a batch while it prepares, sends or polls it; one that died holding it is replaced after
     * this. Two minutes: writing and uploading a file of 50,000 requests fits well within, and a restart waits no longer.
     */
    @WithDefault("2m")
    Duration lease();
}
