package dev.tribunal.system;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The text check of JSON bodies: UTF-8 as strict as the JDK's decoder, and no half surrogate pair in an escape. */
class StrictJsonInputTest {

    /** Where the JDK's strict decoder finds the first malformed sequence; -1 for none. */
    private static int jdk(byte[] bytes) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder();
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1);
        CoderResult result = decoder.decode(in, out, true);
        return result.isError() ? in.position() : -1;
    }

    @Test
    void utf8IsJudgedAsTheJdksDecoderJudgesIt() {
        Random random = new Random(7);
        for (int i = 0; i < 300_000; i++) {
            // mostly bytes of multi-byte sequences, where the rules are, among some ASCII
            byte[] bytes = new byte[1 + random.nextInt(12)];
            for (int j = 0; j < bytes.length; j++) {
                bytes[j] = (byte) (random.nextInt(4) == 0 ? random.nextInt(0x80) : 0x80 + random.nextInt(0x80));
            }
            assertEquals(jdk(bytes), StrictJsonInput.firstMalformed(bytes, 0, bytes.length), HexFormat.of().formatHex(bytes));
        }
    }

    @Test
    void everyCharacterPassesAndEverySurrogateOrOverlongFormIsRefused() {
        StringBuilder all = new StringBuilder();
        for (int codePoint = 0; codePoint <= Character.MAX_CODE_POINT; codePoint++) {
            if (codePoint < Character.MIN_SURROGATE || codePoint > Character.MAX_SURROGATE) {
                all.appendCodePoint(codePoint);
            }
        }
        byte[] bytes = all.toString().getBytes(StandardCharsets.UTF_8);
        assertEquals(-1, StrictJsonInput.firstMalformed(bytes, 0, bytes.length));
        for (int surrogate = Character.MIN_SURROGATE; surrogate <= Character.MAX_SURROGATE; surrogate += 0x7F) {
            byte[] encoded = {(byte) (0xE0 | surrogate >> 12), (byte) (0x80 | surrogate >> 6 & 0x3F), (byte) (0x80 | surrogate & 0x3F)};
            assertEquals(0, StrictJsonInput.firstMalformed(encoded, 0, 3), HexFormat.of().formatHex(encoded));
        }
        for (byte[] overlong : List.of(new byte[] {(byte) 0xC0, (byte) 0xBC}, new byte[] {(byte) 0xC1, (byte) 0xBF},
                new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xBC}, new byte[] {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0xBC},
                new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80})) {
            assertEquals(0, StrictJsonInput.firstMalformed(overlong, 0, overlong.length), HexFormat.of().formatHex(overlong));
        }
        // the ASCII fast path stops where a bad byte is, at any position of a block of eight
        for (int at = 0; at < 20; at++) {
            byte[] text = "abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII);
            text[at] = (byte) 0xC0;
            assertEquals(at, StrictJsonInput.firstMalformed(text, 0, text.length));
            assertEquals(-1, StrictJsonInput.firstMalformed(text, at + 1, text.length));
        }
    }

    private static String refusal(String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        return assertThrows(InvalidJsonTextException.class, () -> StrictJsonInput.check(bytes, 0, bytes.length)).getOriginalMessage();
    }

    private static void accepted(String json) throws Exception {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        StrictJsonInput.check(bytes, 0, bytes.length);
    }

    @Test
    void halfASurrogatePairIsRefusedWhereverItIsAndAPairIsNot() throws Exception {
        assertTrue(refusal("{\"a\": [\"x\", \"\\ud800\"]}").startsWith("Invalid text at 'a[1]': \\ud800 (at byte 13)"));
        assertTrue(refusal("{\"a\": {\"b\": \"\\udc00\"}}").startsWith("Invalid text at 'a.b'"));
        assertTrue(refusal("{\"a\": \"\\ud800\\u0041\"}").startsWith("Invalid text at 'a'"));
        assertTrue(refusal("{\"a\": \"\\ud800\\ud800\\udc00\"}").startsWith("Invalid text at 'a'"));
        assertTrue(refusal("{\"a\": \"\\uDBFF\"}").startsWith("Invalid text at 'a'"));
        assertTrue(refusal("{\"k\\ud800\": 1}").startsWith("Invalid text in a field name of the object at the top level"));
        assertTrue(refusal("\"\\ud800").startsWith("Invalid text at the top level"));
        accepted("{\"a\": \"\\ud83d\\ude00\", \"b\": \"\\\\ud800\", \"c\": \"\\\\\\ud83d\\uDE00\", \"\\uD83D\\uDE00\": 1}");
        // malformed escapes are the parser's to report
        accepted("{\"a\": \"\\u12\", \"b\": \"\\uZZZZ\"}");
    }

    @Test
    void aBodyInUtf16IsRefused() {
        byte[] utf16 = "{\"a\": 1}".getBytes(StandardCharsets.UTF_16LE);
        assertTrue(assertThrows(InvalidJsonTextException.class, () -> StrictJsonInput.check(utf16, 0, utf16.length))
                .getOriginalMessage().contains("not UTF-8"));
    }
}
