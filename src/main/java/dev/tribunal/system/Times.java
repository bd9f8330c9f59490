package dev.tribunal.system;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Timestamps are kept at millisecond precision, as MLflow keeps them, so they round-trip exactly. */
public final class Times {

    private Times() {
    }

    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    public static Instant millis(Instant instant) {
        return instant == null ? null : instant.truncatedTo(ChronoUnit.MILLIS);
    }
}
