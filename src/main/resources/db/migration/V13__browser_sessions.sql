-- Browser sessions of the pages. The cookie holds a random token; only its SHA-256 is kept here, with the hash
-- of the API key that signed in (a revoked key's sessions then find no key) and when the session ends.
-- Signing out deletes the row, so a copied cookie is worthless afterwards.
CREATE TABLE browser_session (
    token_hash CHAR(64)    PRIMARY KEY,
    key_hash   CHAR(64)    NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX browser_session_expiry ON browser_session (expires_at);
