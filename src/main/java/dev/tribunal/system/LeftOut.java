package dev.tribunal.system;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The large fields left out of a row that is larger than its answer may hold by itself, named in the row's
 * {@code truncated} so that a client never takes a missing value for an empty one, and the bytes the row keeps.
 */
public record LeftOut(List<String> fields, long bytesKept) {

    public LeftOut {
        fields = List.copyOf(fields);
    }

    /** Nothing left out of a row of this size. */
    public static LeftOut nothing(long rowBytes) {
        return new LeftOut(List.of(), rowBytes);
    }

    /**
     * The fields to leave out so that the row fits in {@code allowance}: the largest first, until the rest fits (or
     * none is left). {@code fieldBytes} holds the row's large fields in the order the answer shows them; the names come
     * back in that order.
     */
    public static LeftOut toFit(Map<String, Long> fieldBytes, long rowBytes, long allowance) {
        List<String> largestFirst = new ArrayList<>(fieldBytes.keySet());
        largestFirst.sort(Comparator.comparing((String field) -> fieldBytes.get(field)).reversed());
        List<String> left = new ArrayList<>();
        long kept = rowBytes;
        for (String field : largestFirst) {
            if (kept <= allowance || fieldBytes.get(field) == 0) {
                break;
            }
            left.add(field);
            kept -= fieldBytes.get(field);
        }
        return new LeftOut(fieldBytes.keySet().stream().filter(left::contains).toList(), kept);
    }

    public boolean has(String field) {
        return fields.contains(field);
    }

    /** The fields for the answer's {@code truncated}: null (absent) when nothing was left out. */
    public List<String> truncated() {
        return fields.isEmpty() ? null : fields;
    }
}
