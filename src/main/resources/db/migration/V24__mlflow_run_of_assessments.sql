-- An assessment logged by an MLflow client names its MLflow run (run_id, or mlflow.assessment.sourceRunId); Tribunal's
-- own judge runs keep run_id. The two are apart so that a filter on one never finds the other.
ALTER TABLE assessment ADD COLUMN mlflow_run_id VARCHAR(64);
UPDATE assessment a SET mlflow_run_id = a.run_id, run_id = NULL
WHERE a.run_id IS NOT NULL AND a.task_id IS NULL AND NOT EXISTS (SELECT 1 FROM judge_run r WHERE r.run_id = a.run_id);
CREATE INDEX assessment_mlflow_run_idx ON assessment (mlflow_run_id) WHERE mlflow_run_id IS NOT NULL;
