package dev.tribunal.system;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Where something sits in a JSON document, written as every error message of the API writes it:
 * {@code traces[0].spans[1].name}, and "the body" for the document itself.
 */
public final class JsonPaths {

    /**
     * Reads a prefix of a body only to find where its end lies: no checks, strings as long as the body; nesting as
     * deep as Jackson's default allows (a body nested deeper is refused for that anyway).
     */
    private static final JsonFactory PLAIN = JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
                    .maxStringLength(Integer.MAX_VALUE).build())
            .build();
    /** Paths longer than this are shown by their end, which says the most. */
    private static final int MAX_SHOWN = 200;

    private JsonPaths() {
    }

    /** The value a parser is at: the field it reads, or the element of an array; "" at the top. */
    public static String of(JsonStreamContext context) {
        Deque<String> segments = new ArrayDeque<>();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                segments.push("[" + c.getCurrentIndex() + "]");
            } else if (c.getCurrentName() != null) {
                segments.push(c.getCurrentName());
            }
        }
        return join(segments);
    }

    /** The object or array a parser is in. */
    public static String ofContainer(JsonStreamContext context) {
        return context == null ? "" : of(context.getParent());
    }

    /** The path of a binding error. */
    public static String of(List<JsonMappingException.Reference> references) {
        Deque<String> segments = new ArrayDeque<>();
        for (JsonMappingException.Reference ref : references) {
            segments.add(ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]");
        }
        return join(segments);
    }

    /** {@code 'a.b'}, or "the top level" for the document itself. */
    public static String quoted(String path) {
        if (path.isEmpty()) {
            return "the top level";
        }
        return "'" + (path.length() <= MAX_SHOWN ? path : "..." + path.substring(path.length() - MAX_SHOWN)) + "'";
    }

    private static String join(Iterable<String> segments) {
        StringBuilder path = new StringBuilder();
        for (String segment : segments) {
            if (!path.isEmpty() && !segment.startsWith("[")) {
                path.append('.');
            }
            path.append(segment);
        }
        return path.toString();
    }

    /** "'k' is sent twice in 'a.b'" when a parser refused a key it had read already; empty for any other error. */
    public static Optional<String> duplicateKey(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof StreamReadException read && read.getOriginalMessage() != null
                    && read.getOriginalMessage().startsWith("Duplicate field '") && read.getProcessor() != null) {
                // the parser stopped at the repeated name: its context is the object that holds it
                JsonStreamContext object = read.getProcessor().getParsingContext();
                return Optional.of("'" + object.getCurrentName() + "' appears twice in the object at " + quoted(ofContainer(object))
                        + "; a key may appear once in an object");
            }
        }
        return Optional.empty();
    }

    /** Where a byte of a JSON text lies: in the string value at {@code path}, or in a field name of the object at {@code path}. */
    record Place(String path, boolean fieldName) {

        @Override
        public String toString() {
            return fieldName ? "in a field name of the object at " + quoted(path) : "at " + quoted(path);
        }
    }

    /**
     * Where the byte at {@code index} of {@code bytes[offset..]} lies, found by reading the text before it: the
     * reading stops inside the token that holds the byte.
     */
    static Place locate(byte[] bytes, int offset, int index) {
        JsonParser parser;
        try {
            parser = PLAIN.createParser(bytes, offset, index - offset);
        } catch (IOException e) {
            return new Place("", false);
        }
        JsonToken last = null;
        boolean inString = false;
        try (parser) {
            for (JsonToken token; (token = parser.nextToken()) != null; ) {
                last = token;
                if (token == JsonToken.VALUE_STRING) {
                    inString = true;
                    parser.getText();
                    inString = false;
                }
            }
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            // nested deeper than any body may be: the place is not worth finding
            return new Place("", false);
        } catch (IOException e) {
            // the text ends inside the token that holds the byte
        }
        JsonStreamContext context = parser.getParsingContext();
        if (inString) {
            return new Place(of(context), false);
        }
        if (context.inObject() && last != JsonToken.FIELD_NAME) {
            return new Place(ofContainer(context), true);
        }
        return new Place(of(context), false);
    }
}
