package dev.tribunal.system;

import io.smallrye.mutiny.Uni;

import java.util.List;
import java.util.Map;

/**
 * Reads a page within a byte allowance: the candidates' sizes first, then only the rows that fit, so that memory per
 * request follows the allowance and not the rows stored. A first row larger than the allowance by itself is read
 * with its largest fields left out.
 */
public final class PageReader {

    private PageReader() {
    }

    /** What a page reads once its rows are chosen. */
    public interface Rows<T> {

        /** The rows of these ids, in this order, with the fields named left out (read as null). */
        Uni<List<T>> load(List<String> ids, LeftOut leftOut);

        /** The bytes each large field of one row adds to an answer, in the order the answer shows them. */
        Uni<Map<String, Long>> fieldBytes(String id);
    }

    /**
     * The page of {@code candidates} (read in order with their sizes, one more than {@code maxResults}) that fits in
     * {@code allowance}, loaded: a page of its own, which holds one row at least.
     */
    public static <T> Uni<Page<T>> read(List<SizedRow> candidates, int maxResults, long allowance, Rows<T> rows) {
        return read(candidates, maxResults, allowance, true, rows);
    }

    /**
     * The first page of a list within a larger answer (a trace's spans in the trace, say): the rows that fit whole in
     * what is left of the answer, maybe none; the token then leads to the rest.
     */
    public static <T> Uni<Page<T>> readWhole(List<SizedRow> candidates, int maxResults, long allowance, Rows<T> rows) {
        return read(candidates, maxResults, allowance, false, rows);
    }

    private static <T> Uni<Page<T>> read(List<SizedRow> candidates, int maxResults, long allowance, boolean firstAlways, Rows<T> rows) {
        Page<SizedRow> page = Page.fitting(candidates, maxResults, allowance, firstAlways);
        if (page.items().isEmpty()) {
            return Uni.createFrom().item(page.with(List.of(), 0));
        }
        if (!Page.oversized(page, allowance)) {
            return rows.load(Page.ids(page), LeftOut.nothing(page.bytes()))
                    .map(loaded -> page.with(loaded, page.bytes()));
        }
        String id = page.items().get(0).key().id();
        return rows.fieldBytes(id)
                .map(fields -> LeftOut.toFit(fields, page.bytes(), allowance))
                .chain(leftOut -> rows.load(List.of(id), leftOut)
                        .map(loaded -> page.with(loaded, leftOut.bytesKept())));
    }
}
