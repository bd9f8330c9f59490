package dev.tribunal.system;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** What one answer of the JSON API may hold. */
@ConfigMapping(prefix = "tribunal.api")
public interface ApiConfig {

    /**
     * The most bytes of rows one answer holds (lists, a trace with its spans and assessments, meta-evaluation rows).
     * An answer is built in memory, a few times its size: without a bound, a page of 1,000 traces of 10 MB each would
     * take gigabytes, and a few such requests at once the whole heap. A page ends before the row that would cross the
     * bound (but holds one row at least, so that paging moves on) and then carries {@code next_page_token}; a row
     * larger than the bound by itself comes with its largest fields left out, named in its {@code truncated}. The
     * sizes are stored with the rows, so rows that do not fit are never read. 4M holds a page of a hundred ordinary
     * traces or a thousand assessments, and still traces with megabytes of context, while ten answers at once take
     * well under 200 MB of heap.
     */
    @WithDefault("4M")
    MemorySize maxAnswerBytes();
}
