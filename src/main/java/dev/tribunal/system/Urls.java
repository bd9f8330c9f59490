package dev.tribunal.system;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** Text put into the pages' links: one spelling of every escape, so that a link written twice reads the same. */
public final class Urls {

    private Urls() {
    }

    /**
     * Text as a path segment or a query value: every reserved character escaped, a space as {@code %20} (valid in both,
     * where {@code +} means a space only in a query). Null is the empty text.
     */
    public static String encode(String text) {
        return text == null ? "" : URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A query value that keeps {@code =} readable (as in {@code tag=env=prod}): it needs no escape there. */
    public static String queryValue(String text) {
        return encode(text).replace("%3D", "=");
    }
}
