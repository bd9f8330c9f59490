-- Scheduled sweeps: one row per sweep, locked by whichever process runs its tick (so ticks never
-- overlap, across replicas too), and a checkpoint per (sweep, judge) so each trace is judged once per
-- sweep and judge version.
CREATE TABLE sweep (
    name             VARCHAR(64)  PRIMARY KEY,
    schedule         VARCHAR(200) NOT NULL,
    next_tick_at     TIMESTAMPTZ  NOT NULL,
    last_tick_at     TIMESTAMPTZ,
    last_run_id      VARCHAR(32),
    last_tick_traces INTEGER,
    ticks            BIGINT       NOT NULL DEFAULT 0,
    traces_judged    BIGINT       NOT NULL DEFAULT 0
);

CREATE TABLE sweep_checkpoint (
    sweep         VARCHAR(64) NOT NULL REFERENCES sweep (name) ON DELETE CASCADE,
    judge_name    VARCHAR(64) NOT NULL,
    judge_version VARCHAR(16) NOT NULL,
    -- every trace up to (after_time, after_trace) has been looked at; after_trace null: all of after_time
    after_time    TIMESTAMPTZ NOT NULL,
    after_trace   VARCHAR(64),
    PRIMARY KEY (sweep, judge_name)
);

-- traces in arrival order, for sweeps
CREATE INDEX trace_created_idx ON trace (created_at, trace_id);

ALTER TABLE judge_run ADD COLUMN trigger VARCHAR(16) NOT NULL DEFAULT 'API' CHECK (trigger IN ('API', 'SWEEP'));
ALTER TABLE judge_run ADD COLUMN sweep VARCHAR(64);
CREATE INDEX judge_run_sweep_idx ON judge_run (sweep) WHERE sweep IS NOT NULL;
