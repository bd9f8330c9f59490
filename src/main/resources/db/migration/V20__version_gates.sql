-- A gated judge's versions are validated against people's labels before runs and sweeps use them: each version's gate
-- status (pending, passed, failed; null for a version without a gate), why, its figures, the run that judged the
-- reference's traces, and a confirmed cost when the estimate was over the gate's max_cost.
ALTER TABLE judge_version ADD COLUMN gate_status VARCHAR(16);
ALTER TABLE judge_version ADD COLUMN gate_reason TEXT;
ALTER TABLE judge_version ADD COLUMN gate_figures JSONB;
ALTER TABLE judge_version ADD COLUMN gate_run_id VARCHAR(64);
ALTER TABLE judge_version ADD COLUMN gate_estimate DOUBLE PRECISION;
ALTER TABLE judge_version ADD COLUMN gate_confirmed_cost DOUBLE PRECISION;
ALTER TABLE judge_version ADD COLUMN gate_requested BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE judge_version ADD COLUMN gate_checked_at TIMESTAMPTZ;
ALTER TABLE judge_version ADD COLUMN gate_decided_at TIMESTAMPTZ;
CREATE INDEX judge_version_pending ON judge_version (first_seen_at) WHERE gate_status = 'pending';

-- A sweep's challengers: their tasks are marked, their assessments carry tribunal.role: challenger.
ALTER TABLE judge_task ADD COLUMN challenger BOOLEAN NOT NULL DEFAULT FALSE;

-- A gate's validation is a run of its own.
ALTER TABLE judge_run DROP CONSTRAINT judge_run_trigger_check;
ALTER TABLE judge_run ADD CONSTRAINT judge_run_trigger_check CHECK (trigger IN ('API', 'SWEEP', 'COMPARISON', 'VALIDATION'));
