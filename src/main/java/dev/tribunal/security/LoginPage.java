package dev.tribunal.security;

import dev.tribunal.system.PermissionDeniedException;
import dev.tribunal.system.Redirects;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestQuery;

import io.quarkus.security.Authenticated;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Signing in to the pages with an API key: the key is checked and a {@link BrowserSessions session} opened, whose token
 * (never the key) goes into an HttpOnly, SameSite=Strict cookie; {@code __Host-} prefixed and Secure over HTTPS.
 * Signing out ends the session in the database, so the cookie is worthless afterwards even where it was copied.
 */
@Path("/")
@PermitAll
public class LoginPage {

    /** Where browsers sign in with single sign-on. */
    static final String SSO_PATH = "/login/sso";
    /** Signing in and out. */
    /** Where a single-sign-on session is ended at the identity provider (quarkus.oidc.logout.path). */
    static final String SSO_LOGOUT_PATH = "/logout/sso";
    static final java.util.Set<String> PATHS = java.util.Set.of("/login", SSO_PATH, "/logout", SSO_LOGOUT_PATH);
    /** The name (or first part of the names) of the single-sign-on session's cookies. */
    private static final String OIDC_SESSION_COOKIE = "q_session";


    private final ApiKeys keys;
    private final BrowserSessions sessions;
    private final RequestLimiter limiter;
    /** Single sign-on is on and may sign browsers in (application type hybrid or web-app), not only bearer tokens. */
    private final boolean browserSso;

    LoginPage(ApiKeys keys, BrowserSessions sessions, RequestLimiter limiter,
              @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false") boolean ssoEnabled,
              @ConfigProperty(name = "quarkus.oidc.application-type", defaultValue = "service") String applicationType) {
        this.keys = keys;
        this.sessions = sessions;
        this.limiter = limiter;
        this.browserSso = ssoEnabled && !"service".equalsIgnoreCase(applicationType.strip());
    }

    /** Where the console opens: the newest traces with their verdicts. */
    static final String HOME = "/traces";

    /** The server's root opens the console (its pages send a browser without a session to sign in first). */
    @GET
    public Response home() {
        return Redirects.seeOther(HOME).build();
    }

    @GET
    @Path("login")
    @Produces(MediaType.TEXT_HTML)
    public String form(@RestQuery("next") String next, @RestQuery("error") String error) {
        return page(safeNext(next), error != null);
    }

    /**
     * Signing in with the team's identity provider (OIDC authorization code flow, which application.properties sets for
     * this path): the browser is sent there, comes back with its session cookie, and is then sent on to the page it asked for.
     */
    @GET
    @Path("login/sso")
    @Authenticated
    public Response singleSignOn(@RestQuery("next") String next) {
        if (!browserSso) {
            return Response.status(404).type(MediaType.TEXT_PLAIN)
                    .entity("Single sign-on for the pages is not configured (quarkus.oidc.application-type=hybrid)").build();
        }
        return Redirects.seeOther(safeNext(next)).build();
    }

    @POST
    @Path("login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> login(byte[] body, io.vertx.core.http.HttpServerRequest request) {
        // the form is read by FormBody, which answers a malformed one with a 400
        dev.tribunal.system.FormBody form = dev.tribunal.system.FormBody.parse(body);
        String key = form.get("key");
        String next = form.get("next");
        boolean secure = TransportSecurity.overHttps(request);
        String target = safeNext(next);
        PermissionDeniedException.require(sameOrigin(request), "Sign-in is accepted from this server's own page only");
        limiter.acquireSignIn(ApiKeyMechanism.clientAddress(request));
        if (key == null || key.isBlank()) {
            return Uni.createFrom().item(Response.status(401).entity(page(target, true)).build());
        }
        return keys.holder(key.strip())
                .chain(holder -> holder.isEmpty()
                        ? Uni.createFrom().item(Response.status(401).entity(page(target, true)).build())
                        : sessions.open(key.strip()).map(token -> Redirects.seeOther(target)
                        .cookie(session(token, (int) BrowserSessions.LENGTH.toSeconds(), secure)).build()));
    }

    @POST
    @Path("logout")
    public Uni<Response> logout(io.vertx.core.http.HttpServerRequest request) {
        PermissionDeniedException.require(sameOrigin(request), "Sign-out is accepted from this server's own pages only");
        java.util.Optional<String> token = ApiKeyMechanism.sessionToken(request);
        Uni<Void> ended = token.isPresent() ? sessions.close(token.get()) : Uni.createFrom().voidItem();
        NewCookie[] dropped = {session("", 0, true), session("", 0, false)};
        if (browserSso && hasSingleSignOnSession(request)) {
            // a single-sign-on session is ended at the identity provider too (OIDC RP-initiated logout, which also drops
            // its cookies here), and the browser comes back to the login page. A page takes it there: the form's own
            // redirects may not leave this site (Content-Security-Policy form-action 'self').
            return ended.map(done -> Response.ok(SIGNING_OUT, MediaType.TEXT_HTML_TYPE).cookie(dropped).build());
        }
        return ended.map(done -> Redirects.seeOther("/login").cookie(dropped).build());
    }

    /** Reached only when the single-sign-on session has already ended (else the OIDC mechanism takes the request). */
    @GET
    @Path("logout/sso")
    public Response signedOut() {
        return Redirects.seeOther("/login").build();
    }

    /** Whether the browser sent a single-sign-on session's cookie (Quarkus may split one into several). */
    static boolean hasSingleSignOnSession(io.vertx.core.http.HttpServerRequest request) {
        return request.cookies().stream().anyMatch(cookie -> cookie.getName().startsWith(OIDC_SESSION_COOKIE));
    }

    /**
     * A browser's form from another site says so in its Origin header (sent with every cross-site POST): such a
     * sign-in (into the attacker's key) or sign-out is refused. Clients that send no Origin are not browsers' forms.
     * The Origin is compared with the host Quarkus resolved for the request: the Host header, or the forwarded host
     * when a configured proxy may send one (quarkus.http.proxy.*), never a forwarded host just any client sends.
     */
    private static boolean sameOrigin(io.vertx.core.http.HttpServerRequest request) {
        String origin = request.getHeader("Origin");
        if (origin == null || origin.isEmpty()) {
            return true;
        }
        io.vertx.core.net.HostAndPort authority = request.authority();
        try {
            URI from = URI.create(origin);
            return authority != null && from.getHost() != null && authority.host().equalsIgnoreCase(from.getHost())
                    && port(from.getScheme(), authority.port()) == port(from.getScheme(), from.getPort());
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A port as given, else the scheme's own (a browser leaves the default port out of its Origin). */
    private static int port(String scheme, int port) {
        return port >= 0 ? port : "https".equalsIgnoreCase(scheme) ? 443 : 80;
    }

    private static NewCookie session(String token, int maxAge, boolean secure) {
        return new NewCookie.Builder(secure ? ApiKeyMechanism.SECURE_COOKIE : ApiKeyMechanism.COOKIE).value(token).path("/").maxAge(maxAge)
                .httpOnly(true).secure(secure).sameSite(NewCookie.SameSite.STRICT).build();
    }

    /** Only a path on this server: never another site. */
    static String safeNext(String next) {
        if (!Redirects.isLocalPath(next)) {
            return HOME;
        }
        return next;
    }

    private String page(String next, boolean failed) {
        String escaped = escape(next);
        String sso = browserSso ? "<p><a id=\"sso\" href=\"/login/sso?next=" + escape(URLEncoder.encode(next, StandardCharsets.UTF_8))
                + "\">Sign in with single sign-on</a></p>" : "";
        return TEMPLATE.replace("{error}", failed ? "<p class=\"error\" id=\"error\">That key is unknown or revoked.</p>" : "")
                .replace("{sso}", sso)
                .replace("{next}", escaped);
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("\"", "&quot;").replace("<", "&lt;").replace(">", "&gt;");
    }

    private static final String SIGNING_OUT = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Signing out · Tribunal</title>
            <meta http-equiv="refresh" content="0;url=/logout/sso"></head>
            <body><p>Signing out of single sign-on… <a id="continue" href="/logout/sso">continue</a></p></body></html>
            """;

    private static final String TEMPLATE = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Sign in · Tribunal</title>
            <style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:4rem auto;color:#222}
            input{width:100%;padding:.5rem;margin:.5rem 0;box-sizing:border-box}button{padding:.5rem 1rem}
            .error{color:#b00020}</style></head>
            <body><h1>Tribunal</h1>
            {error}
            <form method="post" action="/login">
            <label for="key">API key</label>
            <input id="key" name="key" type="password" autocomplete="current-password" required>
            <input type="hidden" name="next" value="{next}">
            <button type="submit" id="sign-in">Sign in</button>
            </form>
            {sso}
            <p>Any key with the <code>read</code> role shows the pages; labelling needs <code>annotate</code>.</p>
            </body></html>
            """;
}
