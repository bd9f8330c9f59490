package dev.tribunal.system;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses a body whose declared length is over the limit before it is read, with the same error body as every other
 * error on its path (the HTTP layer's own check answers with an empty 413).
 */
@ApplicationScoped
public class BodySizeGuard {

    static final String TOO_LARGE = "The request body is larger than the limit of this server (quarkus.http.limits.max-body-size)";

    private final long maxBodySize;
    private final Instance<ErrorFormat> formats;

    BodySizeGuard(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize, Instance<ErrorFormat> formats) {
        this.maxBodySize = maxBodySize.asLongValue();
        this.formats = formats;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 1).handler(ctx -> {
            if (declaredLength(ctx.request().getHeader("Content-Length")) > maxBodySize) {
                String path = ctx.normalizedPath();
                String message = "The request body is larger than " + maxBodySize + " bytes, the limit of this server (quarkus.http.limits.max-body-size)";
                ErrorFormat.Answer answer = ApiErrorMapper.answer(formats, path, 413, "REQUEST_LIMIT_EXCEEDED", message,
                        ctx.request().getHeader("Content-Type"));
                ctx.response()
                        .setStatusCode(413)
                        .putHeader("Content-Type", answer.mediaType())
                        .putHeader("Connection", "close")
                        .end(Buffer.buffer(answer.body()));
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
