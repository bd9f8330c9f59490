package dev.tribunal.system;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Refuses, before anything else looks at it, a request whose path is not in normal form: a {@code .} or {@code ..} segment
 * (literal or percent-encoded, in any case), an empty segment ({@code //}), path parameters ({@code ;}), an encoded
 * {@code /}, a backslash, percent-encoded letters or digits. The router serves such a path as
 * another one (Vert.x removes dot segments after decoding {@code %2e}; RESTEasy Reactive merges {@code //} and drops
 * {@code ;} parameters), so a check made on the path as written would decide about another request than the one served.
 * Browsers, MLflow clients and OTLP exporters send normal paths. The answer is a 400 in the error format of the path the
 * request stands for; whatever passes is decided on {@link RoutingContext#normalizedPath()}, which then equals it.
 */
@ApplicationScoped
public class NormalPathGuard {

    private static final Pattern DOT_SEGMENT = Pattern.compile("(^|/)(\\.|%2e){1,2}(/|$)", Pattern.CASE_INSENSITIVE);
    private static final Pattern PARAMETERS = Pattern.compile(";[^/]*");

    private final Instance<ErrorFormat> formats;

    NormalPathGuard(Instance<ErrorFormat> formats) {
        this.formats = formats;
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            Optional<String> fault = fault(ctx);
            if (fault.isEmpty()) {
                ctx.next();
                return;
            }
            String path = standsFor(ctx);
            String message = "The request path is not in normal form: it has " + fault.get() + "; send the path it stands for, "
                    + "without '.' or '..' segments, '//', ';', encoded '/' or backslashes";
            ErrorFormat.Answer answer = ApiErrorMapper.format(formats, path)
                    .map(format -> format.answer(400, message, ctx.request().getHeader("Content-Type")))
                    .orElseGet(() -> new ErrorFormat.Answer(ApiErrorMapper.contentType(path).toString(),
                            new JsonObject(ApiErrorMapper.body(path, 400, "BAD_REQUEST", message)).encode().getBytes(StandardCharsets.UTF_8)));
            // the body, if any, is not read: the connection is not reused for another request
            ctx.response()
                    .setStatusCode(400)
                    .putHeader("Content-Type", answer.mediaType())
                    .putHeader("Connection", "close")
                    .end(Buffer.buffer(answer.body()));
        });
    }

    /** What keeps the request's path from being in normal form; empty when it is. */
    static Optional<String> fault(RoutingContext ctx) {
        String raw = ctx.request().path();
        if (raw == null || !raw.startsWith("/")) {
            return Optional.of("no leading '/'");
        }
        String lower = raw.toLowerCase(Locale.ROOT);
        if (raw.indexOf('\\') >= 0 || lower.contains("%5c")) {
            return Optional.of("a backslash");
        }
        if (lower.contains("%2f")) {
            return Optional.of("an encoded '/' (%2F)");
        }
        if (raw.indexOf(';') >= 0) {
            return Optional.of("a ';' (path parameters)");
        }
        if (DOT_SEGMENT.matcher(raw).find()) {
            return Optional.of("a '.' or '..' segment");
        }
        if (raw.contains("//")) {
            return Optional.of("an empty segment ('//')");
        }
        // what remains between the path and its normal form: letters, digits or -._~ written as percent-escapes (a
        // malformed escape never gets here: the HTTP layer refuses it with a 400 of its own)
        return raw.equals(ctx.normalizedPath()) ? Optional.empty()
                : Optional.of("percent-encoded letters, digits or '-', '.', '_', '~' (send them as they are)");
    }

    /** The path a refused request stands for, as the router would take it: it chooses the error's format. */
    private static String standsFor(RoutingContext ctx) {
        return PARAMETERS.matcher(ctx.normalizedPath()).replaceAll("").replaceAll("/{2,}", "/");
    }
}
