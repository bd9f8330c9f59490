-- Who started a run (an API key's or a single-sign-on user's name, or sweep:<name>); its judgments are logged by them.
ALTER TABLE judge_run ADD COLUMN created_by VARCHAR(250);
