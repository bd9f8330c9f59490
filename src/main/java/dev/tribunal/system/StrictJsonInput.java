package dev.tribunal.system;

import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.io.InputDecorator;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * Checks JSON bytes before a parser reads them, because Jackson's UTF-8 parser takes some malformed input without a
 * word: an overlong form ({@code C0 BC}) becomes the character it spells ({@code <}), a code point beyond U+10FFFF
 * becomes garbage, and a <code>&#92;ud800</code> escape without its other half becomes a string that PostgreSQL stores as
 * {@code ?}. Refused here instead, with {@link InvalidJsonTextException} naming the field:
 * <ul>
 * <li>bytes that are not UTF-8 (the JDK's decoder is the judge: overlong forms, encoded surrogates, code points
 * beyond U+10FFFF, stray or missing continuation bytes), in values and in field names;</li>
 * <li>a body in UTF-16 or UTF-32, which Jackson would otherwise detect and read (JSON over HTTP is UTF-8);</li>
 * <li>a <code>&#92;u</code> escape of a high surrogate not followed by one of a low surrogate, or of a low one alone.</li>
 * </ul>
 * Input given as characters is passed on as it is: it was decoded already, by whoever made it.
 */
public final class StrictJsonInput extends InputDecorator {

    public static final StrictJsonInput INSTANCE = new StrictJsonInput();
    private static final long serialVersionUID = 1L;
    /** Characters decoded per step: the decoded text is not kept, only the decoder's verdict. */
    private static final int CHUNK = 8192;

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
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, length);
        CharBuffer out = CharBuffer.allocate(Math.max(1, Math.min(CHUNK, length)));
        while (true) {
            CoderResult result = decoder.decode(in, out, true);
            if (result.isError()) {
                int at = in.position();
                String following = HexFormat.ofDelimiter(" ").withUpperCase().formatHex(bytes, at, Math.min(end, at + 4));
                throw new InvalidJsonTextException("Invalid text " + JsonPaths.locate(bytes, offset, at) + ": it is not UTF-8 from byte "
                        + (at - offset) + " on (" + following + (end > at + 4 ? " ..." : "") + ")");
            }
            if (result.isUnderflow()) {
                break;
            }
            out.clear();
        }
        int lone = loneSurrogate(bytes, offset, end);
        if (lone >= 0) {
            throw new InvalidJsonTextException("Invalid text " + JsonPaths.locate(bytes, offset, lone) + ": "
                    + new String(bytes, lone, 6, StandardCharsets.US_ASCII) + " (at byte " + (lone - offset) + ") is half of a "
                    + "UTF-16 surrogate pair without the other half; a character beyond U+FFFF is escaped as a pair such as \\ud83d\\ude00");
        }
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
