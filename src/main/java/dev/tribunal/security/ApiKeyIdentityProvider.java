package dev.tribunal.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Checks a key (or a browser session's token) against the database (and the bootstrap key), then the key's request rate;
 * unknown and wrong ones count against their client address.
 */
@ApplicationScoped
class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyAuthenticationRequest> {

    private final ApiKeys keys;
    private final BrowserSessions sessions;
    private final RequestLimiter limiter;

    ApiKeyIdentityProvider(ApiKeys keys, BrowserSessions sessions, RequestLimiter limiter) {
        this.keys = keys;
        this.sessions = sessions;
        this.limiter = limiter;
    }

    @Override
    public Class<ApiKeyAuthenticationRequest> getRequestType() {
        return ApiKeyAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyAuthenticationRequest request, AuthenticationRequestContext context) {
        return Uni.createFrom().item(request)
                // an address over its unknown or wrong keys is refused before the database is asked
                .invoke(r -> limiter.checkFailedKeys(r.clientAddress()))
                .chain(r -> r.viaCookie() ? sessions.holder(r.key()) : keys.holder(r.key()))
                .map(found -> {
                    if (found.isEmpty()) {
                        limiter.failedKey(request.clientAddress());
                    }
                    ApiKeys.Holder holder = found.orElseThrow(() -> new AuthenticationFailedException(request.viaCookie()
                            ? "The session has ended or its key was revoked; sign in again" : "The API key is unknown or revoked"));
                    limiter.acquire(holder.name());
                    QuarkusSecurityIdentity.Builder identity = QuarkusSecurityIdentity.builder()
                            .setPrincipal(new QuarkusPrincipal(holder.name()))
                            .addRoles(holder.roles())
                            .addAttribute(ApiKeyMechanism.API_KEY, Boolean.TRUE)
                            .addAttribute(Caller.CLIENT, holder.client());
                    if (request.viaCookie()) {
                        identity.addAttribute(ApiKeyMechanism.SESSION, request.key());
                    }
                    return identity.build();
                });
    }
}
