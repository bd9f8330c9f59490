package dev.tribunal.system;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import java.nio.charset.StandardCharsets;

/**
 * Swagger UI's page, served in place of the one Quarkus generates: that one starts the bundle with inline scripts, which
 * the pages' Content-Security-Policy (scripts from this server only) rightly blocks, leaving a blank page. This page
 * loads the same bundle and starts it from a script file of its own, so the policy stays as strict as everywhere else.
 * The bundle, its styles and images are still Quarkus' own, next to it under {@code /q/swagger-ui/}. The route runs
 * after authentication and authorization, so the page needs a key or the pages' session like the rest of the docs.
 */
@ApplicationScoped
class SwaggerUiPage {

    static final String PATH = "/q/swagger-ui";
    /** After Quarkus' authentication (filter order -200) and authorization (-100), before any route of default order. */
    private static final int ORDER = -10;

    private static final byte[] PAGE = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="UTF-8">
            <title>Tribunal API · Swagger UI</title>
            <link rel="stylesheet" type="text/css" href="swagger-ui.css">
            <link rel="stylesheet" type="text/css" href="style.css">
            <link rel="icon" href="favicon.ico" type="image/x-icon">
            </head>
            <body>
            <main id="swagger-ui"></main>
            <script src="swagger-ui-bundle.js" charset="UTF-8"></script>
            <script src="swagger-ui-standalone-preset.js" charset="UTF-8"></script>
            <script src="tribunal-start.js" charset="UTF-8"></script>
            </body>
            </html>
            """.getBytes(StandardCharsets.UTF_8);

    private static final byte[] START = """
            window.addEventListener('load', function () {
              window.ui = SwaggerUIBundle({
                url: '/q/openapi',
                dom_id: '#swagger-ui',
                deepLinking: true,
                presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
                plugins: [SwaggerUIBundle.plugins.DownloadUrl],
                layout: 'StandaloneLayout'
              });
            });
            """.getBytes(StandardCharsets.UTF_8);

    void install(@Observes Router router) {
        // Vert.x routes /q/swagger-ui and /q/swagger-ui/ alike: the page's relative links need the slash
        router.get(PATH).order(ORDER).handler(context -> {
            if (context.normalizedPath().endsWith("/")) {
                send(context, "text/html;charset=UTF-8", PAGE);
            } else {
                context.response().setStatusCode(302).putHeader("Location", PATH + "/").end();
            }
        });
        router.get(PATH + "/index.html").order(ORDER).handler(context -> send(context, "text/html;charset=UTF-8", PAGE));
        router.get(PATH + "/tribunal-start.js").order(ORDER).handler(context -> send(context, "text/javascript;charset=UTF-8", START));
    }

    private static void send(RoutingContext context, String contentType, byte[] body) {
        context.response().putHeader("Content-Type", contentType).putHeader("Cache-Control", "no-cache").end(Buffer.buffer(body));
    }
}
