package dev.tribunal.security;

import dev.tribunal.RawHttp;
import dev.tribunal.TestSecurity;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.tribunal.RawHttp.headers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Quarkus' own endpoints under {@code /q/}: health and metrics are open for probes and scrapers; the API's document (in
 * every form Quarkus serves it), Swagger UI with its assets, and anything else there need a key.
 */
@QuarkusTest
class QuarkusEndpointsTest {

    @TestHTTPResource("/")
    URL base;

    private RawHttp.Answer anonymous(String path) {
        return RawHttp.send(base, "GET", path, Map.of(), null);
    }

    private RawHttp.Answer withKey(String path) {
        return RawHttp.send(base, "GET", path, headers("Authorization", "Bearer " + TestSecurity.ADMIN_KEY), null);
    }

    @Test
    void theApiDocumentNeedsAKeyInEveryForm() {
        List<String> forms = List.of("/q/openapi", "/q/openapi/", "/q/openapi.json", "/q/openapi.yaml", "/q/openapi.yml",
                "/q/openapi?format=json", "/q/openapi?format=yaml", "/q/openapi.JSON", "/q/OpenAPI", "/q/OPENAPI.yaml", "/q/openapi.json/",
                "/q/openapi/x");
        List<String> wrong = new ArrayList<>();
        for (String form : forms) {
            RawHttp.Answer answer = anonymous(form);
            if (answer.status() != 401 || answer.body().contains("openapi")) {
                wrong.add(form + " without a key: " + answer);
            }
        }
        for (String served : List.of("/q/openapi", "/q/openapi.json", "/q/openapi.yaml", "/q/openapi.yml", "/q/openapi?format=json")) {
            RawHttp.Answer answer = withKey(served);
            if (answer.status() != 200 || !answer.body().contains("/api/admin/keys")) {
                wrong.add(served + " with a key: " + answer);
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void swaggerUiAndEachOfItsAssetsNeedAKeyOrTheSession() {
        RawHttp.Answer index = withKey("/q/swagger-ui/");
        assertEquals(200, index.status(), index.toString());
        Set<String> assets = new LinkedHashSet<>(List.of("/q/swagger-ui", "/q/swagger-ui/", "/q/swagger-ui/index.html"));
        Matcher referenced = Pattern.compile("(?:href|src)=\"([^\"#?]+)").matcher(index.body());
        while (referenced.find()) {
            String asset = referenced.group(1);
            if (!asset.startsWith("http") && !asset.startsWith("data:")) {
                assets.add(asset.startsWith("/") ? asset : "/q/swagger-ui/" + asset.replaceFirst("^\\./", ""));
            }
        }
        assertTrue(assets.size() > 4, "the page's scripts and styles: " + assets);
        List<String> wrong = new ArrayList<>();
        for (String asset : assets) {
            RawHttp.Answer answer = anonymous(asset);
            if (answer.status() != 303 || !answer.header("Location").orElse("").startsWith("/login?next=")) {
                wrong.add(asset + " without a key: " + answer);
            }
            int served = withKey(asset).status();
            if (served != 200 && served != 302) {
                wrong.add(asset + " with a key: " + served);
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void healthAndMetricsStayOpenAndNothingElseUnderQIs() {
        List<String> wrong = new ArrayList<>();
        for (String open : List.of("/q/health", "/q/health/", "/q/health/live", "/q/health/ready", "/q/health/started", "/q/health/group",
                "/q/health/well", "/q/metrics", "/q/metrics/")) {
            RawHttp.Answer answer = anonymous(open);
            // a health check may be down (503) after other tests' provider failures: the answer is served all the same
            boolean served = answer.status() == 200 || open.startsWith("/q/health") && answer.status() == 503;
            if (!served || answer.body().isEmpty()) {
                wrong.add(open + " without a key: " + answer);
            }
        }
        for (String closed : List.of("/q", "/q/", "/q/nothing", "/q/dev-ui", "/q/dev-ui/configuration-form-editor", "/q/dev", "/q/arc",
                "/q/info", "/q/logging-manager", "/q/healthz", "/q/metricsx", "/q/openapix", "/q/swagger-uix")) {
            RawHttp.Answer answer = anonymous(closed);
            if (answer.status() != 401) {
                wrong.add(closed + " without a key: " + answer);
            }
        }
        assertEquals(List.of(), wrong);
    }
}
