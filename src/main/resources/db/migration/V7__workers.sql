-- The judging processes alive on this database, each with its last heartbeat: a provider's
-- max-concurrency is divided among them.
CREATE TABLE worker (
    holder       VARCHAR(100) PRIMARY KEY,
    started_at   TIMESTAMPTZ  NOT NULL,
    heartbeat_at TIMESTAMPTZ  NOT NULL
);
