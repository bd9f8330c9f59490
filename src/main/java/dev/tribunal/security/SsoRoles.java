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
 * their roles already. ({@link SingleSignOnGate} holds single-sign-on users to a key's request rate.)
 */
@ApplicationScoped
class SsoRoles implements SecurityIdentityAugmentor {

    private final Map<String, List<String>> groupRoles;

    SsoRoles(SecurityConfig config) {
        this.groupRoles = config.groupRoles();
    }

    @Override
    public Uni<SecurityIdentity> augment(SecurityIdentity identity, AuthenticationRequestContext context) {
        if (!SingleSignOnGate.isSingleSignOn(identity)) {
            return Uni.createFrom().item(identity);
        }
        Set<String> roles = new LinkedHashSet<>();
        for (String group : identity.getRoles()) {
            roles.addAll(groupRoles.getOrDefault(group, List.of()));
        }
        return Uni.createFrom().item(roles.isEmpty() ? identity : QuarkusSecurityIdentity.builder(identity).addRoles(Roles.effective(roles)).build());
    }
}
