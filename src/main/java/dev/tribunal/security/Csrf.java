package dev.tribunal.security;

import io.quarkus.security.identity.SecurityIdentity;

import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The token a page's forms carry when the browser is signed in with the session cookie: derived from the
 * session's token, so another site can neither read nor forge it (the cookie is also SameSite=Strict).
 */
public final class Csrf {

    private Csrf() {
    }

    /** The token for the caller's forms: empty when the caller did not come with the session cookie (no form needs one then). */
    public static String token(SecurityIdentity identity) {
        String session = identity.getAttribute(ApiKeyMechanism.SESSION);
        return session == null ? "" : HexFormat.of().formatHex(ApiKeys.sha256("csrf:" + session));
    }

    /** Whether a form may be taken from the caller: always without a session cookie, else only with the session's token. */
    public static boolean accepts(SecurityIdentity identity, String token) {
        String expected = token(identity);
        return expected.isEmpty() || token != null
                && MessageDigest.isEqual(expected.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
