-- MLflow's search by attribute.run_id reads the run that made a trace (metadata mlflow.sourceRun) by index.
CREATE INDEX trace_source_run_idx ON trace ((metadata ->> 'mlflow.sourceRun'));
