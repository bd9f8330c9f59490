package dev.tribunal.system;

import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.io.InputDecorator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Checks JSON bytes before a parser reads them, because Jackson's UTF-8 parser takes some malformed input without a
 * word: an overlong form ({@code C0 BC}) becomes the character it spells ({@code <}), a code point beyond U+10FFFF
 * becomes garbage, and a <code>&#92;ud800</code> escape without its other half becomes a string that PostgreSQL stores as
 * {@code ?}. Refused here instead, with {@link InvalidJsonTextException} naming the field:
 * <ul>
 * <li>bytes that are not UTF-8 (overlong forms, encoded surrogates, code points beyond U+10FFFF, stray or missing
 * continuation bytes), in values and in field names;</li>
 * <li>a body in UTF-16 or UTF-32, which Jackson would otherwise detect and read (JSON over HTTP is UTF-8);</li>
 * <li>a <code>&#92;u</code> escape of a high surrogate not followed by one of a low surrogate, or of a low one alone.</li>
 * </ul>
 * Input given as characters is passed on as it is: it was decoded already, by whoever made it.
 */
public final class StrictJsonInput extends InputDecorator {

    public static final StrictJsonInput INSTANCE = new StrictJsonInput();
    private static final long serialVersionUID = 1L;
    /** Eight bytes at a time, to skip ASCII quickly. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private StrictJsonInput() {
    }

    @Override
    public InputStream decorate(IOContext context, InputStream in) throws IOException {
        byte[] bytes = in.readAllBytes();
        check(bytes, 0, bytes.length);
        return new ByteArrayInputStream(bytes);
    }

    @Override
    public InputStream decorate(IOContext context, byte[] src, int offset, int length) throws IOException {
        check(src, offset, length);
        return null;
    }

    @Override
    public Reader decorate(IOContext context, Reader reader) {
        return reader;
    }

    /** Throws {@link InvalidJsonTextException} when {@code bytes[offset..offset+length)} is not strict UTF-8 JSON text. */
    public static void check(byte[] bytes, int offset, int length) throws InvalidJsonTextException {
        int end = offset + length;
        for (int i = offset; i < Math.min(end, offset + 4); i++) {
            // JSON text in UTF-8 holds no NUL byte at all; in UTF-16 and UTF-32 one of the first four always is
            if (bytes[i] == 0) {
                throw new InvalidJsonTextException("The text is not UTF-8 (it looks like UTF-16 or UTF-32): JSON is sent as UTF-8");
            }
        }
        int malformed = firstMalformed(bytes, offset, end);
        if (malformed >= 0) {
            String following = HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bytes, malformed, Math.min(end, malformed + 4));
            throw new InvalidJsonTextException("Invalid text " + JsonPaths.locate(bytes, offset, malformed) + ": it is not UTF-8 from byte "
                    + (malformed - offset) + " on (" + following + (end > malformed + 4 ? " ..." : "") + ")");
        }
        int lone = loneSurrogate(bytes, offset, end);
        if (lone >= 0) {
            throw new InvalidJsonTextException("Invalid text " + JsonPaths.locate(bytes, offset, lone) + ": "
                    + new String(bytes, lone, 6, StandardCharsets.US_ASCII) + " (at byte " + (lone - offset) + ") is half of a "
                    + "UTF-16 surrogate pair without the other half; a character beyond U+FFFF is escaped as a pair such as \\ud83d\\ude00");
        }
    }

    /**
     * The index of the first byte that does not begin a well-formed UTF-8 sequence (Unicode's table 3-7: no overlong
     * form, no surrogate, nothing beyond U+10FFFF, no sequence cut short), or -1. The JDK's strict decoder gives the
     * same verdict (a test compares them) but decodes as it goes, about twenty times slower on text with accents;
     * here ASCII is skipped eight bytes at a time.
     */
    static int firstMalformed(byte[] bytes, int from, int to) {
        int i = from;
        while (i < to) {
            if (i + 8 <= to && ((long) LONGS.get(bytes, i) & 0x8080808080808080L) == 0) {
                i += 8;
                continue;
            }
            int lead = bytes[i] & 0xFF;
            if (lead < 0x80) {
                i++;
            } else if (lead >= 0xC2 && lead <= 0xDF) {
                if (i + 1 >= to || !continuation(bytes[i + 1])) {
                    return i;
                }
                i += 2;
            } else if (lead >= 0xE0 && lead <= 0xEF) {
                // E0 would be overlong below A0; ED followed by A0 or more is a surrogate
                int low = lead == 0xE0 ? 0xA0 : 0x80;
                int high = lead == 0xED ? 0x9F : 0xBF;
                if (i + 2 >= to || !within(bytes[i + 1], low, high) || !continuation(bytes[i + 2])) {
                    return i;
                }
                i += 3;
            } else if (lead >= 0xF0 && lead <= 0xF4) {
                // F0 would be overlong below 90; F4 beyond 8F is past U+10FFFF
                int low = lead == 0xF0 ? 0x90 : 0x80;
                int high = lead == 0xF4 ? 0x8F : 0xBF;
                if (i + 3 >= to || !within(bytes[i + 1], low, high) || !continuation(bytes[i + 2]) || !continuation(bytes[i + 3])) {
                    return i;
                }
                i += 4;
            } else {
                // a continuation byte without a lead, C0 and C1 (always overlong), F5 to FF (never used)
                return i;
            }
        }
        return -1;
    }

    private static boolean continuation(byte b) {
        return (b & 0xC0) == 0x80;
    }

    private static boolean within(byte b, int low, int high) {
        int value = b & 0xFF;
        return value >= low && value <= high;
    }

    /**
     * The index of the first <code>&#92;u</code> escape of a lone surrogate, or -1. A backslash byte is always an escape in
     * valid JSON (it cannot occur outside strings nor inside a UTF-8 sequence), so the escapes are found without
     * parsing; one that is malformed is left to the parser to report.
     */
    private static int loneSurrogate(byte[] bytes, int from, int to) {
        for (int i = from; i < to; i++) {
            if (bytes[i] != '\\') {
                continue;
            }
            if (i + 1 >= to || bytes[i + 1] != 'u') {
                i++;
                continue;
            }
            int unit = hex4(bytes, i + 2, to);
            if (unit >= 0 && Character.isHighSurrogate((char) unit)) {
                boolean paired = i + 11 < to && bytes[i + 6] == '\\' && bytes[i + 7] == 'u'
                        && Character.isLowSurrogate((char) hex4(bytes, i + 8, to));
                if (!paired) {
                    return i;
                }
                i += 11;
            } else if (unit >= 0 && Character.isLowSurrogate((char) unit)) {
                return i;
            } else {
                i += unit >= 0 ? 5 : 1;
            }
        }
        return -1;
    }

    /** The value of four hex digits at {@code at}; -1 when they are not four hex digits. */
    private static int hex4(byte[] bytes, int at, int to) {
        if (at + 4 > to) {
            return -1;
        }
        int value = 0;
        for (int i = at; i < at + 4; i++) {
            int digit = Character.digit(bytes[i], 16);
            if (digit < 0) {
                return -1;
            }
            value = value << 4 | digit;
        }
        return value;
    }
}
