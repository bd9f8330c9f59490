-- The traces list filters by valid assessments' values (optionally from some sources only) and by their errors.
-- Where a value is common, the newest traces are read in order and each is checked through assessment_trace_idx; where
-- it is rare or matches nothing, these indexes find its few traces first. Without them such a filter reads the traces
-- newest first until enough match: all million of them when none does.
-- A value is indexed by its first 200 characters: an index row has a size limit that a long value (a paragraph, a
-- document) would exceed, refusing the assessment; the filter compares the whole value after the index found it.
CREATE INDEX assessment_valid_value_idx ON assessment (name, left(value #>> '{}', 200), source_type) WHERE valid;
CREATE INDEX assessment_valid_error_idx ON assessment (name, trace_id) INCLUDE (source_type) WHERE valid AND error_code IS NOT NULL;
-- Assessments by people and by code are few beside the judges': whether a trace has one is read from this small index
-- alone, without the assessments' rows (a trace's judgments are most of them).
CREATE INDEX assessment_valid_unjudged_idx ON assessment (source_type, trace_id) WHERE valid AND source_type <> 'LLM_JUDGE';
-- Which side to start from is PostgreSQL's choice, made from how many assessments it expects a name and value to
-- match. Each column's own statistics would multiply a name's share by a value's share (the value "no" of a rarely
-- judged name looks common); these count the combinations themselves, so a value that matches nothing is expected to.
CREATE STATISTICS assessment_value_stats (mcv) ON name, source_type, left(value #>> '{}', 200) FROM assessment;
ANALYZE assessment;
