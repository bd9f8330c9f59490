package dev.tribunal.system;

import io.quarkus.security.identity.SecurityIdentity;

/**
 * How a refusal (403) names who asked: the security feature, which tells keys from signed-in users and knows the roles
 * there are, provides it.
 */
public interface CallerDescription {

    /** Who asked and the roles they hold, e.g. "key 'ci' has read, ingest"; of an identity that is not anonymous. */
    String describe(SecurityIdentity identity);
}
