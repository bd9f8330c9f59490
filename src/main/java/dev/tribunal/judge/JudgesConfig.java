package dev.tribunal.judge;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Where judge definitions live. */
@ConfigMapping(prefix = "tribunal.judges")
public interface JudgesConfig {

    /** Directory of {@code *.yaml} / {@code *.yml} judge files, relative to the working directory. */
    @WithDefault("judges")
    String dir();
}
