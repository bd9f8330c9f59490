package dev.tribunal.security;

import dev.tribunal.system.CallerDescription;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.List;

/** Names an API key as a key and anyone signed in otherwise as a user, with Tribunal's roles they hold. */
@ApplicationScoped
class KeyOrUserDescription implements CallerDescription {

    @Override
    public String describe(SecurityIdentity identity) {
        boolean key = identity.getAttribute(ApiKeyMechanism.API_KEY) != null;
        List<String> has = Roles.ALL.stream().filter(identity.getRoles()::contains).toList();
        return (key ? "key '" : "user '") + identity.getPrincipal().getName() + "' has " + (has.isEmpty() ? "no role" : String.join(", ", has));
    }
}
