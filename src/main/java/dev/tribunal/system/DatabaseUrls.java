package dev.tribunal.system;

/** Converts between the JDBC and the Vert.x forms of a PostgreSQL URL. */
final class DatabaseUrls {

    private static final String JDBC_PREFIX = "jdbc:";

    private DatabaseUrls() {
    }

    static String jdbcFromReactive(String reactiveUrl) {
        String url = reactiveUrl.startsWith("postgres://") ? "postgresql://" + reactiveUrl.substring("postgres://".length()) : reactiveUrl;
        return url.startsWith(JDBC_PREFIX) ? url : JDBC_PREFIX + url;
    }

    static String reactiveFromJdbc(String jdbcUrl) {
        return jdbcUrl.startsWith(JDBC_PREFIX) ? jdbcUrl.substring(JDBC_PREFIX.length()) : jdbcUrl;
    }

    /** For log lines: drops user info and query parameters, which may carry a password. */
    static String withoutCredentials(String url) {
        String noQuery = url.split("\\?", 2)[0];
        int scheme = noQuery.indexOf("://");
        int at = noQuery.lastIndexOf('@');
        if (scheme >= 0 && at > scheme) {
            return noQuery.substring(0, scheme + 3) + noQuery.substring(at + 1);
        }
        return noQuery;
    }
}
