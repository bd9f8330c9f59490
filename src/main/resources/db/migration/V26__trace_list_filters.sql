-- The traces list filters by valid assessments' values and errors. Where a value is common, the newest traces are read
-- in order and each is checked by assessment_trace_idx; where it is rare or matches nothing, these indexes find its
-- few traces first (without them such a filter reads every trace until enough match: all of them when none does).
CREATE INDEX assessment_valid_value_idx ON assessment (name, (value #>> '{}'), trace_id) WHERE valid;
CREATE INDEX assessment_valid_error_idx ON assessment (name, trace_id) WHERE valid AND error_code IS NOT NULL;
