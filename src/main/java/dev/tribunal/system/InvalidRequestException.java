package dev.tribunal.system;

/** The request is well-formed JSON but breaks a rule of the API; nothing was written. */
public final class InvalidRequestException extends RuntimeException {

    public InvalidRequestException(String message) {
        super(message, null, false, false);
    }

    /** Throws when the condition does not hold. */
    public static void require(boolean condition, String message) {
        if (!condition) {
            throw new InvalidRequestException(message);
        }
    }
}
