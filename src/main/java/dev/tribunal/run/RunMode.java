package dev.tribunal.run;

import java.util.Locale;
import java.util.Optional;

/**
 * How a run's judgments are sent: {@code ONLINE}, each as its own call as soon as a worker claims it, or {@code BATCH},
 * gathered into files for the provider's Batch API (typically half the price, answered within its completion window).
 */
public enum RunMode {
    ONLINE,
    BATCH;

    /** {@code online} or {@code batch}, in any case; empty for anything else. */
    public static Optional<RunMode> parse(String text) {
        if (text == null) {
            return Optional.of(ONLINE);
        }
        return switch (text.strip().toLowerCase(Locale.ROOT)) {
            case "online" -> Optional.of(ONLINE);
            case "batch" -> Optional.of(BATCH);
            default -> Optional.empty();
        };
    }
}
