package dev.tribunal.trace;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.ColumnTransformer;

import java.time.Instant;

/** One request of an LLM application: what went in, what came out, and how it went. */
@Entity
@Table(name = "trace")
public class Trace {

    @Id
    @Column(name = "trace_id")
    public String traceId;

    @Column(name = "request_time", nullable = false)
    public Instant requestTime;

    @Column(name = "execution_duration_ms")
    public Long executionDurationMs;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public TraceState state;

    /** JSON text. */
    @ColumnTransformer(read = "inputs::text", write = "cast(cast(? as text) as jsonb)")
    public String inputs;

    /** JSON text. */
    @ColumnTransformer(read = "outputs::text", write = "cast(cast(? as text) as jsonb)")
    public String outputs;

    /** JSON text of a string-to-string map. */
    @Column(nullable = false)
    @ColumnTransformer(read = "tags::text", write = "cast(cast(? as text) as jsonb)")
    public String tags;

    /** JSON text of a string-to-string map. */
    @Column(nullable = false)
    @ColumnTransformer(read = "metadata::text", write = "cast(cast(? as text) as jsonb)")
    public String metadata;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
