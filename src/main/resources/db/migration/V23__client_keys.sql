-- A key marked as an evaluation client (mlflow.genai.evaluate, a CI job) may log HUMAN expectations and feedback in
-- the names its data gives (the operating-system user MLflow sends), recorded with the key in tribunal.logged_by;
-- people's keys stay bound to their own name.
ALTER TABLE api_key ADD COLUMN client BOOLEAN NOT NULL DEFAULT FALSE;

-- MLflow accepts an expectation without a value (log_expectation(value=None)); so does Tribunal.
ALTER TABLE assessment DROP CONSTRAINT assessment_payload_ck;
ALTER TABLE assessment ADD CONSTRAINT assessment_payload_ck CHECK (
    (kind = 'FEEDBACK' AND (value IS NOT NULL OR error_code IS NOT NULL))
    OR (kind = 'EXPECTATION' AND error_code IS NULL));
