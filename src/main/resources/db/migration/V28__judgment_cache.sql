-- Answers of judges' model calls, by the SHA-256 of what determines them (judge version, model, rendered prompt,
-- inference settings, sample index): a call whose key was answered already reuses the answer instead of being paid
-- again. Only the hash of the key is kept, never the prompt. An entry goes with the assessment it was first stored
-- under (a deleted trace takes its cached answers with it), and once older than tribunal.cache.ttl.
CREATE TABLE judgment_cache (
    key_hash      CHAR(64)     PRIMARY KEY,
    assessment_id VARCHAR(34)  NOT NULL REFERENCES assessment (assessment_id) ON DELETE CASCADE,
    answer        TEXT         NOT NULL,
    created_at    TIMESTAMPTZ  NOT NULL
);
-- the cleaner deletes the oldest entries in batches
CREATE INDEX judgment_cache_created_at_idx ON judgment_cache (created_at);
-- deleting assessments (with their traces) finds their entries without reading the whole table
CREATE INDEX judgment_cache_assessment_idx ON judgment_cache (assessment_id);

-- Judgments of a run answered wholly from the cache, kept on the run like its other counts.
ALTER TABLE judge_run ADD COLUMN cached INTEGER NOT NULL DEFAULT 0 CHECK (cached >= 0);
