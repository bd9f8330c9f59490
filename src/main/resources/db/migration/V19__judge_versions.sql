-- Every judge version ever loaded, with its whole file, when and by which process it was first seen: a past version
-- can be shown (and compared with the next) after its file changed.
CREATE TABLE judge_version (
    name          VARCHAR(64)   NOT NULL,
    version       VARCHAR(64)   NOT NULL,
    definition    TEXT          NOT NULL,
    file          VARCHAR(1000),
    first_seen_at TIMESTAMPTZ   NOT NULL,
    first_seen_by VARCHAR(200)  NOT NULL,
    PRIMARY KEY (name, version)
);
