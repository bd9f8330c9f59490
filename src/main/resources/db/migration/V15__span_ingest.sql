-- What each stored span costs PostgreSQL, cut to what the span's queries need (spans arrive by the million over OTLP).
--
-- A span is named by its trace and span id: that pair becomes the primary key (it was unique already). The random uuid
-- that was the key goes, with its index, which took one insert at a random place per span and served no query.
--
-- A span's inputs, outputs and attributes are JSON text written by Tribunal (Jackson) and always read whole: no query
-- looks inside them. They are kept as text rather than jsonb, which cost a conversion to jsonb on every insert and one
-- back to text on every read and in answer_bytes. A span now reads back with its keys in the order they were written;
-- spans stored before keep jsonb's text. answer_bytes counts the same bytes as before.
--
-- The foreign key to trace checked every span with a query of its own (its trigger ran once per row). Spans are
-- written only with their trace, in its transaction (trace.SpanRows, TraceService), so the check never fails; the
-- cascade it gave is kept: deleting traces deletes their spans, with one statement per delete.
--
-- The table and its indexes are rewritten once.
ALTER TABLE span
    DROP CONSTRAINT span_trace_id_fkey,
    DROP COLUMN id,
    DROP CONSTRAINT span_trace_span_uk,
    ADD CONSTRAINT span_pkey PRIMARY KEY (trace_id, span_id),
    DROP COLUMN answer_bytes,
    ALTER COLUMN inputs TYPE text USING inputs::text,
    ALTER COLUMN outputs TYPE text USING outputs::text,
    ALTER COLUMN attributes DROP DEFAULT,
    ALTER COLUMN attributes TYPE text USING attributes::text,
    ALTER COLUMN attributes SET DEFAULT '{}',
    ADD COLUMN answer_bytes BIGINT GENERATED ALWAYS AS (
        coalesce(octet_length(inputs), 0) + coalesce(octet_length(outputs), 0)
        + octet_length(attributes) + octet_length(name) + 5 * regexp_count(name, '[\x01-\x1f"\\]')
        + octet_length(span_id) + coalesce(octet_length(parent_span_id), 0)) STORED;

CREATE FUNCTION delete_spans_of_deleted_traces() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM span WHERE trace_id IN (SELECT trace_id FROM deleted_traces);
    RETURN NULL;
END
$$;

CREATE TRIGGER trace_delete_spans AFTER DELETE ON trace REFERENCING OLD TABLE AS deleted_traces
    FOR EACH STATEMENT EXECUTE FUNCTION delete_spans_of_deleted_traces();
