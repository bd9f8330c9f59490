package dev.tribunal.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A Tribunal API key to check, or a browser session's token when it came in the session cookie. Its own type, so that only the key provider sees it. */
final class ApiKeyAuthenticationRequest extends BaseAuthenticationRequest {

    private final String key;
    private final boolean viaCookie;

    ApiKeyAuthenticationRequest(String key, boolean viaCookie) {
        this.key = key;
        this.viaCookie = viaCookie;
    }

    String key() {
        return key;
    }

    boolean viaCookie() {
        return viaCookie;
    }
}
