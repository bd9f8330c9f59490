-- Who holds a claimed task and how often it was claimed: a task whose holder died is claimed again
-- once its lease has expired, and only its holder renews or releases it.
ALTER TABLE judge_task ADD COLUMN claimed_by VARCHAR(100);
ALTER TABLE judge_task ADD COLUMN claims     INTEGER NOT NULL DEFAULT 0;
-- expired leases are found by time, oldest first
CREATE INDEX judge_task_lease_idx ON judge_task (lease_until) WHERE status = 'RUNNING';
