package dev.tribunal.system;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.Set;

/**
 * Says at start who can reach Tribunal: every network interface (Quarkus' default, what a server or a container needs)
 * or this machine only, and which setting chooses.
 */
@ApplicationScoped
class ListenAddress {

    private static final Logger LOG = Logger.getLogger(ListenAddress.class);
    private static final Set<String> LOOPBACK = Set.of("localhost", "127.0.0.1", "::1", "[::1]");

    private final String host;
    private final int port;

    ListenAddress(@ConfigProperty(name = "quarkus.http.host", defaultValue = "0.0.0.0") String host,
                  @ConfigProperty(name = "quarkus.http.port", defaultValue = "8080") int port) {
        this.host = host.strip();
        this.port = port;
    }

    void announce(@Observes StartupEvent event) {
        LOG.info(describe(host, port));
    }

    static String describe(String host, int port) {
        if (LOOPBACK.contains(host)) {
            return "Tribunal listens on this machine only (" + host + "), port " + port + ": http://localhost:" + port
                    + "; QUARKUS_HTTP_HOST=0.0.0.0 opens it to the network";
        }
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
            return "Tribunal listens on every network interface, port " + port + " (http://localhost:" + port + " from this machine); "
                    + "QUARKUS_HTTP_HOST=127.0.0.1 keeps it to this machine";
        }
        return "Tribunal listens on " + host + ", port " + port + " (quarkus.http.host)";
    }
}
