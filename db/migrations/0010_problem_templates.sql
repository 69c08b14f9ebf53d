-- 0010: template code from a problem package (attachments/ and
-- include/<language>/ sources: what contestants are given to start from),
-- per problem version, so that plagiarism reports leave out what
-- submissions share only through it (docs/PLAGIARISM.md).
CREATE TABLE problem_templates (
    problem_version_id bigint NOT NULL REFERENCES problem_versions ON DELETE CASCADE,
    -- The path in the package: "attachments/skeleton.cpp".
    name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 191),
    language           submission_language NOT NULL,
    source_blob        bytea NOT NULL REFERENCES blobs,
    PRIMARY KEY (problem_version_id, name)
);
