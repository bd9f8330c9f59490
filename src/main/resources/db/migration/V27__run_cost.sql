-- What a run has spent so far, kept on the run like its counts: summed with each batch of results, never taken
-- off when errors are retried (their calls were paid for). Null while no judgment of the run had a price.
ALTER TABLE judge_run ADD COLUMN cost DOUBLE PRECISION CHECK (cost >= 0);

-- runs written before this column existed: what their tasks' latest attempts cost
UPDATE judge_run r SET cost = (SELECT sum(t.cost) FROM judge_task t WHERE t.run_id = r.run_id);
