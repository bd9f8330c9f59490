package dev.tribunal.run;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** One judgment to make: a judge (at a version) with a model on a trace. */
@Entity
@Table(name = "judge_task")
public class JudgeTask {

    /** PENDING until a worker claims it, RUNNING while judged, DONE once its assessment is written. */
    public enum Status {
        PENDING, RUNNING, DONE
    }

    @Id
    @Column(name = "task_id")
    public UUID taskId;

    @Column(name = "run_id", nullable = false)
    public String runId;

    @Column(name = "trace_id", nullable = false)
    public String traceId;

    @Column(name = "judge_name", nullable = false)
    public String judgeName;

    @Column(name = "judge_version", nullable = false)
    public String judgeVersion;

    @Column(name = "model_id", nullable = false)
    public String modelId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public Status status;

    @Column(name = "error_code")
    public String errorCode;

    public int attempts;

    @Column(name = "latency_ms")
    public Long latencyMs;

    @Column(name = "prompt_tokens")
    public Integer promptTokens;

    @Column(name = "completion_tokens")
    public Integer completionTokens;

    public Double cost;

    @Column(name = "lease_until")
    public Instant leaseUntil;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "finished_at")
    public Instant finishedAt;
}
