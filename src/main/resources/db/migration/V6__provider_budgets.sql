-- Providers' requests- and tokens-per-minute budgets, shared by every process on this database
-- (Bucket4j's state, one row per budget).
CREATE TABLE provider_budget (
    id    BIGINT PRIMARY KEY,
    state BYTEA
);
