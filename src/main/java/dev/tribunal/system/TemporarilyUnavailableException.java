package dev.tribunal.system;

/**
 * A request this process cannot take now but will take later, unchanged (memory for bodies is held by other requests,
 * say); {@code retryAfterSeconds} says when to send it again.
 */
public class TemporarilyUnavailableException extends RuntimeException {

    private final long retryAfterSeconds;

    public TemporarilyUnavailableException(String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
