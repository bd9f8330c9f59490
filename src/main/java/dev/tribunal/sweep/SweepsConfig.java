package dev.tribunal.sweep;

import io.smallrye.config.ConfigMapping;

import java.util.Optional;

/** Where sweep definitions live. */
@ConfigMapping(prefix = "tribunal.sweeps")
public interface SweepsConfig {

    /** Directory of {@code *.yaml} / {@code *.yml} sweep files; {@code sweeps} inside the judges directory when unset. */
    Optional<String> dir();
}
