package dev.tribunal.system;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

/**
 * An opaque cursor: the sort key (time, id) of the last item of a page. The next page starts just
 * after it, so pages stay stable while new items arrive.
 */
public record PageToken(Instant time, String id) {

    public static final int DEFAULT_MAX_RESULTS = 100;
    public static final int MAX_RESULTS_LIMIT = 1000;

    public String encode() {
        String raw = time.toEpochMilli() + ":" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /** Null for no token; a 400 for a token this server did not issue. */
    public static PageToken decode(String token) {
        if (token == null || token.isBlank()) {
            return null;
        }
        try {
            String raw = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            int colon = raw.indexOf(':');
            long millis = Long.parseLong(raw.substring(0, colon));
            String id = raw.substring(colon + 1);
            if (id.isEmpty()) {
                throw new IllegalArgumentException("no id");
            }
            return new PageToken(Instant.ofEpochMilli(millis), id);
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
