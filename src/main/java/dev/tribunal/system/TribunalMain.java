package dev.tribunal.system;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Entry point: decides between an external PostgreSQL (the standard Quarkus datasource settings are
 * present) and the embedded one (started here, before Quarkus reads its datasource configuration).
 */
@QuarkusMain
public final class TribunalMain {

    private static final Logger LOG = Logger.getLogger(TribunalMain.class);


    public static void main(String... args) {
        Optional<String> reactiveUrl = setting("quarkus.datasource.reactive.url");
        Optional<String> jdbcUrl = setting("quarkus.datasource.jdbc.url");
        if (reactiveUrl.isPresent() || jdbcUrl.isPresent()) {
            useExternalDatabase(reactiveUrl, jdbcUrl);
        } else {
            startEmbeddedDatabase();
        }
        Quarkus.run(args);
    }

    private static void useExternalDatabase(Optional<String> reactiveUrl, Optional<String> jdbcUrl) {
        // One of the two URLs is enough: the other one names the same server.
        String reactive = reactiveUrl.orElseGet(() -> DatabaseUrls.reactiveFromJdbc(jdbcUrl.orElseThrow()));
        String jdbc = jdbcUrl.orElseGet(() -> DatabaseUrls.jdbcFromReactive(reactive));
        System.setProperty("quarkus.datasource.reactive.url", reactive);
        System.setProperty("quarkus.datasource.jdbc.url", jdbc);
        LOG.infof("Using the external PostgreSQL at %s (no embedded server started)", DatabaseUrls.withoutCredentials(jdbc));
    }

    private static void startEmbeddedDatabase() {
        Path dataDir = Path.of(setting("tribunal.data-dir").orElse("data"));
        int port = setting("tribunal.embedded-postgres.port").map(TribunalMain::port).orElse(0);
        Path pgDir = dataDir.resolve("postgres");
        LOG.infof("Starting the embedded PostgreSQL; its data lives in %s", pgDir.toAbsolutePath().normalize());
        EmbeddedDatabase database = EmbeddedDatabase.start(pgDir, port, true);
        database.datasourceProperties().forEach(System::setProperty);
        EmbeddedDatabaseShutdown.register(database);
        LOG.infof("Embedded PostgreSQL is listening on localhost:%d; data directory %s",
                database.port(), database.dataDirectory());
    }

    private static int port(String text) {
        try {
            int port = Integer.parseInt(text.trim());
            if (port >= 0 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("tribunal.embedded-postgres.port (TRIBUNAL_EMBEDDED_POSTGRES_PORT) must be a port number, not '" + text + "'");
    }

    /** A setting read before Quarkus starts: system property first, then its environment-variable form. */
    static Optional<String> setting(String name) {
        String property = System.getProperty(name);
        if (property != null && !property.isBlank()) {
            return Optional.of(property);
        }
        String env = System.getenv(name.toUpperCase().replaceAll("[^A-Z0-9]", "_"));
        return Optional.ofNullable(env).filter(v -> !v.isBlank());
    }
}
