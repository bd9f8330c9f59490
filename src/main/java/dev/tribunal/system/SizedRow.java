package dev.tribunal.system;

/**
 * A row of a listing as its sort key and the bytes it adds to an answer (its stored size plus {@link Page#ROW_OVERHEAD}),
 * read before the row itself so that rows which do not fit are never loaded.
 */
public record SizedRow(PageToken key, long bytes) {
}
