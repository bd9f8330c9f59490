package dev.tribunal.security;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Who may call Tribunal. */
@ConfigMapping(prefix = "tribunal.security")
public interface SecurityConfig {

    /**
     * Whether requests need an API key. Off, every request acts as {@code local} with every role: only for a
     * developer's machine (the dev profile turns it off and listens on localhost only).
     */
    @WithDefault("true")
    boolean enabled();

    /**
     * Requests per second one key may make (a burst of as many is allowed); more get 429 with Retry-After,
     * so that one client cannot starve the database or the judges' budgets for the others. Counted per process.
     */
    @WithDefault("100")
    int requestsPerSecondPerKey();

    /** Sign-in attempts on the login page per client address and minute: enough for people, too few to guess keys. */
    @WithDefault("10")
    int signInsPerMinute();

    /**
     * Unknown or wrong API keys (and ended sessions' cookies) one client address may send per minute, each a database
     * lookup; beyond that, every key from the address gets 429 with Retry-After, without a lookup, until the minute has
     * refilled. Enough for a client whose key was just revoked to notice; counted per process.
     */
    @WithDefault("60")
    int failedKeysPerMinute();

    /**
     * Single sign-on: the Tribunal roles each identity-provider group (the token's {@code groups} claim) brings,
     * e.g. {@code tribunal.security.group-roles."ml-reviewers"=read,annotate}. Groups not named bring none.
     */
    java.util.Map<String, java.util.List<String>> groupRoles();
}
