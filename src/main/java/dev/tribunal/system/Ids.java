package dev.tribunal.system;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/** Identifiers in MLflow's formats, and the rule that client-given identifiers must follow. */
public final class Ids {

    /** Client-given trace and span ids: safe in URLs and logs. */
    private static final Pattern CLIENT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,63}");

    private Ids() {
    }

    /** {@code tr-} followed by 32 hex digits, as MLflow 3 names traces. */
    public static String newTraceId() {
        return "tr-" + hex32();
    }

    /**
     * {@code a-} followed by 32 hex digits, as MLflow names assessments; the first 12 are the time in milliseconds, so
     * that a batch of new assessments lands at the end of the key's index instead of at as many random places.
     */
    public static String newAssessmentId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        HexFormat hex = HexFormat.of();
        return "a-" + hex.toHexDigits(System.currentTimeMillis() << 16 | (random.nextInt() & 0xffff)) + hex.toHexDigits(random.nextLong());
    }

    /** 32 hex digits: a judge run's id. */
    public static String newRunId() {
        return hex32();
    }

    /** 16 hex digits, the OpenTelemetry span id format. */
    public static String newSpanId() {
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
    }

    public static void requireClientId(String id, String field) {
        InvalidRequestException.require(id != null && CLIENT_ID.matcher(id).matches(),
                field + " must be 1 to 64 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
    }

    /** 128 random bits; identifiers are not secrets, so the fast per-thread generator serves. */
    private static String hex32() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        HexFormat hex = HexFormat.of();
        return hex.toHexDigits(random.nextLong()) + hex.toHexDigits(random.nextLong());
    }
}
