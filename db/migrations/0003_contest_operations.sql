-- 0003: contests as organizers define and run them.
--
-- A contest now remembers its registration and unfreeze policies (from its
-- definition, contest/include/cst_def.h) and the last phase whose change was
-- logged: the timers of every gavel-server race to move `announced_phase`
-- forward with a conditional UPDATE, so each change is logged exactly once
-- (docs/ARCHITECTURE.md, "Contest time"). Problems get their colour.
-- Clarifications are questions of contestants and answers of the jury.
CREATE TYPE contest_phase AS ENUM ('scheduled', 'running', 'frozen', 'ended', 'finalized');

ALTER TABLE contests
    ADD COLUMN open_registration boolean NOT NULL DEFAULT true,
    ADD COLUMN unfreeze_auto boolean NOT NULL DEFAULT false,
    ADD COLUMN announced_phase contest_phase NOT NULL DEFAULT 'scheduled';
-- Contests that exist already are where the clock says: announcing their
-- past changes now would only be noise.
UPDATE contests SET announced_phase = CASE
    WHEN now() < starts_at THEN 'scheduled'
    WHEN now() < ends_at AND freezes_at IS NOT NULL AND now() >= freezes_at
         AND freezes_at < ends_at THEN 'frozen'
    WHEN now() < ends_at THEN 'running'
    WHEN unfrozen_at IS NULL OR now() < unfrozen_at THEN 'ended'
    ELSE 'finalized' END::contest_phase;
-- The timers read only contests with a change still to come.
CREATE INDEX contests_unannounced_idx ON contests (id) WHERE announced_phase <> 'finalized';

ALTER TABLE contest_problems
    ADD COLUMN color text CHECK (color IS NULL OR color ~ '^#[0-9a-fA-F]{6}$');

CREATE TABLE clarifications (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    contest_id  bigint NOT NULL REFERENCES contests ON DELETE CASCADE,
    -- The contestant who asked; NULL for the jury's own broadcast.
    asked_by    bigint REFERENCES users ON DELETE SET NULL,
    -- NULL: about the contest in general.
    problem_id  bigint REFERENCES problems ON DELETE RESTRICT,
    question    text CHECK (question IS NULL OR length(question) BETWEEN 1 AND 2000),
    answer      text CHECK (answer IS NULL OR length(answer) BETWEEN 1 AND 2000),
    answered_by bigint REFERENCES users ON DELETE SET NULL,
    -- Public: every participant sees question and answer; otherwise only
    -- the one who asked (and the jury).
    is_public   boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    answered_at timestamptz,
    CHECK (question IS NOT NULL OR answer IS NOT NULL),
    CHECK ((answer IS NULL) = (answered_at IS NULL)),
    -- A broadcast has no asker, and is public.
    CHECK (asked_by IS NOT NULL OR is_public),
    FOREIGN KEY (contest_id, problem_id) REFERENCES contest_problems (contest_id, problem_id)
);
CREATE INDEX clarifications_contest_idx ON clarifications (contest_id, id);
CREATE INDEX clarifications_unanswered_idx ON clarifications (contest_id, id) WHERE answer IS NULL;
CREATE INDEX clarifications_asked_by_idx ON clarifications (asked_by);
CREATE INDEX clarifications_problem_idx ON clarifications (problem_id);
CREATE INDEX clarifications_answered_by_idx ON clarifications (answered_by);

-- Reordering or relabelling a contest's problems swaps labels and ordinals
-- between rows: the uniqueness holds at commit, not after each row.
ALTER TABLE contest_problems
    DROP CONSTRAINT contest_problems_contest_id_label_key,
    DROP CONSTRAINT contest_problems_contest_id_ordinal_key,
    ADD CONSTRAINT contest_problems_contest_id_label_key UNIQUE (contest_id, label)
        DEFERRABLE INITIALLY IMMEDIATE,
    ADD CONSTRAINT contest_problems_contest_id_ordinal_key UNIQUE (contest_id, ordinal)
        DEFERRABLE INITIALLY IMMEDIATE;
