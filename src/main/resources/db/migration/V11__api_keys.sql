-- API keys: only a SHA-256 hash of each key is kept (keys are 256 random bits, so a fast hash is enough);
-- the key itself is shown once, when it is created.
CREATE TABLE api_key (
    name       VARCHAR(100) PRIMARY KEY,
    key_hash   CHAR(64)     NOT NULL UNIQUE,
    key_prefix VARCHAR(16)  NOT NULL,
    roles      TEXT[]       NOT NULL,
    created_at TIMESTAMPTZ  NOT NULL,
    created_by VARCHAR(100) NOT NULL
);
