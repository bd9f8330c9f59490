-- What each judgment costs PostgreSQL, cut to what the queries of runs need. A task row is written three times (created,
-- claimed, done) and every write of a row whose status changes puts an entry in each of the table's indexes.
--
-- judge_task_once_uk (run, trace, judge, model) was the widest index and served no query: a run's tasks are made from
-- distinct traces and distinct judge-model pairs in one statement (run.TaskQueue), so they are unique by
-- construction. judge_task_run_idx (run, status) is only ever asked for a run's open tasks (is the run finished, cancel
-- its pending ones, settle a cancelled run's left-overs); it becomes a partial index of open tasks, which a task leaves
-- when it is done instead of being entered again.
--
-- The foreign keys checked each task (its run, its trace) and each judge result (its trace, its task) with a query of
-- their own per row. Tasks are created by the queue store after their traces were read, judge results are written by
-- the queue store in the transaction that marks their task done, and MLflow's assessments are logged on a trace read
-- first (assessment.KnownTraces): the checks never fail. The deletes they cascaded are kept, one statement per delete.
ALTER TABLE judge_task
    DROP CONSTRAINT judge_task_once_uk,
    DROP CONSTRAINT judge_task_run_id_fkey,
    DROP CONSTRAINT judge_task_trace_id_fkey;
DROP INDEX judge_task_run_idx;
CREATE INDEX judge_task_open_idx ON judge_task (run_id) WHERE status IN ('PENDING', 'RUNNING');

ALTER TABLE assessment
    DROP CONSTRAINT assessment_trace_id_fkey,
    DROP CONSTRAINT assessment_task_id_fkey;

CREATE FUNCTION delete_judgments_of_deleted_traces() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM assessment WHERE trace_id IN (SELECT trace_id FROM deleted_traces);
    DELETE FROM judge_task WHERE trace_id IN (SELECT trace_id FROM deleted_traces);
    RETURN NULL;
END
$$;
CREATE TRIGGER trace_delete_judgments AFTER DELETE ON trace REFERENCING OLD TABLE AS deleted_traces
    FOR EACH STATEMENT EXECUTE FUNCTION delete_judgments_of_deleted_traces();

CREATE FUNCTION delete_tasks_of_deleted_runs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM judge_task WHERE run_id IN (SELECT run_id FROM deleted_runs);
    RETURN NULL;
END
$$;
CREATE TRIGGER judge_run_delete_tasks AFTER DELETE ON judge_run REFERENCING OLD TABLE AS deleted_runs
    FOR EACH STATEMENT EXECUTE FUNCTION delete_tasks_of_deleted_runs();

CREATE FUNCTION forget_deleted_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE assessment SET task_id = NULL, task_attempt = NULL WHERE task_id IN (SELECT task_id FROM deleted_tasks);
    RETURN NULL;
END
$$;
CREATE TRIGGER judge_task_delete_forget AFTER DELETE ON judge_task REFERENCING OLD TABLE AS deleted_tasks
    FOR EACH STATEMENT EXECUTE FUNCTION forget_deleted_tasks();
