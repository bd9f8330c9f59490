package dev.tribunal.otlp;

import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.tribunal.otlp.OtlpCodec.Encoding;
import dev.tribunal.system.ErrorFormat;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Every error on {@code /v1/traces}, also those decided before the export is read (no key, a key without the ingest
 * role, a caller over its rate, a body over the limit): a {@code google.rpc.Status} in the request's encoding, as the
 * OTLP/HTTP specification asks, so that exporters can report the reason.
 */
@ApplicationScoped
class OtlpErrorFormat implements ErrorFormat {

    static final String PATH = "/v1/traces";

    @Override
    public boolean serves(String path) {
        return PATH.equals(path);
    }

    @Override
    public Answer answer(int status, String message, String requestContentType) {
        Encoding requested = Encoding.of(requestContentType);
        return answer(status, message, requested == null ? Encoding.JSON : requested);
    }

    /** The {@code google.rpc.Status} of an error answer, its code following the HTTP status, in this encoding. */
    static Answer answer(int status, String message, Encoding encoding) {
        Status body = Status.newBuilder().setCode(code(status).getNumber()).setMessage(message).build();
        return new Answer(encoding.mediaType, OtlpCodec.encode(body, encoding));
    }

    static Code code(int status) {
        return switch (status) {
            case 401 -> Code.UNAUTHENTICATED;
            case 403 -> Code.PERMISSION_DENIED;
            case 404 -> Code.NOT_FOUND;
            case 429 -> Code.RESOURCE_EXHAUSTED;
            case 503 -> Code.UNAVAILABLE;
            default -> status >= 500 ? Code.INTERNAL : Code.INVALID_ARGUMENT;
        };
    }
}
