package dev.tribunal.security;

import io.quarkus.security.identity.SecurityIdentity;

import java.util.List;

/**
 * The person a page is shown to, as the pages' header and forms need them: their name, their roles, what they may do,
 * and the CSRF token their forms carry.
 */
public record Viewer(String name, List<String> roles, boolean admin, boolean judge, boolean annotate, String csrf) {

    public static Viewer of(SecurityIdentity identity) {
        Caller caller = Caller.of(identity);
        List<String> roles = identity == null || identity.isAnonymous() || !caller.authenticated() ? Roles.ALL
                : Roles.ALL.stream().filter(role -> identity.hasRole(role) || caller.admin()).toList();
        return new Viewer(caller.name(), roles, caller.admin(), caller.judge(), caller.annotate(),
                identity == null ? "" : Csrf.token(identity));
    }

    /** The roles as the header reads them. */
    public String rolesText() {
        return String.join(", ", roles);
    }
}
