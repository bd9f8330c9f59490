package dev.tribunal.system;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.util.RequestPayload;

/**
 * JSON text whose characters are not what RFC 8259 allows: bytes that are not UTF-8, or a <code>&#92;u</code> escape of half
 * a UTF-16 surrogate pair. The message names where it is.
 */
public final class InvalidJsonTextException extends StreamReadException {

    private static final long serialVersionUID = 1L;

    InvalidJsonTextException(String message) {
        super((JsonParser) null, message);
    }

    @Override
    public StreamReadException withParser(JsonParser parser) {
        return this;
    }

    @Override
    public StreamReadException withRequestPayload(RequestPayload payload) {
        return this;
    }
}
