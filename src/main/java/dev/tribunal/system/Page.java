package dev.tribunal.system;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a listing, the token of the next page (null on the last page) and the bytes its rows add to the answer
 * (as measured from their stored sizes, see {@link SizedRow}).
 */
public record Page<T>(List<T> items, String nextPageToken, long bytes) {

    /** What an answer spends on a row besides its stored columns: field names, timestamps, numbers, punctuation. */
    public static final long ROW_OVERHEAD = 512;

    /**
     * Builds a page from a query that fetched one row more than asked: that extra row only tells
     * that a next page exists. For rows of a small, fixed size.
     */
    public static <T> Page<T> of(List<T> fetched, int maxResults, Function<T, PageToken> key) {
        if (fetched.size() <= maxResults) {
            return new Page<>(fetched, null, 0);
        }
        List<T> items = fetched.subList(0, maxResults);
        return new Page<>(List.copyOf(items), key.apply(items.get(maxResults - 1)).encode(), 0);
    }

    /**
     * Chooses a page among candidates read in order with their sizes (one more than {@code maxResults}, which only
     * tells that a next page exists): rows while they fit in {@code maxBytes}, at most {@code maxResults}. With
     * {@code firstAlways}, the first row is taken anyway, so that paging moves on (a first row larger than
     * {@code maxBytes} is then served alone, with fields left out: {@link LeftOut}); without it, the page may be empty
     * (a list within a larger answer, from its first row: its token is then {@link PageToken#FIRST_PAGE}). Whenever a
     * candidate is left, also when the page ended for its size, the token follows the last row chosen: a page may hold
     * fewer rows than asked, and only a missing token means the end.
     */
    public static Page<SizedRow> fitting(List<SizedRow> candidates, int maxResults, long maxBytes, boolean firstAlways) {
        long used = 0;
        int taken = 0;
        while (taken < candidates.size() && taken < maxResults) {
            long bytes = candidates.get(taken).bytes();
            if ((taken > 0 || !firstAlways) && used + bytes > maxBytes) {
                break;
            }
            used += bytes;
            taken++;
        }
        List<SizedRow> items = List.copyOf(candidates.subList(0, taken));
        String token = taken == candidates.size() ? null : taken == 0 ? PageToken.FIRST_PAGE : items.get(taken - 1).key().encode();
        return new Page<>(items, token, used);
    }

    /** The keys of the rows chosen, in order. */
    public static List<String> ids(Page<SizedRow> page) {
        return page.items().stream().map(row -> row.key().id()).toList();
    }

    /** Whether this page is a single row larger than {@code maxBytes}, which must be served with fields left out. */
    public static boolean oversized(Page<SizedRow> page, long maxBytes) {
        return page.items().size() == 1 && page.bytes() > maxBytes;
    }

    /** The same page (token) with other items: the rows loaded for the sizes chosen, with the bytes they add. */
    public <R> Page<R> with(List<R> rows, long rowBytes) {
        return new Page<>(rows, nextPageToken, rowBytes);
    }

    public <R> Page<R> map(Function<T, R> mapper) {
        return new Page<>(items.stream().map(mapper).toList(), nextPageToken, bytes);
    }
}
