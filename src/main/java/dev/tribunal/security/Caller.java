package dev.tribunal.security;

import io.quarkus.security.identity.SecurityIdentity;

/**
 * Who makes a request: the name of their API key (or {@code local} when security is off), whether that
 * name is authenticated, so that HUMAN provenance can be held to it, and whether it may log judgments (judge) and
 * people's assessments (annotate).
 */
public record Caller(String name, boolean authenticated, boolean admin, boolean judge, boolean annotate, boolean client) {

    /** The identity attribute that marks an evaluation client's key (see {@link ApiKeys.Holder#client()}). */
    public static final String CLIENT = "tribunal.client";

    /** Everyone, when security is off. */
    public static final String LOCAL = "local";

    public static Caller of(SecurityIdentity identity) {
        if (identity == null || identity.isAnonymous()) {
            return new Caller(LOCAL, false, false, true, true, false);
        }
        boolean authenticated = !Boolean.TRUE.equals(identity.getAttribute(ApiKeyMechanism.OPEN));
        return new Caller(identity.getPrincipal().getName(), authenticated, identity.hasRole(Roles.ADMIN),
                !authenticated || identity.hasRole(Roles.JUDGE), !authenticated || identity.hasRole(Roles.ANNOTATE),
                Boolean.TRUE.equals(identity.getAttribute(CLIENT)));
    }
}
