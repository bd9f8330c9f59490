package dev.tribunal.system;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PageTokenTest {

    @Test
    void roundTripsTimeAndId() {
        PageToken token = new PageToken(Instant.parse("2025-11-20T10:15:30.123Z"), "tr-a:b");
        assertEquals(token, PageToken.decode(token.encode()));
    }

    @Test
    void keepsTheMicrosecondsOfSpanTimes() {
        PageToken token = new PageToken(Instant.parse("2025-11-20T10:15:30.123456Z"), "s1");
        assertEquals(token, PageToken.decode(token.encode()));
        PageToken beforeEpoch = new PageToken(Instant.parse("1969-12-31T23:59:59.999001Z"), "s2");
        assertEquals(beforeEpoch, PageToken.decode(beforeEpoch.encode()));
    }

    @Test
    void theFirstPageTokenReadsAsNoToken() {
        assertNull(PageToken.decode(PageToken.FIRST_PAGE));
    }

    @Test
    void foreignTokensAreA400() {
        assertNull(PageToken.decode(null));
        assertThrows(InvalidRequestException.class, () -> PageToken.decode("not-a-token"));
        assertThrows(InvalidRequestException.class, () -> PageToken.decode("MTIz"));
    }

    @Test
    void maxResultsDefaultsAndBounds() {
        assertEquals(100, PageToken.maxResults(null));
        assertEquals(1000, PageToken.maxResults(1000));
        assertThrows(InvalidRequestException.class, () -> PageToken.maxResults(0));
        assertThrows(InvalidRequestException.class, () -> PageToken.maxResults(1001));
    }
}
