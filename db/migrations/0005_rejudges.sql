-- 0005: rejudges as recorded batches, so an organizer can see their effect.
--
-- A batch remembers who asked, when, what it covers, and for each of its
-- submissions the verdict it had before; the judging that finishes each
-- one after the batch was made is linked to it (db_judging_finish, in the
-- transaction that writes the verdict), which gives the verdict after.
-- The report and the board change are computed from these rows and the
-- stored submissions (docs/ARCHITECTURE.md, "Rejudges").
CREATE TYPE rejudge_scope AS ENUM ('submission', 'problem', 'contest', 'contest_problem');

CREATE TABLE rejudges (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope         rejudge_scope NOT NULL,
    -- The organizer who asked over the protocol; NULL from the command line.
    requested_by  bigint REFERENCES users ON DELETE SET NULL,
    -- Where it was asked: 'server', or 'cli' and the operator's login.
    origin        text NOT NULL CHECK (length(origin) BETWEEN 1 AND 64),
    -- The board the batch can change: the contest of a contest scope, or of
    -- the one submission; NULL for a problem across contests and practice.
    contest_id    bigint REFERENCES contests ON DELETE CASCADE,
    problem_id    bigint REFERENCES problems ON DELETE CASCADE,
    submission_id bigint REFERENCES submissions ON DELETE CASCADE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((scope = 'submission') = (submission_id IS NOT NULL)),
    CHECK ((scope IN ('problem', 'contest_problem')) = (problem_id IS NOT NULL)),
    CHECK (scope NOT IN ('contest', 'contest_problem') OR contest_id IS NOT NULL),
    CHECK (scope <> 'problem' OR contest_id IS NULL)
);
CREATE INDEX rejudges_contest_idx ON rejudges (contest_id, id) WHERE contest_id IS NOT NULL;
CREATE INDEX rejudges_requested_by_idx ON rejudges (requested_by);
CREATE INDEX rejudges_problem_idx ON rejudges (problem_id);
CREATE INDEX rejudges_submission_idx ON rejudges (submission_id);

CREATE TABLE rejudge_items (
    rejudge_id     bigint NOT NULL REFERENCES rejudges ON DELETE CASCADE,
    submission_id  bigint NOT NULL REFERENCES submissions ON DELETE CASCADE,
    -- The submission as it was when the batch was made.
    old_status     submission_status NOT NULL,
    old_verdict    verdict,
    old_score      numeric(10, 3),
    old_judging_id bigint REFERENCES judgings ON DELETE SET NULL,
    -- The first judging started after the batch and finished: its verdict
    -- is the new one. NULL while pending.
    judging_id     bigint REFERENCES judgings ON DELETE SET NULL,
    PRIMARY KEY (rejudge_id, submission_id),
    CHECK ((old_status = 'judged') = (old_verdict IS NOT NULL))
);
-- The judge's lookup in the verdict's transaction: one submission's items.
CREATE INDEX rejudge_items_submission_idx ON rejudge_items (submission_id);
CREATE INDEX rejudge_items_old_judging_idx ON rejudge_items (old_judging_id);
CREATE INDEX rejudge_items_judging_idx ON rejudge_items (judging_id);
