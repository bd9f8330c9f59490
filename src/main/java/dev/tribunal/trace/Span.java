package dev.tribunal.trace;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.ColumnTransformer;

import java.time.Instant;
import java.util.UUID;

/** One step of a trace (an LLM call, a retrieval, a tool call...). */
@Entity
@Table(name = "span")
public class Span {

    @Id
    public UUID id;

    @Column(name = "trace_id", nullable = false)
    public String traceId;

    @Column(name = "span_id", nullable = false)
    public String spanId;

    @Column(name = "parent_span_id")
    public String parentSpanId;

    @Column(nullable = false)
    public String name;

    /** LLM, RETRIEVER, TOOL, CHAIN, AGENT, ... or UNKNOWN. */
    @Column(name = "span_type", nullable = false)
    public String spanType;

    @Column(name = "start_time")
    public Instant startTime;

    @Column(name = "end_time")
    public Instant endTime;

    /** OK, ERROR or UNSET. */
    @Column(nullable = false)
    public String status;

    /** JSON text. */
    @ColumnTransformer(read = "inputs::text", write = "cast(cast(? as text) as jsonb)")
    public String inputs;

    /** JSON text. */
    @ColumnTransformer(read = "outputs::text", write = "cast(cast(? as text) as jsonb)")
    public String outputs;

    /** JSON text of an object. */
    @Column(nullable = false)
    @ColumnTransformer(read = "attributes::text", write = "cast(cast(? as text) as jsonb)")
    public String attributes;
}
