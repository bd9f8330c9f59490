package dev.tribunal.system;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * An opaque cursor: the sort key (time, id) of the last item of a page. The next page starts just
 * after it, so pages stay stable while new items arrive. The time keeps its microseconds (span times from
 * OpenTelemetry have them), written after the milliseconds.
 */
public record PageToken(Instant time, String id) {

    public static final int DEFAULT_MAX_RESULTS = 100;
    public static final int MAX_RESULTS_LIMIT = 1000;
    /**
     * A token for the first page, as no token is: what an answer hands out for a list of which it could hold no row
     * (a trace's spans after its assessments filled the answer, say), so that a client always follows the token.
     */
    public static final String FIRST_PAGE = Base64.getUrlEncoder().withoutPadding().encodeToString("0:".getBytes(StandardCharsets.UTF_8));

    public String encode() {
        long micros = time.getNano() / 1_000 % 1_000;
        String raw = time.toEpochMilli() + (micros == 0 ? "" : "." + micros) + ":" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Null for no token (or {@link #FIRST_PAGE}); a 400 for a token this server did not issue. */
    public static PageToken decode(String token) {
        if (token == null || token.isBlank() || token.equals(FIRST_PAGE)) {
            return null;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            int colon = raw.indexOf(':');
            String time = raw.substring(0, colon);
            int dot = time.indexOf('.');
            long millis = Long.parseLong(dot < 0 ? time : time.substring(0, dot));
            long micros = dot < 0 ? 0 : Long.parseLong(time.substring(dot + 1));
            String id = raw.substring(colon + 1);
            if (id.isEmpty() || micros < 0 || micros > 999) {
                throw new IllegalArgumentException("no id");
            }
            return new PageToken(Instant.ofEpochMilli(millis).plusNanos(micros * 1_000), id);
        } catch (RuntimeException e) {
            throw new InvalidRequestException("page_token is not a token returned by this API");
        }
    }

    /** Validates max_results: default 100, at most 1000. */
    public static int maxResults(Integer requested) {
        if (requested == null) {
            return DEFAULT_MAX_RESULTS;
        }
        InvalidRequestException.require(requested >= 1 && requested <= MAX_RESULTS_LIMIT,
                "max_results must be between 1 and " + MAX_RESULTS_LIMIT);
        return requested;
    }
}
