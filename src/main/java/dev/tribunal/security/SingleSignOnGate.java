package dev.tribunal.security;

import io.quarkus.oidc.IdTokenCredential;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * What single-sign-on callers may do, once they are known: each user has a key's request rate (429 when over it; the
 * browser session is kept), and a browser's single-sign-on session signs in the pages only, like Tribunal's own session
 * cookie: the JSON API takes bearer keys and tokens, so no form on another site can act through the session.
 */
@ApplicationScoped
class SingleSignOnGate {

    private final CurrentIdentityAssociation identities;
    private final RequestLimiter limiter;

    SingleSignOnGate(CurrentIdentityAssociation identities, RequestLimiter limiter) {
        this.identities = identities;
        this.limiter = limiter;
    }

    @ServerRequestFilter
    Uni<Void> check(HttpServerRequest request, RoutingContext routing) {
        if (!maySignOn(request)) {
            // a key, or nobody: nothing for this gate (and the identity stays unresolved until an endpoint needs it)
            return Uni.createFrom().voidItem();
        }
        return identities.getDeferredIdentity().invoke(identity -> {
            if (!isSingleSignOn(identity)) {
                return;
            }
            // decided on the path the router serves (one not in normal form was refused before: NormalPathGuard)
            String path = routing.normalizedPath();
            if (identity.getCredential(IdTokenCredential.class) != null && !ApiKeyMechanism.takesSession(path, request.method().name())
                    && !LoginPage.PATHS.contains(path)) {
                throw new AuthenticationFailedException("A single-sign-on browser session signs in the pages only; "
                        + "the API takes 'Authorization: Bearer <key or token>'");
            }
            limiter.acquireSso(identity.getPrincipal().getName());
        }).replaceWithVoid();
    }

    /** Whether the request carries single-sign-on credentials: a JWT bearer token, or the browser session's cookie. */
    private static boolean maySignOn(HttpServerRequest request) {
        String authorization = request.getHeader("Authorization");
        if (authorization != null) {
            return ApiKeyMechanism.bearerToken(authorization).filter(ApiKeyMechanism::looksLikeJwt).isPresent();
        }
        return LoginPage.hasSingleSignOnSession(request);
    }

    /** An identity that single sign-on made: neither anonymous, nor a Tribunal key's, nor the open local one. */
    static boolean isSingleSignOn(SecurityIdentity identity) {
        return !identity.isAnonymous() && identity.getAttribute(ApiKeyMechanism.API_KEY) == null
                && identity.getAttribute(ApiKeyMechanism.OPEN) == null;
    }
}
