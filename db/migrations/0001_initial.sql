-- 0001_initial.sql - Gavel's first schema.
--
-- Conventions: bigint identity keys; timestamptz everywhere; enums for
-- closed sets the code switches on; CHECKs for what the application would
-- otherwise have to remember; every foreign key has an index on its
-- referencing side when rows are looked up or deleted through it.
-- Never edit a migration once it is on main: add a new one (gavel db migrate
-- refuses a database whose recorded checksum differs from the built-in one).

CREATE TYPE user_role AS ENUM ('contestant', 'organizer', 'admin');
CREATE TYPE user_tier AS ENUM ('free', 'paid');
CREATE TYPE contest_scoring AS ENUM ('icpc', 'ioi');
CREATE TYPE submission_language AS ENUM ('c', 'cpp', 'python', 'java');
CREATE TYPE submission_status AS ENUM ('queued', 'compiling', 'running', 'judged');
CREATE TYPE verdict AS ENUM ('AC', 'WA', 'TLE', 'MLE', 'RE', 'CE', 'OLE', 'JE');
CREATE TYPE problem_validation AS ENUM ('default', 'custom');

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL CHECK (username ~ '^[A-Za-z0-9_.-]{3,32}$'),
    display_name  text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 64),
    email         text CHECK (email IS NULL OR email ~ '^[^@\s]+@[^@\s]+$'),
    -- argon2id in its encoded form ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    password_hash text NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    role          user_role NOT NULL DEFAULT 'contestant',
    tier          user_tier NOT NULL DEFAULT 'free',
    created_at    timestamptz NOT NULL DEFAULT now()
);
-- Case-insensitive uniqueness: "Alice" and "alice" are one account.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));
CREATE UNIQUE INDEX users_email_key ON users (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE sessions (
    -- SHA-256 of the 256-bit bearer token: a stolen table grants nothing.
    token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
    user_id      bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- Content-addressed storage for test data, sources and validators.
CREATE TABLE blobs (
    sha256     bytea PRIMARY KEY CHECK (length(sha256) = 32),
    size       bigint NOT NULL CHECK (size >= 0),
    zstd       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- The bytes are zstd already: TOAST should store, not recompress, them.
ALTER TABLE blobs ALTER COLUMN zstd SET STORAGE EXTERNAL;

CREATE TABLE problems (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- A Codeforces-style rating: sortable, and maps onto easy/medium/hard.
    difficulty       integer CHECK (difficulty BETWEEN 800 AND 3500),
    -- Visible in the practice archive; contest problems stay hidden until
    -- their contest starts regardless (enforced by the server).
    is_public        boolean NOT NULL DEFAULT false,
    author_id        bigint REFERENCES users ON DELETE SET NULL,
    current_version  integer NOT NULL DEFAULT 1 CHECK (current_version >= 1),
    -- Counters kept by the judge in the transaction that writes a verdict,
    -- so listing problems never aggregates submissions.
    like_count       integer NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    submission_count integer NOT NULL DEFAULT 0 CHECK (submission_count >= 0),
    solve_count      integer NOT NULL DEFAULT 0 CHECK (solve_count >= 0),
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX problems_author_id_idx ON problems (author_id);
CREATE INDEX problems_public_difficulty_idx ON problems (difficulty) WHERE is_public;

-- Re-importing a changed package adds a version; submissions keep the
-- version they were judged against.
CREATE TABLE problem_versions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    problem_id      bigint NOT NULL REFERENCES problems ON DELETE CASCADE,
    version         integer NOT NULL CHECK (version >= 1),
    statement_md    text NOT NULL DEFAULT '',
    time_limit_ms   integer NOT NULL CHECK (time_limit_ms BETWEEN 50 AND 60000),
    memory_limit_kb integer NOT NULL CHECK (memory_limit_kb BETWEEN 16384 AND 4194304),
    validation      problem_validation NOT NULL DEFAULT 'default',
    validator_flags text NOT NULL DEFAULT '',
    validator_blob  bytea REFERENCES blobs (sha256),
    -- Hash of the whole package, so an unchanged re-import is recognised.
    package_sha256  bytea CHECK (package_sha256 IS NULL OR length(package_sha256) = 32),
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (problem_id, version),
    CHECK ((validation = 'custom') = (validator_blob IS NOT NULL))
);

CREATE TABLE test_cases (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    problem_version_id bigint NOT NULL REFERENCES problem_versions ON DELETE CASCADE,
    ordinal            integer NOT NULL CHECK (ordinal >= 1),
    name               text NOT NULL,
    is_sample          boolean NOT NULL DEFAULT false,
    -- IOI-style scored groups; NULL for pass/fail problems.
    test_group         text,
    points             numeric(10, 3) CHECK (points IS NULL OR points >= 0),
    input_blob         bytea NOT NULL REFERENCES blobs (sha256),
    answer_blob        bytea NOT NULL REFERENCES blobs (sha256),
    UNIQUE (problem_version_id, ordinal),
    UNIQUE (problem_version_id, name)
);
CREATE INDEX test_cases_input_blob_idx ON test_cases (input_blob);
CREATE INDEX test_cases_answer_blob_idx ON test_cases (answer_blob);

CREATE TABLE problem_likes (
    user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    problem_id bigint NOT NULL REFERENCES problems ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, problem_id)
);
CREATE INDEX problem_likes_problem_id_idx ON problem_likes (problem_id);

CREATE TABLE contests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    title           text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    scoring         contest_scoring NOT NULL DEFAULT 'icpc',
    -- The contest's state is derived from these timestamps by every process
    -- (contest/), so a restart or a second server never disagrees.
    starts_at       timestamptz NOT NULL,
    freezes_at      timestamptz,
    ends_at         timestamptz NOT NULL,
    -- Set when the organizer publishes the final (unfrozen) standings.
    unfrozen_at     timestamptz,
    penalty_minutes integer NOT NULL DEFAULT 20 CHECK (penalty_minutes BETWEEN 0 AND 1440),
    created_by      bigint REFERENCES users ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (freezes_at IS NULL OR (freezes_at >= starts_at AND freezes_at <= ends_at)),
    CHECK (unfrozen_at IS NULL OR unfrozen_at >= ends_at)
);
CREATE INDEX contests_starts_at_idx ON contests (starts_at);
CREATE INDEX contests_created_by_idx ON contests (created_by);

CREATE TABLE contest_problems (
    contest_id bigint NOT NULL REFERENCES contests ON DELETE CASCADE,
    problem_id bigint NOT NULL REFERENCES problems ON DELETE RESTRICT,
    label      text NOT NULL CHECK (label ~ '^[A-Z][A-Z0-9]{0,3}$'),
    ordinal    integer NOT NULL CHECK (ordinal >= 1),
    points     numeric(10, 3) NOT NULL DEFAULT 1 CHECK (points >= 0),
    PRIMARY KEY (contest_id, problem_id),
    UNIQUE (contest_id, label),
    UNIQUE (contest_id, ordinal)
);
CREATE INDEX contest_problems_problem_id_idx ON contest_problems (problem_id);

CREATE TABLE participants (
    contest_id    bigint NOT NULL REFERENCES contests ON DELETE CASCADE,
    user_id       bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    -- Hidden participants (jury test accounts) are left off the scoreboard.
    is_hidden     boolean NOT NULL DEFAULT false,
    registered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (contest_id, user_id)
);
CREATE INDEX participants_user_id_idx ON participants (user_id);

CREATE TABLE submissions (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id            bigint NOT NULL REFERENCES users ON DELETE RESTRICT,
    problem_id         bigint NOT NULL REFERENCES problems ON DELETE RESTRICT,
    -- The version judged against: a later re-import does not change it.
    problem_version_id bigint NOT NULL REFERENCES problem_versions ON DELETE RESTRICT,
    contest_id         bigint REFERENCES contests ON DELETE RESTRICT,
    language           submission_language NOT NULL,
    source_blob        bytea NOT NULL REFERENCES blobs (sha256),
    source_size        integer NOT NULL CHECK (source_size BETWEEN 1 AND 1048576),
    status             submission_status NOT NULL DEFAULT 'queued',
    verdict            verdict,
    score              numeric(10, 3) CHECK (score IS NULL OR score >= 0),
    max_time_ms        integer CHECK (max_time_ms IS NULL OR max_time_ms >= 0),
    max_memory_kb      integer CHECK (max_memory_kb IS NULL OR max_memory_kb >= 0),
    compile_output     text,
    -- Queue priority at submission time (0 = highest); see docs/ARCHITECTURE.md.
    priority           smallint NOT NULL DEFAULT 3 CHECK (priority BETWEEN 0 AND 9),
    created_at         timestamptz NOT NULL DEFAULT now(),
    judged_at          timestamptz,
    -- A verdict exists exactly when judging finished.
    CHECK ((status = 'judged') = (verdict IS NOT NULL)),
    CHECK ((status = 'judged') = (judged_at IS NOT NULL)),
    -- A contest submission is for one of that contest's problems.
    FOREIGN KEY (contest_id, problem_id) REFERENCES contest_problems (contest_id, problem_id)
);
CREATE INDEX submissions_user_created_idx ON submissions (user_id, created_at DESC);
CREATE INDEX submissions_problem_created_idx ON submissions (problem_id, created_at DESC);
CREATE INDEX submissions_contest_created_idx ON submissions (contest_id, created_at)
    WHERE contest_id IS NOT NULL;
CREATE INDEX submissions_pending_idx ON submissions (id) WHERE status <> 'judged';
CREATE INDEX submissions_problem_version_id_idx ON submissions (problem_version_id);
CREATE INDEX submissions_source_blob_idx ON submissions (source_blob);

-- One row per judging of a submission (rejudges add rows, as in DOMjudge);
-- exactly one valid judging carries the submission's verdict.
CREATE TABLE judgings (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id bigint NOT NULL REFERENCES submissions ON DELETE CASCADE,
    judge_host    text NOT NULL,
    is_valid      boolean NOT NULL DEFAULT true,
    verdict       verdict,
    score         numeric(10, 3),
    max_time_ms   integer,
    max_memory_kb integer,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    CHECK ((finished_at IS NULL) = (verdict IS NULL))
);
CREATE INDEX judgings_submission_id_idx ON judgings (submission_id);
-- Never two valid judgings of one submission.
CREATE UNIQUE INDEX judgings_one_valid_idx ON judgings (submission_id) WHERE is_valid;

CREATE TABLE judging_tests (
    judging_id   bigint NOT NULL REFERENCES judgings ON DELETE CASCADE,
    test_case_id bigint NOT NULL REFERENCES test_cases ON DELETE RESTRICT,
    verdict      verdict NOT NULL,
    cpu_ms       integer NOT NULL CHECK (cpu_ms >= 0),
    wall_ms      integer NOT NULL CHECK (wall_ms >= 0),
    memory_kb    integer NOT NULL CHECK (memory_kb >= 0),
    -- The primary key is what makes a duplicated per-test row impossible.
    PRIMARY KEY (judging_id, test_case_id)
);
CREATE INDEX judging_tests_test_case_id_idx ON judging_tests (test_case_id);

-- The append-only event log: feeds reconnect/resume and the contest API's
-- event feed. Ids are allocated in order; readers that need commit order
-- must not resume past an id whose transaction may still be open (see
-- docs/ARCHITECTURE.md, "events").
CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- No cascades: the log outlives nothing it describes (the trigger below
    -- would refuse the cascaded delete anyway).
    contest_id bigint REFERENCES contests,
    user_id    bigint REFERENCES users,
    type       text NOT NULL CHECK (type ~ '^[a-z][a-z_.]{0,63}$'),
    payload    jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_contest_id_idx ON events (contest_id, id) WHERE contest_id IS NOT NULL;
CREATE INDEX events_user_id_idx ON events (user_id, id) WHERE user_id IS NOT NULL;

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();
