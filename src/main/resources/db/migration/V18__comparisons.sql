-- A pairwise judge's task compares its trace (the candidate) with a baseline trace.
ALTER TABLE judge_task ADD COLUMN baseline_trace_id VARCHAR(64);

-- A comparison is a run of a pairwise judge over pairs of traces; it shares the run's id.
CREATE TABLE comparison (
    comparison_id       VARCHAR(64)  PRIMARY KEY REFERENCES judge_run (run_id) ON DELETE CASCADE,
    judge               VARCHAR(64)  NOT NULL,
    judge_version       VARCHAR(64)  NOT NULL,
    models              JSONB        NOT NULL,
    request             JSONB        NOT NULL,
    pairs               INTEGER      NOT NULL CHECK (pairs >= 0),
    unmatched_candidates JSONB       NOT NULL DEFAULT '[]'::jsonb,
    unmatched_baselines JSONB        NOT NULL DEFAULT '[]'::jsonb,
    unmatched_candidate_count INTEGER NOT NULL DEFAULT 0,
    unmatched_baseline_count  INTEGER NOT NULL DEFAULT 0,
    created_by          VARCHAR(200),
    created_at          TIMESTAMPTZ  NOT NULL
);
CREATE INDEX comparison_created_idx ON comparison (created_at DESC, comparison_id DESC);

-- Runs are started over the API, by sweeps, or by comparisons.
ALTER TABLE judge_run DROP CONSTRAINT judge_run_trigger_check;
ALTER TABLE judge_run ADD CONSTRAINT judge_run_trigger_check CHECK (trigger IN ('API', 'SWEEP', 'COMPARISON'));
