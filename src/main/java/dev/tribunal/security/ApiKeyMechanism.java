package dev.tribunal.security;

import dev.tribunal.system.PagePaths;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import java.util.Optional;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * API keys as bearer tokens ({@code Authorization: Bearer <key>}, which is also how MLflow clients send
 * {@code MLFLOW_TRACKING_TOKEN} and OTLP exporters send {@code OTEL_EXPORTER_OTLP_HEADERS}), or the session
 * cookie the login page sets for a browser. A request without either is anonymous: the endpoints' roles then
 * answer 401 (the pages redirect to the login page).
 */
@ApplicationScoped
public class ApiKeyMechanism implements HttpAuthenticationMechanism {

    /** The browser session's cookie (a session token, HttpOnly and SameSite=Strict), over plain HTTP. */
    public static final String COOKIE = "tribunal_session";
    /** The same over HTTPS: Secure, and with the prefix that binds it to this host and path {@code /}. */
    public static final String SECURE_COOKIE = "__Host-" + COOKIE;
    /** Identity attribute: the identity of a request when security is off. */
    static final String OPEN = "tribunal.open";
    /** Identity attribute: the caller came with a Tribunal key or session (not single sign-on). */
    public static final String API_KEY = "tribunal.api-key";
    /** Identity attribute: the session token, when the caller came with the session cookie (forms then need their CSRF token). */
    public static final String SESSION = "tribunal.session";
    private static final Logger LOG = Logger.getLogger(ApiKeyMechanism.class);
    /** The API's document in the forms Quarkus serves beside {@code /q/openapi}. */
    private static final Set<String> API_DOCUMENT = Set.of("/q/openapi.json", "/q/openapi.yaml", "/q/openapi.yml");

    private final boolean enabled;
    private final boolean ssoEnabled;
    private final SecurityIdentity open;

    ApiKeyMechanism(SecurityConfig config,
                    @org.eclipse.microprofile.config.inject.ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean ssoEnabled) {
        this.ssoEnabled = ssoEnabled;
        this.enabled = config.enabled();
        this.open = QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(Caller.LOCAL))
                .addRoles(Roles.effective(Set.of(Roles.ADMIN)))
                .addAttribute(OPEN, Boolean.TRUE)
                .build();
    }

    void announce(@Observes StartupEvent event) {
        String host = org.eclipse.microprofile.config.ConfigProvider.getConfig().getOptionalValue("quarkus.http.host", String.class)
                .orElse("0.0.0.0");
        if (!enabled && !java.util.Set.of("localhost", "127.0.0.1", "::1", "[::1]").contains(host)) {
            throw new IllegalStateException("tribunal.security.enabled=false lets anyone in as admin: it is allowed only when listening on "
                    + "localhost (quarkus.http.host is " + host + ")");
        }
        if (!enabled) {
            LOG.warn("SECURITY IS OFF (tribunal.security.enabled=false): every request is allowed, as 'local', with every role. "
                    + "Never run this way where others can reach the port.");
        } else {
            LOG.info("Requests need an API key (Authorization: Bearer <key>)");
        }
    }

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identityProviderManager) {
        if (!enabled) {
            return Uni.createFrom().item(open);
        }
        String header = context.request().getHeader("Authorization");
        boolean viaCookie = header == null;
        String key;
        if (!viaCookie) {
            Optional<String> bearer = bearerToken(header);
            if (bearer.isEmpty()) {
                return Uni.createFrom().failure(new AuthenticationFailedException("The Authorization header must be 'Bearer <API key>'"));
            }
            key = bearer.get();
        } else {
            // the session cookie signs in the pages only: the JSON API takes a bearer key, so no form elsewhere can use it. The
            // path is the one the router serves (a path not in normal form was refused before: NormalPathGuard)
            Optional<String> session = takesSession(context.normalizedPath(), context.request().method().name())
                    ? sessionToken(context.request()) : Optional.empty();
            if (session.isEmpty()) {
                return Uni.createFrom().nullItem();
            }
            key = session.get();
        }
        if (ssoEnabled && looksLikeJwt(key)) {
            // a single-sign-on token: the OIDC mechanism checks it
            return Uni.createFrom().nullItem();
        }
        Uni<SecurityIdentity> identity = identityProviderManager.authenticate(HttpSecurityUtils.setRoutingContextAttribute(
                new ApiKeyAuthenticationRequest(key, viaCookie, clientAddress(context.request())), context));
        // an ended session is no session: the browser may still be signed in otherwise (single sign-on), else it is
        // sent to the login page
        return viaCookie
                ? identity.onFailure(e -> e instanceof AuthenticationFailedException && dev.tribunal.system.TooManyRequestsException.among(e).isEmpty())
                .recoverWithNull()
                : identity;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        if (PagePaths.isPage(context.normalizedPath())) {
            String next = context.request().uri();
            return Uni.createFrom().item(new ChallengeData(303, "Location",
                    "/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8)));
        }
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    /**
     * The session token a browser sent: over HTTPS only in the {@code __Host-} cookie, which no other host (a sibling
     * subdomain, a plain-HTTP page of the domain) can set, so that nobody can plant their own session in a browser.
     */
    static Optional<String> sessionToken(io.vertx.core.http.HttpServerRequest request) {
        Cookie cookie = request.getCookie(TransportSecurity.overHttps(request) ? SECURE_COOKIE : COOKIE);
        return cookie == null || cookie.getValue().isEmpty() ? Optional.empty() : Optional.of(cookie.getValue());
    }

    /**
     * What the session cookie signs in to: the pages, the API's document that Swagger UI fetches (in any of its forms),
     * and reads of the JSON API ({@code GET}, {@code HEAD}: the downloads the pages link to). The JSON API's writes take a
     * bearer key only, so that no form or script on another site can act through a browser's session.
     */
    static boolean takesSession(String path, String method) {
        return PagePaths.isPage(path) || PagePaths.within(path, "/q/openapi") || API_DOCUMENT.contains(path)
                || PagePaths.within(path, "/api") && ("GET".equals(method) || "HEAD".equals(method));
    }

    /**
     * The client's address: the connection's, or the one a configured proxy forwarded (Quarkus replaces it only then,
     * see quarkus.http.proxy.*).
     */
    static String clientAddress(io.vertx.core.http.HttpServerRequest request) {
        return request.remoteAddress() == null ? "unknown" : request.remoteAddress().hostAddress();
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(ApiKeyAuthenticationRequest.class);
    }

    /** Before the OIDC mechanism: a Tribunal key is recognised here, a JWT is left to OIDC. */
    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 1000;
    }

    /** The token of an {@code Authorization: Bearer <token>} header; empty when the header says something else. */
    static Optional<String> bearerToken(String header) {
        return header != null && header.length() >= 8 && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? Optional.of(header.substring(7).strip()) : Optional.empty();
    }

    static boolean looksLikeJwt(String token) {
        return token.startsWith("eyJ") && token.chars().filter(c -> c == '.').count() == 2;
    }
}
