package dev.tribunal.run;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.ColumnTransformer;

import java.time.Instant;

/** A batch of judgments requested together: judges × models × traces. */
@Entity
@Table(name = "judge_run")
public class JudgeRun {

    @Id
    @Column(name = "run_id")
    public String runId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public RunStatus status;

    /** JSON array of judge names. */
    @Column(nullable = false)
    @ColumnTransformer(read = "judges::text", write = "cast(cast(? as text) as jsonb)")
    public String judges;

    /** JSON array of model ids, or null for each judge's own model. */
    @ColumnTransformer(read = "models::text", write = "cast(cast(? as text) as jsonb)")
    public String models;

    @Column(nullable = false)
    public int total;

    /** Tasks done, with or without an error; kept up to date by the result writer. */
    @Column(nullable = false)
    public int completed;

    @Column(nullable = false)
    public int errored;

    /** Tasks answered wholly from the judgment cache, no call sent; kept up to date by the result writer. */
    @Column(nullable = false)
    public int cached;

    /** Tasks never started because the run was cancelled. */
    @Column(nullable = false)
    public int cancelled;

    /** JSON object of error code to count. */
    @Column(name = "errors_by_code", nullable = false)
    @ColumnTransformer(read = "errors_by_code::text", write = "cast(cast(? as text) as jsonb)")
    public String errorsByCode = "{}";

    /** API or SWEEP. */
    @Column(nullable = false)
    public String trigger = "API";

    /** Who started the run: a key's or user's name, or {@code sweep:<name>}; null for runs older than this column. */
    @Column(name = "created_by")
    public String createdBy;

    /** The sweep whose tick created the run, for SWEEP runs. */
    public String sweep;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "started_at")
    public Instant startedAt;

    @Column(name = "finished_at")
    public Instant finishedAt;

    /** When its errored judgments were last sent to be judged again; null when never. */
    @Column(name = "resumed_at")
    public Instant resumedAt;

    /** How many of its judgments were done when it was resumed. */
    @Column(name = "completed_before_resume", nullable = false)
    public int completedBeforeResume;

    /** What the run's judgments have cost so far, retried errors included; null while none had a price. */
    public Double cost;

    /** Samples per judgment the run asked for; null: each judge's own. */
    public Integer samples;

    /** {@link RunMode}: ONLINE, or BATCH for judgments sent through the providers' Batch API. */
    @Column(nullable = false)
    public String mode = RunMode.ONLINE.name();
}
