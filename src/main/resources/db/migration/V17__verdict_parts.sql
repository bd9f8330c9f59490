-- A run may ask for more (or fewer) samples per judgment than its judges' own.
ALTER TABLE judge_run ADD COLUMN samples INTEGER;
ALTER TABLE judge_run ADD CONSTRAINT judge_run_samples_ck CHECK (samples IS NULL OR samples BETWEEN 1 AND 15);

-- A task's result may be several assessments: a jury's verdict (part 0) and each member's (parts 1..n), written
-- together, once per attempt.
ALTER TABLE assessment ADD COLUMN task_part SMALLINT NOT NULL DEFAULT 0;
DROP INDEX assessment_task_attempt_uk;
CREATE UNIQUE INDEX assessment_task_attempt_uk ON assessment (task_id, task_attempt, task_part) WHERE task_id IS NOT NULL;
