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

-- The version of each judge that runs and sweeps use when they name none: the newest loaded, or one promoted by hand.
CREATE TABLE judge_champion (
    name       VARCHAR(64)   PRIMARY KEY,
    version    VARCHAR(64)   NOT NULL,
    chosen_at  TIMESTAMPTZ   NOT NULL,
    chosen_by  VARCHAR(200)  NOT NULL,
    reason     VARCHAR(500)  NOT NULL
);
