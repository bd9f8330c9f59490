package dev.tribunal.system;

/**
 * Errors on the paths of another protocol, answered in that protocol's own format (OTLP/HTTP answers with a
 * {@code google.rpc.Status}, say). The error mapper and the body-size guard answer through the format that serves a
 * request's path; elsewhere errors are MLflow's or RFC 9457 problems.
 */
public interface ErrorFormat {

    /** An error answer's media type and body. */
    record Answer(String mediaType, byte[] body) {
    }

    boolean serves(String path);

    /**
     * @param status             the HTTP status of the answer
     * @param requestContentType the request's {@code Content-Type}, or null
     */
    Answer answer(int status, String message, String requestContentType);
}
