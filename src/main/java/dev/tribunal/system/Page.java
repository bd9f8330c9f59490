package dev.tribunal.system;

import java.util.List;
import java.util.function.Function;

/** One page of a listing and the token of the next page (null on the last page). */
public record Page<T>(List<T> items, String nextPageToken) {

    /**
     * Builds a page from a query that fetched one row more than asked: that extra row only tells
     * that a next page exists.
     */
    public static <T> Page<T> of(List<T> fetched, int maxResults, Function<T, PageToken> key) {
        if (fetched.size() <= maxResults) {
            return new Page<>(fetched, null);
        }
        List<T> items = fetched.subList(0, maxResults);
        return new Page<>(List.copyOf(items), key.apply(items.get(maxResults - 1)).encode());
    }

    public <R> Page<R> map(Function<T, R> mapper) {
        return new Page<>(items.stream().map(mapper).toList(), nextPageToken);
    }
}
