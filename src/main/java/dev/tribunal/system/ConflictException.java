package dev.tribunal.system;

/** The request is understood but does not fit the state of what it names (e.g. cancelling a finished run). */
public final class ConflictException extends RuntimeException {

    public ConflictException(String message) {
        super(message, null, false, false);
    }
}
