package dev.tribunal.system;

/**
 * The browser pages: where a person, not a program, is answered, so that a request without a session is sent to the
 * login page rather than answered 401, and an error is a page rather than JSON.
 */
public final class PagePaths {

    /** The console's sections and the pages under them. */
    private static final java.util.List<String> PAGES = java.util.List.of("/traces", "/runs", "/dashboard", "/sweeps", "/budgets", "/judges",
            "/meta-evaluation", "/comparisons", "/admin", "/q/swagger-ui");

    private PagePaths() {
    }

    public static boolean isPage(String path) {
        return PAGES.stream().anyMatch(page -> within(path, page));
    }

    /** The path is {@code base} or below it (not merely a longer name that starts alike). */
    public static boolean within(String path, String base) {
        return path.equals(base) || path.startsWith(base + "/");
    }
}
