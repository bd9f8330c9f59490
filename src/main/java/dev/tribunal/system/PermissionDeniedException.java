package dev.tribunal.system;

/** The caller is known but may not do this (e.g. write a HUMAN assessment in someone else's name). */
public class PermissionDeniedException extends RuntimeException {

    public PermissionDeniedException(String message) {
        super(message);
    }

    public static void require(boolean condition, String message) {
        if (!condition) {
            throw new PermissionDeniedException(message);
        }
    }
}
