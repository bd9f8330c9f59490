package dev.tribunal.system;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

/**
 * Redirects and {@code Location} headers as paths on this server. Handed a relative URI ({@code Response.seeOther},
 * {@code location}), RESTEasy Reactive writes an absolute one built from the request's Host header, which the client
 * chooses: a made-up Host would have our answer name another site. A path is a valid {@code Location} (RFC 9110), and
 * browsers and HTTP clients resolve it against the URL they asked, whatever proxy stands in front.
 */
public final class Redirects {

    private Redirects() {
    }

    /** 303 See Other to a path on this server. */
    public static Response.ResponseBuilder seeOther(String path) {
        return located(Response.status(Response.Status.SEE_OTHER), path);
    }

    /** The answer's {@code Location}: a path on this server, sent as it is. */
    public static Response.ResponseBuilder located(Response.ResponseBuilder response, String path) {
        if (!isLocalPath(path)) {
            throw new IllegalArgumentException("A Location must be a path on this server: " + path);
        }
        return response.header(HttpHeaders.LOCATION, path);
    }

    /**
     * A path on this server, read as browsers read a {@code Location}: they drop tabs and line breaks and take a
     * backslash for a slash, so {@code /\t/elsewhere.example} would be {@code //elsewhere.example}, another site.
     */
    public static boolean isLocalPath(String path) {
        if (path == null || !path.startsWith("/") || path.startsWith("//") || path.contains("\\")) {
            return false;
        }
        return path.chars().noneMatch(c -> c <= 0x20 || c == 0x7f);
    }
}
