package dev.tribunal.system;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A form's body ({@code application/x-www-form-urlencoded}) read strictly: a {@code %} that escapes nothing, or
 * bytes that are not UTF-8 once unescaped, are a 400 that names the field. The framework's own form parser meets
 * such a body where it cannot answer at all: the request would wait for an answer that never comes.
 */
public final class FormBody {

    private final Map<String, String> fields;

    private FormBody(Map<String, String> fields) {
        this.fields = fields;
    }

    /** The fields of a body; a field sent twice keeps its first value, as the framework's parser does. */
    public static FormBody parse(byte[] body) {
        Map<String, String> fields = new LinkedHashMap<>();
        if (body == null) {
            return new FormBody(fields);
        }
        int start = 0;
        for (int i = 0; i <= body.length; i++) {
            if (i == body.length || body[i] == '&') {
                if (i > start) {
                    int equals = start;
                    while (equals < i && body[equals] != '=') {
                        equals++;
                    }
                    String name = decode(body, start, equals, null);
                    String value = equals < i ? decode(body, equals + 1, i, name) : "";
                    fields.putIfAbsent(name, value);
                }
                start = i + 1;
            }
        }
        return new FormBody(fields);
    }

    /** The field's value; null when the form has no such field. */
    public String get(String name) {
        return fields.get(name);
    }

    private static String decode(byte[] body, int from, int to, String field) {
        String which = field == null ? "a field name of the form" : "the form's field '" + field + "'";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            byte b = body[i];
            if (b == '+') {
                bytes.write(' ');
            } else if (b == '%') {
                int high = i + 2 < to ? Character.digit(body[i + 1], 16) : -1;
                int low = i + 2 < to ? Character.digit(body[i + 2], 16) : -1;
                InvalidRequestException.require(high >= 0 && low >= 0,
                        "In " + which + ", '%' at byte " + (i - from) + " is not followed by two hex digits; a '%' itself is sent as %25");
                bytes.write(high << 4 | low);
                i += 2;
            } else {
                bytes.write(b);
            }
        }
        byte[] decoded = bytes.toByteArray();
        InvalidRequestException.require(StrictJsonInput.firstMalformed(decoded, 0, decoded.length) < 0, which + " is not UTF-8 once unescaped");
        return new String(decoded, StandardCharsets.UTF_8);
    }
}
