package dev.tribunal.otlp;

import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.tribunal.otlp.OtlpCodec.Encoding;
import dev.tribunal.system.BodySizeGuard;
import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Refuses an OTLP export whose declared length is over the body limit before it is read, with a
 * {@code google.rpc.Status} in the request's encoding as the OTLP/HTTP specification asks.
 */
@ApplicationScoped
class OtlpBodySizeGuard {

    private final long maxBodySize;

    OtlpBodySizeGuard(@ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize) {
        this.maxBodySize = maxBodySize.asLongValue();
    }

    void install(@Observes Router router) {
        router.post("/v1/traces").order(Integer.MIN_VALUE).handler(ctx -> {
            if (BodySizeGuard.declaredLength(ctx.request().getHeader("Content-Length")) > maxBodySize) {
                Encoding encoding = Encoding.of(ctx.request().getHeader("Content-Type"));
                Encoding answer = encoding == null ? Encoding.JSON : encoding;
                Status status = Status.newBuilder().setCode(Code.INVALID_ARGUMENT_VALUE)
                        .setMessage("The body is larger than " + maxBodySize + " bytes (quarkus.http.limits.max-body-size)").build();
                ctx.response()
                        .setStatusCode(413)
                        .putHeader("Content-Type", answer.mediaType)
                        .putHeader("Connection", "close")
                        .end(Buffer.buffer(OtlpCodec.encode(status, answer)));
                return;
            }
            ctx.next();
        });
    }
}
