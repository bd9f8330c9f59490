package dev.tribunal.security;

import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * The token a page's forms carry when the browser is signed in with the session cookie: derived from the
 * session's key, so another site can neither read nor forge it (the cookie is also SameSite=Strict).
 */
public final class Csrf {

    private Csrf() {
    }

    /** The token for a session key. */
    public static String token(String sessionKey) {
        return HexFormat.of().formatHex(ApiKeys.sha256("csrf:" + sessionKey));
    }

    /** Whether a form's token belongs to the session key. */
    public static boolean matches(String sessionKey, String token) {
        return sessionKey != null && token != null
                && MessageDigest.isEqual(token(sessionKey).getBytes(java.nio.charset.StandardCharsets.UTF_8),
                token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
