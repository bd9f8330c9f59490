-- Run control: a cancelled run's pending tasks are CANCELLED; a retried task is judged again as a new
-- attempt, its new assessment overriding the error it replaces (MLflow's overrides), history kept.
ALTER TABLE judge_task DROP CONSTRAINT judge_task_status_check;
ALTER TABLE judge_task ADD CONSTRAINT judge_task_status_check CHECK (status IN ('PENDING', 'RUNNING', 'DONE', 'CANCELLED'));
ALTER TABLE judge_task ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1);
-- the assessment the next attempt's result overrides
ALTER TABLE judge_task ADD COLUMN overrides VARCHAR(34);
ALTER TABLE judge_run ADD COLUMN cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled >= 0);

-- one assessment per task and attempt
ALTER TABLE assessment ADD COLUMN task_attempt INTEGER;
UPDATE assessment SET task_attempt = 1 WHERE task_id IS NOT NULL;
DROP INDEX assessment_task_uk;
CREATE UNIQUE INDEX assessment_task_attempt_uk ON assessment (task_id, task_attempt) WHERE task_id IS NOT NULL;
ALTER TABLE assessment ADD CONSTRAINT assessment_task_attempt_ck CHECK (task_id IS NULL OR task_attempt IS NOT NULL);
-- errored tasks of a run, for retries
CREATE INDEX judge_task_errored_idx ON judge_task (run_id) WHERE status = 'DONE' AND error_code IS NOT NULL;
