package dev.tribunal.system;

/**
 * The browser pages: where a person, not a program, is answered, so that a request without a session is sent to the
 * login page rather than answered 401, and an error is a page rather than JSON.
 */
public final class PagePaths {

    private PagePaths() {
    }

    public static boolean isPage(String path) {
        return within(path, "/meta-evaluation") || within(path, "/traces") || within(path, "/comparisons") || within(path, "/judges") || within(path, "/q/swagger-ui");
    }

    /** The path is {@code base} or below it (not merely a longer name that starts alike). */
    public static boolean within(String path, String base) {
        return path.equals(base) || path.startsWith(base + "/");
    }
}
