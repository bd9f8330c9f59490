package dev.tribunal.system;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a body whose declared length is over the limit before it is read, with the same JSON error
 * body as every other error (the HTTP layer's own check answers with an empty 413).
 */
@ApplicationScoped
public class BodySizeGuard {

    static final String TOO_LARGE = "The request body is larger than the limit of this server (quarkus.http.limits.max-body-size)";

    private final long maxBodySize;

    BodySizeGuard(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.maxBodySize = maxBodySize.asLongValue();
    }

    void install(@Observes Router router) {
        // after more specific guards (OTLP answers in its own format)
        router.route().order(Integer.MIN_VALUE + 1).handler(ctx -> {
            if (declaredLength(ctx.request().getHeader("Content-Length")) > maxBodySize) {
                String path = ctx.request().path();
                ctx.response()
                        .setStatusCode(413)
                        .putHeader("Content-Type", ApiErrorMapper.contentType(path).toString())
                        .putHeader("Connection", "close")
                        .end(new JsonObject(ApiErrorMapper.body(path, 413, "REQUEST_LIMIT_EXCEEDED", TOO_LARGE)).encode());
                return;
            }
            ctx.next();
        });
    }

    /** The Content-Length a request declares; -1 when it declares none or nonsense. */
    public static long declaredLength(String header) {
        if (header == null) {
            return -1;
        }
        try {
            return Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
