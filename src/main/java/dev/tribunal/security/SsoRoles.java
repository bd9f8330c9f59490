package dev.tribunal.security;

import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.SecurityIdentityAugmentor;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The roles of a single-sign-on identity: only its groups named in {@code tribunal.security.group-roles} bring roles
 * (a group that happens to be called "admin" brings none); admin then brings every role. API-key identities have
 * their roles already. Each single-sign-on user has the request rate of a key.
 */
@ApplicationScoped
class SsoRoles implements SecurityIdentityAugmentor {

    private final Map<String, List<String>> groupRoles;
    private final RequestLimiter limiter;

    SsoRoles(SecurityConfig config, RequestLimiter limiter) {
        this.groupRoles = config.groupRoles();
        this.limiter = limiter;
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (identity.isAnonymous() || identity.getAttribute(ApiKeyMechanism.API_KEY) != null
                || identity.getAttribute(ApiKeyMechanism.OPEN) != null) {
            return Uni.createFrom().item(identity);
        }
        return Uni.createFrom().item(() -> {
            limiter.acquireSso(identity.getPrincipal().getName());
            Set<String> roles = new LinkedHashSet<>();
            for (String group : identity.getRoles()) {
                roles.addAll(groupRoles.getOrDefault(group, List.of()));
            }
            return roles.isEmpty() ? identity : QuarkusSecurityIdentity.builder(identity).addRoles(Roles.effective(roles)).build();
        });
    }
}
