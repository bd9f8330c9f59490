package dev.tribunal.trace;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import java.io.Serializable;
import java.time.Instant;

/** One step of a trace (an LLM call, a retrieval, a tool call...), named by its trace and span id. */
@Entity
@Table(name = "span")
@IdClass(Span.Key.class)
public class Span {

    /** A span's primary key. */
    public record Key(String traceId, String spanId) implements Serializable {
    }

    @Id
    @Column(name = "trace_id", nullable = false)
    public String traceId;

    @Id
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

    /** JSON text, kept as written. */
    public String inputs;

    /** JSON text, kept as written. */
    public String outputs;

    /** JSON text of an object, kept as written. */
    @Column(nullable = false)
    public String attributes;
}
