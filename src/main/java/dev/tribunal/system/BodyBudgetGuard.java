package dev.tribunal.system;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.util.Set;

/**
 * Reserves every request's body from the {@link BodyBudget} before anything of it is read, on every path, right after
 * the {@link BodySizeGuard} (so a body over the size limit never reserves anything); a body that does not fit now is
 * answered 503 with {@code Retry-After}, in its path's error format, unread.
 */
@ApplicationScoped
public class BodyBudgetGuard {

    /** Methods that may carry a body over HTTP/2 without declaring its length. */
    private static final Set<HttpMethod> WITH_BODY = Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);

    private final BodyBudget budget;
    private final long maxBodySize;
    private final Instance<ErrorFormat> formats;

    BodyBudgetGuard(BodyBudget budget, @ConfigProperty(name = "quarkus.http.limits.max-body-size") MemorySize maxBodySize,
                    Instance<ErrorFormat> formats) {
        this.budget = budget;
        this.maxBodySize = maxBodySize.asLongValue();
        this.formats = formats;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE + 2).handler(ctx -> {
            if (budget.hasReservation(ctx)) {
                // routed again (a reroute): its body is reserved already
                ctx.next();
                return;
            }
            BodyBudget.Reservation reservation = budget.open(ctx);
            long bytes = bodyBytes(ctx.request());
            if (bytes > 0 && !reservation.take(bytes)) {
                String path = ctx.request().path();
                ErrorFormat.Answer answer = ApiErrorMapper.answer(formats, path, 503, "TEMPORARILY_UNAVAILABLE",
                        BodyBudget.refusal().getMessage(), ctx.request().getHeader("Content-Type"));
                // the body is left unread: the connection cannot serve another request after it
                ctx.response()
                        .setStatusCode(503)
                        .putHeader("Content-Type", answer.mediaType())
                        .putHeader("Retry-After", Long.toString(BodyBudget.RETRY_AFTER_SECONDS))
                        .putHeader("Connection", "close")
                        .end(Buffer.buffer(answer.body()));
                return;
            }
            ctx.next();
        });
    }

    /**
     * The bytes a request's body will take: its declared length, else, for a body sent in chunks (or over HTTP/2
     * without a length), the most the HTTP layer lets in. Reserving as such a body grows would need the body's stream
     * before RESTEasy Reactive reads it; bodies without a length are rare (exporters and HTTP clients declare one).
     */
    private long bodyBytes(HttpServerRequest request) {
        long declared = BodySizeGuard.declaredLength(request.getHeader("Content-Length"));
        if (declared >= 0) {
            return declared;
        }
        boolean chunked = request.getHeader("Transfer-Encoding") != null;
        boolean http2Body = request.version() == HttpVersion.HTTP_2 && WITH_BODY.contains(request.method());
        return chunked || http2Body ? maxBodySize : 0;
    }
}
