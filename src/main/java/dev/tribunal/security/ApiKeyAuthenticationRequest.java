package dev.tribunal.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/**
 * A Tribunal API key to check, or a browser session's token when it came in the session cookie, and the client address it
 * came from (unknown and wrong keys are limited per address). Its own type, so that only the key provider sees it.
 */
final class ApiKeyAuthenticationRequest extends BaseAuthenticationRequest {

    private final String key;
    private final boolean viaCookie;
    private final String clientAddress;

    ApiKeyAuthenticationRequest(String key, boolean viaCookie, String clientAddress) {
        this.key = key;
        this.viaCookie = viaCookie;
        this.clientAddress = clientAddress;
    }

    String key() {
        return key;
    }

    boolean viaCookie() {
        return viaCookie;
    }

    String clientAddress() {
        return clientAddress;
    }
}
