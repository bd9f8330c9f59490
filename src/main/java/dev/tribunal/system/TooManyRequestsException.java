package dev.tribunal.system;

/** A caller over its request rate; {@code retryAfterSeconds} says when a request will pass again. */
public class TooManyRequestsException extends RuntimeException {

    private final long retryAfterSeconds;

    public TooManyRequestsException(String message, long retryAfterSeconds) {
        super(message, null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The refusal a failure stands for, when a rate limit is among its causes (security wraps what providers throw). */
    public static java.util.Optional<TooManyRequestsException> among(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TooManyRequestsException tooMany) {
                return java.util.Optional.of(tooMany);
            }
        }
        return java.util.Optional.empty();
    }
}
