package dev.tribunal.system;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** How a page is chosen from its candidates' sizes, and what a row too large by itself leaves out. */
class PageTest {

    private static List<SizedRow> rows(long... bytes) {
        return IntStream.range(0, bytes.length)
                .mapToObj(i -> new SizedRow(new PageToken(Instant.ofEpochMilli(1000 - i), "r" + i), bytes[i]))
                .toList();
    }

    @Test
    void aPageEndsBeforeTheRowThatWouldCrossTheBoundAndSaysSo() {
        Page<SizedRow> page = Page.fitting(rows(400, 400, 400, 10), 100, 1000, true);
        assertEquals(List.of("r0", "r1"), Page.ids(page));
        assertEquals(800, page.bytes());
        assertEquals(new PageToken(Instant.ofEpochMilli(999), "r1"), PageToken.decode(page.nextPageToken()));
    }

    @Test
    void maxResultsStillLimitsAndTheExtraCandidateOnlyTellsThatMoreFollow() {
        Page<SizedRow> page = Page.fitting(rows(1, 1, 1), 2, 1000, true);
        assertEquals(List.of("r0", "r1"), Page.ids(page));
        assertEquals("r1", PageToken.decode(page.nextPageToken()).id());
        Page<SizedRow> last = Page.fitting(rows(1, 1), 2, 1000, true);
        assertNull(last.nextPageToken());
    }

    @Test
    void aPageHoldsItsFirstRowEvenWhenItIsLargerThanTheBound() {
        Page<SizedRow> page = Page.fitting(rows(5000, 10), 100, 1000, true);
        assertEquals(List.of("r0"), Page.ids(page));
        assertEquals(true, Page.oversized(page, 1000));
        assertEquals("r0", PageToken.decode(page.nextPageToken()).id());
    }

    @Test
    void aListWithinALargerAnswerMayHoldNothingAndThenStartsOver() {
        Page<SizedRow> page = Page.fitting(rows(5000, 10), 100, 1000, false);
        assertEquals(List.of(), page.items());
        assertEquals(PageToken.FIRST_PAGE, page.nextPageToken());
        assertNull(Page.fitting(List.of(), 100, 1000, false).nextPageToken());
    }

    @Test
    void aRowTooLargeLeavesOutItsLargestFieldsUntilItFits() {
        Map<String, Long> fields = new LinkedHashMap<>();
        fields.put("inputs", 3000L);
        fields.put("outputs", 2500L);
        fields.put("tags", 100L);
        LeftOut cut = LeftOut.toFit(fields, 6100, 3500);
        assertEquals(List.of("inputs"), cut.fields());
        assertEquals(3100, cut.bytesKept());
        assertEquals(List.of("inputs", "outputs"), LeftOut.toFit(fields, 6100, 1000).fields());
        assertEquals(List.of("inputs", "outputs", "tags"), LeftOut.toFit(fields, 6100, 10).truncated());
        assertNull(LeftOut.nothing(10).truncated());
    }
}
