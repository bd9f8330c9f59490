-- A run's progress kept on the run itself, updated with each batch of results, so that reading it
-- costs the same for ten tasks as for a million.
ALTER TABLE judge_run ADD COLUMN completed      INTEGER NOT NULL DEFAULT 0 CHECK (completed >= 0);
ALTER TABLE judge_run ADD COLUMN errored        INTEGER NOT NULL DEFAULT 0 CHECK (errored >= 0);
ALTER TABLE judge_run ADD COLUMN errors_by_code JSONB   NOT NULL DEFAULT '{}'::jsonb;

-- runs written before these columns existed: count what is there
UPDATE judge_run r SET
    completed = (SELECT count(*) FROM judge_task t WHERE t.run_id = r.run_id AND t.status = 'DONE'),
    errored = (SELECT count(*) FROM judge_task t WHERE t.run_id = r.run_id AND t.status = 'DONE' AND t.error_code IS NOT NULL),
    errors_by_code = COALESCE((SELECT jsonb_object_agg(error_code, n) FROM (
        SELECT error_code, count(*) AS n FROM judge_task t
        WHERE t.run_id = r.run_id AND t.status = 'DONE' AND t.error_code IS NOT NULL GROUP BY error_code) c), '{}'::jsonb);
