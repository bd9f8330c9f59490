-- How a run's judgments are sent: ONLINE (one call each, claimed by the workers) or BATCH (through the providers'
-- Batch API; the workers leave its tasks to the batch submitter).
ALTER TABLE judge_run ADD COLUMN mode VARCHAR(8) NOT NULL DEFAULT 'ONLINE' CHECK (mode IN ('ONLINE', 'BATCH'));
-- the batch submitter looks for open batch-mode runs every second
CREATE INDEX judge_run_open_batch_idx ON judge_run (created_at) WHERE mode = 'BATCH' AND status IN ('QUEUED', 'RUNNING');

-- A batch of one run's judgments on one model, sent to its provider's Batch API. Everything needed to carry it on
-- after a restart is here: the provider's ids of the batch and its files, and the next time it is polled. A process
-- works on a batch only while it holds its lease (lease_until), taken with FOR UPDATE SKIP LOCKED like the tasks'.
-- status: PREPARING (its file being written and sent), then the provider's own status (validating, in_progress,
-- finalizing, completed, failed, expired, cancelling, cancelled), or ABANDONED (preparing failed; its judgments went
-- back to pending). settled: its answers were written and its unanswered judgments re-queued or ended.
CREATE TABLE provider_batch (
    batch_id          UUID          PRIMARY KEY,
    run_id            VARCHAR(32)   NOT NULL REFERENCES judge_run (run_id) ON DELETE CASCADE,
    model_id          TEXT          NOT NULL,
    status            VARCHAR(16)   NOT NULL,
    settled           BOOLEAN       NOT NULL DEFAULT FALSE,
    provider_batch_id TEXT,
    input_file_id     TEXT,
    output_file_id    TEXT,
    error_file_id     TEXT,
    requests          INTEGER       NOT NULL DEFAULT 0,
    completed         INTEGER       NOT NULL DEFAULT 0,
    failed            INTEGER       NOT NULL DEFAULT 0,
    holder            TEXT,
    lease_until       TIMESTAMPTZ,
    next_poll_at      TIMESTAMPTZ   NOT NULL,
    poll_delay_ms     BIGINT        NOT NULL,
    created_at        TIMESTAMPTZ   NOT NULL,
    finished_at       TIMESTAMPTZ
);
CREATE INDEX provider_batch_open_idx ON provider_batch (next_poll_at) WHERE NOT settled;
CREATE INDEX provider_batch_run_idx ON provider_batch (run_id, created_at);

-- The judgments (a task at an attempt) a batch holds; each of their calls is the line with custom_id
-- <task_id>:<attempt>:<sample>. A judgment sent in several batches (after one expired or failed) has a row in each.
CREATE TABLE batch_request (
    batch_id  UUID     NOT NULL REFERENCES provider_batch (batch_id) ON DELETE CASCADE,
    task_id   UUID     NOT NULL,
    attempt   INTEGER  NOT NULL,
    PRIMARY KEY (batch_id, task_id)
);
CREATE INDEX batch_request_task_idx ON batch_request (task_id, attempt);
