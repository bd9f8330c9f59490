-- A run whose errored judgments are judged again measures its rate and time left from then on: when it was reopened
-- and how many of its judgments were done at that moment.
ALTER TABLE judge_run ADD COLUMN resumed_at TIMESTAMPTZ, ADD COLUMN completed_before_resume INTEGER NOT NULL DEFAULT 0;
