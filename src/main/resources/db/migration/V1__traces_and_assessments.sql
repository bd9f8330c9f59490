-- Traces of LLM applications, their spans, and the assessments (MLflow's Feedback / Expectation) attached to them.

CREATE TABLE trace (
    trace_id              VARCHAR(64)  PRIMARY KEY,
    request_time          TIMESTAMPTZ  NOT NULL,
    execution_duration_ms BIGINT       CHECK (execution_duration_ms >= 0),
    state                 VARCHAR(16)  NOT NULL CHECK (state IN ('OK', 'ERROR', 'IN_PROGRESS')),
    inputs                JSONB,
    outputs               JSONB,
    tags                  JSONB        NOT NULL DEFAULT '{}'::jsonb,
    metadata              JSONB        NOT NULL DEFAULT '{}'::jsonb,
    created_at            TIMESTAMPTZ  NOT NULL DEFAULT now()
);
-- newest-first listing with a (request_time, trace_id) cursor
CREATE INDEX trace_request_time_idx ON trace (request_time DESC, trace_id DESC);
-- tag key=value filters (tags @> '{"k":"v"}')
CREATE INDEX trace_tags_idx ON trace USING GIN (tags jsonb_path_ops);

CREATE TABLE span (
    id             UUID         PRIMARY KEY,
    trace_id       VARCHAR(64)  NOT NULL REFERENCES trace (trace_id) ON DELETE CASCADE,
    span_id        VARCHAR(64)  NOT NULL,
    parent_span_id VARCHAR(64),
    name           VARCHAR(250) NOT NULL,
    span_type      VARCHAR(32)  NOT NULL,
    start_time     TIMESTAMPTZ,
    end_time       TIMESTAMPTZ,
    status         VARCHAR(16)  NOT NULL CHECK (status IN ('OK', 'ERROR', 'UNSET')),
    inputs         JSONB,
    outputs        JSONB,
    attributes     JSONB        NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT span_trace_span_uk UNIQUE (trace_id, span_id)
);

CREATE TABLE assessment (
    assessment_id    VARCHAR(34)  PRIMARY KEY,
    trace_id         VARCHAR(64)  NOT NULL REFERENCES trace (trace_id) ON DELETE CASCADE,
    span_id          VARCHAR(64),
    name             VARCHAR(250) NOT NULL,
    kind             VARCHAR(16)  NOT NULL CHECK (kind IN ('FEEDBACK', 'EXPECTATION')),
    value            JSONB,
    error_code       VARCHAR(250),
    error_message    TEXT,
    stack_trace      TEXT,
    rationale        TEXT,
    source_type      VARCHAR(16)  NOT NULL CHECK (source_type IN ('HUMAN', 'LLM_JUDGE', 'CODE')),
    source_id        VARCHAR(250) NOT NULL,
    metadata         JSONB        NOT NULL DEFAULT '{}'::jsonb,
    create_time      TIMESTAMPTZ  NOT NULL,
    last_update_time TIMESTAMPTZ  NOT NULL,
    overrides        VARCHAR(34),
    valid            BOOLEAN      NOT NULL DEFAULT TRUE,
    run_id           VARCHAR(64),
    -- a feedback holds a value or an error; an expectation holds a value and never an error
    CONSTRAINT assessment_payload_ck CHECK (
        (kind = 'FEEDBACK' AND (value IS NOT NULL OR error_code IS NOT NULL))
        OR (kind = 'EXPECTATION' AND value IS NOT NULL AND error_code IS NULL))
);
CREATE INDEX assessment_trace_idx ON assessment (trace_id, create_time);
CREATE INDEX assessment_name_source_idx ON assessment (name, source_type);
CREATE INDEX assessment_run_idx ON assessment (run_id, create_time) WHERE run_id IS NOT NULL;
CREATE INDEX assessment_create_time_idx ON assessment (create_time DESC, assessment_id DESC);
CREATE INDEX assessment_overrides_idx ON assessment (overrides) WHERE overrides IS NOT NULL;
