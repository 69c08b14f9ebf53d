-- 0006: plagiarism fingerprints, stored once per accepted submission, and
-- the organizers' review marks on pairs (docs/PLAGIARISM.md).
--
-- gavel-judge fingerprints an accepted source right after its verdict is
-- committed (db_plag_fingerprint); `gavel plag backfill` computes what is
-- missing or of another format. A report is computed from these rows alone:
-- sources are read only to show them.
CREATE TABLE submission_fingerprints (
    submission_id bigint PRIMARY KEY REFERENCES submissions ON DELETE CASCADE,
    language      submission_language NOT NULL,
    -- The stored form's version (PLG_BLOB_VERSION) and the k and w it was
    -- built with: a report compares only rows that agree with the build's,
    -- and backfill recomputes the others.
    format        smallint NOT NULL CHECK (format >= 1),
    k             smallint NOT NULL CHECK (k >= 1),
    w             smallint NOT NULL CHECK (w >= 1),
    token_count   integer NOT NULL CHECK (token_count >= 0),
    fp_count      integer NOT NULL CHECK (fp_count >= 0),
    -- plg_doc_encode: zstd of the line map and the fingerprints.
    blob          bytea NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TYPE plagiarism_status AS ENUM ('cleared', 'confirmed');

-- One mark per pair of a contest, the smaller submission id on the left
-- (as reports list them). Removing a mark deletes its row.
CREATE TABLE plagiarism_reviews (
    contest_id       bigint NOT NULL REFERENCES contests ON DELETE CASCADE,
    problem_id       bigint NOT NULL REFERENCES problems ON DELETE CASCADE,
    left_submission  bigint NOT NULL REFERENCES submissions ON DELETE CASCADE,
    right_submission bigint NOT NULL REFERENCES submissions ON DELETE CASCADE,
    status           plagiarism_status NOT NULL,
    reviewed_by      bigint REFERENCES users ON DELETE SET NULL,
    reviewed_at      timestamptz NOT NULL DEFAULT now(),
    note             text CHECK (note IS NULL OR length(note) <= 2000),
    PRIMARY KEY (contest_id, left_submission, right_submission),
    CHECK (left_submission < right_submission)
);
CREATE INDEX plagiarism_reviews_problem_idx ON plagiarism_reviews (problem_id);
CREATE INDEX plagiarism_reviews_left_idx ON plagiarism_reviews (left_submission);
CREATE INDEX plagiarism_reviews_right_idx ON plagiarism_reviews (right_submission);
CREATE INDEX plagiarism_reviews_by_idx ON plagiarism_reviews (reviewed_by);
