package dev.tribunal.security;

import io.quarkus.security.identity.SecurityIdentity;

/**
 * Who makes a request: the name of their API key (or {@code local} when security is off), and whether that
 * name is authenticated, so that HUMAN provenance can be held to it.
 */
public record Caller(String name, boolean authenticated, boolean admin) {

    /** Everyone, when security is off. */
    public static final String LOCAL = "local";

    public static Caller of(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            return new Caller(LOCAL, false, false);
        }
        boolean authenticated = !Boolean.TRUE.equals(identity.getAttribute(ApiKeyMechanism.OPEN));
        return new Caller(identity.getPrincipal().getName(), authenticated, identity.hasRole(Roles.ADMIN));
    }
}
