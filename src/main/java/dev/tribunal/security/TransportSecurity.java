package dev.tribunal.security;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * Served over HTTPS (directly, or behind a trusted proxy that says so: {@code quarkus.http.proxy.*}, see README), every
 * answer tells browsers to use HTTPS only for this host from then on (HSTS). Over plain HTTP nothing is said: a browser
 * would ignore it there, and a developer's {@code localhost} must not be pinned to HTTPS.
 */
@ApplicationScoped
public class TransportSecurity {

    static final String HSTS = "max-age=31536000";

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(context -> {
            if (overHttps(context.request())) {
                context.response().putHeader("Strict-Transport-Security", HSTS);
            }
            context.next();
        });
    }

    /**
     * Whether the request came over HTTPS, directly or through a proxy whose forwarded scheme Quarkus took (only when
     * proxy forwarding is configured, so that a client cannot claim HTTPS itself).
     */
    static boolean overHttps(HttpServerRequest request) {
        return request.isSSL() || "https".equalsIgnoreCase(request.scheme());
    }
}
