-- Traces that arrive over OTLP come span by span, in any order and over several exports. Until the
-- root span is stored such a trace is IN_PROGRESS and awaits its root: sweeps leave it alone, and when
-- the root arrives its created_at becomes that moment, so a sweep that has moved past still sees it.
ALTER TABLE trace ADD COLUMN awaiting_root BOOLEAN NOT NULL DEFAULT FALSE;
-- The root is a span whose parent is in another process (the application was called by a traced service):
-- a span without a parent replaces it if one arrives.
ALTER TABLE trace ADD COLUMN root_remote BOOLEAN NOT NULL DEFAULT FALSE;
