-- Judge runs and their tasks: one task per (run, trace, judge, model), each ending in exactly one assessment.

CREATE TABLE judge_run (
    run_id      VARCHAR(32)  PRIMARY KEY,
    status      VARCHAR(16)  NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'COMPLETED', 'CANCELLED')),
    judges      JSONB        NOT NULL,
    models      JSONB,
    total       INTEGER      NOT NULL CHECK (total > 0),
    created_at  TIMESTAMPTZ  NOT NULL,
    started_at  TIMESTAMPTZ,
    finished_at TIMESTAMPTZ
);
CREATE INDEX judge_run_created_idx ON judge_run (created_at DESC, run_id DESC);

CREATE TABLE judge_task (
    task_id           UUID         PRIMARY KEY,
    run_id            VARCHAR(32)  NOT NULL REFERENCES judge_run (run_id) ON DELETE CASCADE,
    trace_id          VARCHAR(64)  NOT NULL REFERENCES trace (trace_id) ON DELETE CASCADE,
    judge_name        VARCHAR(64)  NOT NULL,
    judge_version     VARCHAR(16)  NOT NULL,
    -- the model id (<provider>:/<model>) of an LLM judge; the judge's name for a code judge
    model_id          VARCHAR(250) NOT NULL,
    status            VARCHAR(16)  NOT NULL CHECK (status IN ('PENDING', 'RUNNING', 'DONE')),
    error_code        VARCHAR(64),
    attempts          INTEGER      NOT NULL DEFAULT 0,
    latency_ms        BIGINT,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    cost              DOUBLE PRECISION,
    lease_until       TIMESTAMPTZ,
    created_at        TIMESTAMPTZ  NOT NULL,
    finished_at       TIMESTAMPTZ,
    CONSTRAINT judge_task_once_uk UNIQUE (run_id, trace_id, judge_name, model_id)
);
CREATE INDEX judge_task_pending_idx ON judge_task (created_at, task_id) WHERE status = 'PENDING';
CREATE INDEX judge_task_run_idx ON judge_task (run_id, status);

-- the assessment a task produced: at most one per task, so exactly one per (run, trace, judge, model)
ALTER TABLE assessment ADD COLUMN task_id UUID REFERENCES judge_task (task_id) ON DELETE SET NULL;
CREATE UNIQUE INDEX assessment_task_uk ON assessment (task_id) WHERE task_id IS NOT NULL;
