-- 0002: what a problem package carries beyond 0001's columns.
-- The output limit and the validator's file name (its extension names the
-- language it is compiled as); scored (IOI-style) versions list their
-- groups with points, and each test row names its group.
ALTER TABLE problem_versions
    ADD COLUMN output_limit_kb integer NOT NULL DEFAULT 65536
        CHECK (output_limit_kb BETWEEN 1 AND 1048576),
    ADD COLUMN validator_name text
        CHECK (validator_name IS NULL OR validator_name ~ '^[A-Za-z0-9_.-]{1,128}$'),
    ADD COLUMN scoring boolean NOT NULL DEFAULT false,
    ADD COLUMN groups jsonb NOT NULL DEFAULT '[]'::jsonb
        CHECK (jsonb_typeof(groups) = 'array'),
    ADD CONSTRAINT problem_versions_validator_name_chk
        CHECK ((validator_blob IS NULL) = (validator_name IS NULL));

-- A requested rejudge is recorded here before it is queued, so a Redis that
-- loses the queue loses no rejudge: recovery re-queues these too. The
-- judging that finishes the rejudge clears it.
ALTER TABLE submissions ADD COLUMN rejudge_requested_at timestamptz;
CREATE INDEX submissions_rejudge_idx ON submissions (id) WHERE rejudge_requested_at IS NOT NULL;
