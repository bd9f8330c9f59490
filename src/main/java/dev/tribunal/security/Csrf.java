package dev.tribunal.security;

import io.quarkus.oidc.IdTokenCredential;
import io.quarkus.security.identity.SecurityIdentity;

import java.security.MessageDigest;

/**
 * The token a page's forms carry when the browser is signed in with the session cookie: derived from the
 * session's token, so another site can neither read nor forge it (the cookie is also SameSite=Strict).
 */
public final class Csrf {

    private Csrf() {
    }

    /**
     * The token for the caller's forms, derived from its browser session: Tribunal's session token, or the ID token of a
     * single-sign-on session. Empty when the caller came without a session cookie (with a bearer key or token: no
     * other site can make a browser send those, so no form needs a token then).
     */
    public static String token(SecurityIdentity identity) {
        String session = identity.getAttribute(ApiKeyMechanism.SESSION);
        if (session == null) {
            IdTokenCredential signedOn = identity.getCredential(IdTokenCredential.class);
            session = signedOn == null ? null : signedOn.getToken();
        }
        return session == null ? "" : ApiKeys.sha256Hex("csrf:" + session);
    }

    /** Whether a form may be taken from the caller: always without a session cookie, else only with the session's token. */
    public static boolean accepts(SecurityIdentity identity, String token) {
        String expected = token(identity);
        return expected.isEmpty() || token != null
                && MessageDigest.isEqual(expected.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * A page's form, read by FormBody (a malformed one is a 400), once its CSRF token is checked: a form without the
     * session's token is refused (403) before anything in it is read.
     */
    public static dev.tribunal.system.FormBody form(SecurityIdentity identity, byte[] body) {
        dev.tribunal.system.FormBody form = dev.tribunal.system.FormBody.parse(body);
        dev.tribunal.system.PermissionDeniedException.require(accepts(identity, form.get("csrf")),
                "The form's CSRF token is missing or wrong; reload the page and try again");
        return form;
    }
}
