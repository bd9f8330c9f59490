package dev.tribunal.trace;

import dev.tribunal.trace.SpanRows.SpanRow;
import dev.tribunal.trace.SpanRows.TraceRow;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Spans written in parts, as OTLP exports bring them: each stored once, and gone with their trace. */
@QuarkusTest
class SpanRowsTest {

    private static final OffsetDateTime START = OffsetDateTime.of(2026, 1, 5, 9, 0, 0, 0, ZoneOffset.UTC);

    @Inject
    SpanRows rows;

    @Inject
    Pool pool;

    private static TraceRow awaitingRoot(String traceId) {
        return new TraceRow(traceId, START, null, "IN_PROGRESS", null, null, "{\"service.name\": \"app\"}",
                "{\"tribunal.ingest\": \"otlp\"}", true, false);
    }

    private static SpanRow span(String traceId, String spanId) {
        return new SpanRow(traceId, spanId, "00f067aa0ba902b7", "step " + spanId, "LLM", START, START.plusSeconds(1), "OK",
                "\"question\"", "{\"answer\": \"yes\", \"tokens\": 3}", "{\"llm.model_name\": \"gpt-4o-mini\"}");
    }

    private long spans(String traceId) {
        return pool.preparedQuery("select count(*) from span where trace_id = $1").execute(Tuple.of(traceId))
                .await().indefinitely().iterator().next().getLong(0);
    }

    @Test
    void aSpanSentAgainIsStoredOnceAlsoAlongsideNewOnes() {
        String traceId = "tr-" + UUID.randomUUID().toString().replace("-", "");
        List<TraceRow> trace = List.of(awaitingRoot(traceId));

        assertEquals(2, rows.store(trace, List.of(span(traceId, "a1"), span(traceId, "a2"))).await().indefinitely());
        assertEquals(0, rows.store(trace, List.of(span(traceId, "a1"), span(traceId, "a2"))).await().indefinitely(),
                "the same export again stores nothing");
        assertEquals(1, rows.store(trace, List.of(span(traceId, "a2"), span(traceId, "a3"))).await().indefinitely(),
                "of a stored span and a new one, the new one is stored");
        assertEquals(3, spans(traceId));
    }

    @Test
    void deletingTracesDeletesTheirSpans() {
        String kept = "tr-" + UUID.randomUUID().toString().replace("-", "");
        String deleted = "tr-" + UUID.randomUUID().toString().replace("-", "");
        rows.store(List.of(awaitingRoot(kept)), List.of(span(kept, "b1"))).await().indefinitely();
        rows.store(List.of(awaitingRoot(deleted)), List.of(span(deleted, "c1"), span(deleted, "c2"))).await().indefinitely();

        pool.preparedQuery("delete from trace where trace_id = $1").execute(Tuple.of(deleted)).await().indefinitely();

        assertEquals(0, spans(deleted));
        assertEquals(1, spans(kept));
    }
}
