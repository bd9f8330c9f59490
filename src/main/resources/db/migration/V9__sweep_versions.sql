-- Every version of a judge a sweep has judged with: a version is new (and rejudges when asked) only
-- once, even while replicas of two versions take ticks in turn during a rolling deploy.
ALTER TABLE sweep_checkpoint ADD COLUMN versions TEXT[] NOT NULL DEFAULT '{}';
UPDATE sweep_checkpoint SET versions = ARRAY[judge_version];
