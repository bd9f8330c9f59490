package dev.tribunal.system;

/** A trace, span or assessment that the request names does not exist. */
public final class ResourceNotFoundException extends RuntimeException {

    public ResourceNotFoundException(String message) {
        super(message, null, false, false);
    }
}
