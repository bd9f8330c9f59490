package dev.tribunal.llm;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.system.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every form of a provider key that a provider may echo is taken out; ordinary text is left as it is. */
class SecretRedactorTest {

    private static final String KEY = "sk-proj-Qw3rTy7uIo9pAs2dFg4hJk6lZx8cVb1nM0";
    private static final String SHORT_KEY = FakeProviders.SECRET_KEY;
    private final SecretRedactor redactor = new SecretRedactor(List.of(KEY, SHORT_KEY, "none", ""));

    /** No 12 characters in a row of any form of the key (case aside) are left, nor its masked form. */
    private static void assertNoTrace(String key, String redacted) {
        String lower = redacted.toLowerCase();
        for (String form : FakeOpenAiServer.echoes(key)) {
            String f = form.toLowerCase();
            for (int i = 0; i + 12 <= f.length(); i++) {
                assertFalse(lower.contains(f.substring(i, i + 12)), "'" + f.substring(i, i + 12) + "' of '" + form + "' is left in: " + redacted);
            }
        }
        assertFalse(lower.contains(key.substring(key.length() - 4).toLowerCase()), "the masked form's tail is left in: " + redacted);
    }

    @Test
    void everyEchoedFormIsTakenOut() {
        for (String key : List.of(KEY, SHORT_KEY)) {
            for (String form : FakeOpenAiServer.echoes(key)) {
                String text = "The gateway said: " + form + ", then stopped.";
                String redacted = redactor.redact(text);
                assertNoTrace(key, redacted);
                assertTrue(redacted.startsWith("The gateway said: ") && redacted.endsWith(", then stopped."), redacted);
                assertTrue(redacted.contains(SecretRedactor.MASK), redacted);
            }
            String all = String.join("\n", FakeOpenAiServer.echoes(key));
            assertNoTrace(key, redactor.redact(all));
        }
    }

    @Test
    void encodingsInsideLargerEncodedTextAreTakenOut() {
        for (String around : List.of("Basic ", "Authorization: Bearer ", "{\"user\":\"me\",\"key\":\"", "x")) {
            String encoded = Base64.getEncoder().encodeToString((around + KEY + "\"}").getBytes(StandardCharsets.UTF_8));
            assertNoTrace(KEY, redactor.redact("header " + encoded));
        }
        assertNoTrace(KEY, redactor.redact("Incorrect API key provided: sk-proj-********************************8cVb1nM0. You can find"));
        assertNoTrace(KEY, redactor.redact("key sk-pro…1nM0 " + "SK-PROJ-QW3RTY7U" + " " + KEY.substring(10, 22)));
        assertEquals("key [api key] in JSON", redactor.redact("key " + KEY + " in JSON"));
        assertEquals("keys [api key], [api key]", redactor.redact("keys sk-...1nM0, sk-proj…"));
    }

    @Test
    void ordinaryTextIsLeftAsItIs() {
        String text = "The answer names Paris... and the population (2.1 million) is right. None of the facts is wrong; "
                + "sk-... is how keys start, proj is short for project, *** marks a footnote.";
        assertSame(text, redactor.redact(text));
        // eleven characters of a key in a row are no evidence of it: text may hold as much by chance
        String eleven = "prefix " + KEY.substring(8, 19) + " suffix";
        assertEquals(eleven, redactor.redact(eleven));
        assertEquals(null, redactor.redact((String) null));
        assertSame(text, new SecretRedactor(List.of()).redact(text));
    }

    @Test
    void jsonValuesAndMetadataAreRedactedThrough() {
        JsonNode value = Json.read("{\"label\": \"" + KEY + "\", \"n\": 3, \"list\": [\"" + KEY.toUpperCase() + "\", true]}");
        JsonNode redacted = redactor.redact(value);
        assertEquals("[api key]", redacted.get("label").asText());
        assertEquals(3, redacted.get("n").asInt());
        assertEquals("[api key]", redacted.get("list").get(0).asText());
        assertEquals(Map.of("seen", "[api key]"), redactor.redact(Map.of("seen", KEY)));
        JsonNode plain = Json.read("\"yes\"");
        assertSame(plain, redactor.redact(plain));
    }
}
