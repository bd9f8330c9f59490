-- A bias probe: controlled perturbations of a judge's prompts over chosen traces, its figures kept per judge version.
-- Probes call the judge's model directly and write no assessment.
CREATE TABLE judge_probe (
    id          VARCHAR(64)  PRIMARY KEY,
    judge_name  VARCHAR(64)  NOT NULL,
    version     VARCHAR(64)  NOT NULL,
    model       VARCHAR(300),
    request     JSONB        NOT NULL,
    status      VARCHAR(16)  NOT NULL CHECK (status IN ('running', 'completed', 'failed')),
    -- progress while running ({"done", "total"}), every probe's figures once completed
    results     JSONB,
    problem     TEXT,
    created_at  TIMESTAMPTZ  NOT NULL,
    created_by  VARCHAR(200),
    finished_at TIMESTAMPTZ,
    -- touched at least every 30 s while running: a probe whose process died shows as interrupted
    updated_at  TIMESTAMPTZ  NOT NULL
);
CREATE INDEX judge_probe_judge_idx ON judge_probe (judge_name, created_at DESC, id DESC);
