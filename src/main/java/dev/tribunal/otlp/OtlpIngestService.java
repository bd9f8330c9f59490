package dev.tribunal.otlp;

import dev.tribunal.trace.SpanRows;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

/** Stores an export's spans in their traces ({@link SpanRows}) and counts what became of them. */
@ApplicationScoped
class OtlpIngestService {

    /** What one export changed. */
    record Stored(int spans, int duplicates) {
    }

    private final SpanRows rows;
    private final Counter storedSpans;
    private final Counter duplicateSpans;
    private final Counter refusedSpans;

    OtlpIngestService(SpanRows rows, MeterRegistry metrics) {
        this.rows = rows;
        this.storedSpans = Counter.builder("tribunal.otlp.spans").tag("outcome", "stored")
                .description("OTLP spans received, by what became of them").register(metrics);
        this.duplicateSpans = Counter.builder("tribunal.otlp.spans").tag("outcome", "duplicate")
                .description("OTLP spans received, by what became of them").register(metrics);
        this.refusedSpans = Counter.builder("tribunal.otlp.spans").tag("outcome", "refused")
                .description("OTLP spans received, by what became of them").register(metrics);
    }

    /** Counts spans an export held that could not be stored (no valid ids, unreadable content). */
    void countRefused(int spans) {
        refusedSpans.increment(spans);
    }

    Uni<Stored> store(OtlpBatch batch) {
        return rows.store(batch.traces(), batch.spans())
                .map(stored -> new Stored(stored, batch.spans().size() - stored))
                .invoke(stored -> {
                    storedSpans.increment(stored.spans());
                    duplicateSpans.increment(stored.duplicates());
                });
    }
}
