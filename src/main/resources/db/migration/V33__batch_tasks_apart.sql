-- The tasks of batch-mode runs apart from the online ones in the pending indexes. The workers' claim read the pending
-- index oldest first and passed over the tasks of batch runs one by one (each looked up in its run): a batch run of
-- 300,000 judgments waiting for its batches made every claim of every process, once a second, read all of them. Now
-- the workers' index holds online tasks only, and the batch submitter finds a run's waiting tasks in an index of its own.
-- A task's mode is its run's, fixed when the run is made.
ALTER TABLE judge_task ADD COLUMN batch BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE judge_task t SET batch = TRUE FROM judge_run r WHERE r.run_id = t.run_id AND r.mode = 'BATCH';
DROP INDEX judge_task_pending_idx;
CREATE INDEX judge_task_pending_idx ON judge_task (created_at, task_id) WHERE status = 'PENDING' AND NOT batch;
CREATE INDEX judge_task_batch_pending_idx ON judge_task (run_id, created_at, task_id) WHERE status = 'PENDING' AND batch;
