-- The bytes each row adds to an API answer, kept with the row: a page is chosen from these sizes before any large
-- column is read (tribunal.api.max-answer-bytes), so a list never loads rows only to drop them. Every column of
-- variable length counts, JSON columns as their text; free text counts 5 bytes more for each character JSON escapes
-- (a quote, a backslash, a control character: at most \u001f), so the figure is not below what the answer holds
-- (field names, timestamps and numbers are a fixed allowance per row, added by the application). Computed by
-- PostgreSQL on every insert and update; adding the columns computes them once for the rows already stored.
ALTER TABLE trace ADD COLUMN answer_bytes BIGINT GENERATED ALWAYS AS (
    coalesce(octet_length(inputs::text), 0) + coalesce(octet_length(outputs::text), 0)
    + octet_length(tags::text) + octet_length(metadata::text) + octet_length(trace_id)) STORED;

ALTER TABLE span ADD COLUMN answer_bytes BIGINT GENERATED ALWAYS AS (
    coalesce(octet_length(inputs::text), 0) + coalesce(octet_length(outputs::text), 0)
    + octet_length(attributes::text) + octet_length(name) + 5 * regexp_count(name, '[\x01-\x1f"\\]')
    + octet_length(span_id) + coalesce(octet_length(parent_span_id), 0)) STORED;

-- a non-primitive expectation is served as JSON text inside a string (MLflow's serialized_value): its quotes and
-- backslashes are escaped once more
ALTER TABLE assessment ADD COLUMN answer_bytes BIGINT GENERATED ALWAYS AS (
    coalesce(octet_length(value::text) + regexp_count(value::text, '["\\]'), 0)
    + coalesce(octet_length(rationale) + 5 * regexp_count(rationale, '[\x01-\x1f"\\]'), 0)
    + coalesce(octet_length(error_message) + 5 * regexp_count(error_message, '[\x01-\x1f"\\]'), 0)
    + coalesce(octet_length(stack_trace) + 5 * regexp_count(stack_trace, '[\x01-\x1f"\\]'), 0)
    + octet_length(metadata::text) + octet_length(name) + 5 * regexp_count(name, '[\x01-\x1f"\\]')
    + octet_length(source_id) + 5 * regexp_count(source_id, '[\x01-\x1f"\\]')
    + octet_length(assessment_id) + octet_length(trace_id) + coalesce(octet_length(span_id), 0)
    + coalesce(octet_length(error_code), 0) + coalesce(octet_length(overrides), 0) + coalesce(octet_length(run_id), 0)) STORED;

ALTER TABLE judge_run ADD COLUMN answer_bytes BIGINT GENERATED ALWAYS AS (
    octet_length(judges::text) + coalesce(octet_length(models::text), 0) + octet_length(errors_by_code::text)
    + octet_length(run_id) + coalesce(octet_length(created_by), 0) + coalesce(octet_length(sweep), 0)) STORED;

-- a trace's spans in the order they started, paged; API keys newest first, paged
CREATE INDEX span_trace_start_idx ON span (trace_id, start_time, span_id);
CREATE INDEX api_key_created_idx ON api_key (created_at DESC, name DESC);
