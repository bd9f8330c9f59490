package dev.tribunal.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Checks a key against the database (and the bootstrap key), then the key's request rate. */
@ApplicationScoped
class ApiKeyIdentityProvider implements IdentityProvider<ApiKeyAuthenticationRequest> {

    private final ApiKeys keys;
    private final RequestLimiter limiter;

    ApiKeyIdentityProvider(ApiKeys keys, RequestLimiter limiter) {
        this.keys = keys;
        this.limiter = limiter;
    }

    @Override
    public Class<ApiKeyAuthenticationRequest> getRequestType() {
        return ApiKeyAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(ApiKeyAuthenticationRequest request, AuthenticationRequestContext context) {
        return keys.holder(request.key())
                .map(found -> {
                    ApiKeys.Holder holder = found.orElseThrow(() -> new AuthenticationFailedException("The API key is unknown or revoked"));
                    limiter.acquire(holder.name());
                    return QuarkusSecurityIdentity.builder()
                            .setPrincipal(new QuarkusPrincipal(holder.name()))
                            .addRoles(holder.roles())
                            .addAttribute(ApiKeyMechanism.VIA_COOKIE, request.viaCookie())
                            .build();
                });
    }
}
