-- MLflow's experiments and runs, as far as its clients need them to evaluate (mlflow.genai.evaluate) and to
-- set_experiment: experiment "0" ("Default") always exists; a run keeps its status, times, tags, params, dataset
-- inputs and metrics.
CREATE SEQUENCE mlflow_experiment_id START 1;

CREATE TABLE mlflow_experiment (
    experiment_id     VARCHAR(32)   PRIMARY KEY,
    name              VARCHAR(500)  NOT NULL UNIQUE,
    artifact_location VARCHAR(1000),
    tags              JSONB         NOT NULL DEFAULT '{}'::jsonb,
    creation_time     BIGINT        NOT NULL,
    last_update_time  BIGINT        NOT NULL
);
INSERT INTO mlflow_experiment (experiment_id, name, artifact_location, creation_time, last_update_time)
VALUES ('0', 'Default', 'mlflow-artifacts:/0', 0, 0);

CREATE TABLE mlflow_run (
    run_id        VARCHAR(32)   PRIMARY KEY,
    experiment_id VARCHAR(32)   NOT NULL REFERENCES mlflow_experiment (experiment_id),
    run_name      VARCHAR(500),
    user_id       VARCHAR(250),
    status        VARCHAR(16)   NOT NULL CHECK (status IN ('RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED')),
    start_time    BIGINT        NOT NULL,
    end_time      BIGINT,
    tags          JSONB         NOT NULL DEFAULT '{}'::jsonb,
    params        JSONB         NOT NULL DEFAULT '{}'::jsonb,
    inputs        JSONB         NOT NULL DEFAULT '[]'::jsonb,
    created_by    VARCHAR(200)  NOT NULL
);

CREATE TABLE mlflow_metric (
    run_id    VARCHAR(32)       NOT NULL REFERENCES mlflow_run (run_id) ON DELETE CASCADE,
    key       VARCHAR(250)      NOT NULL,
    value     DOUBLE PRECISION  NOT NULL,
    timestamp BIGINT            NOT NULL,
    step      BIGINT            NOT NULL DEFAULT 0
);
CREATE INDEX mlflow_metric_run_idx ON mlflow_metric (run_id, key);

-- Traces linked to an MLflow run (traces/link-to-run), beside those whose metadata names it (mlflow.sourceRun).
CREATE TABLE trace_run_link (
    trace_id VARCHAR(64) NOT NULL REFERENCES trace (trace_id) ON DELETE CASCADE,
    run_id   VARCHAR(32) NOT NULL,
    PRIMARY KEY (run_id, trace_id)
);
