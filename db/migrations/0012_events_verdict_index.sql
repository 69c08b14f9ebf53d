-- The CLICS event feed sends a submission's object with its first verdict
-- only: for each judging.verdict row it reads, it asks whether an earlier
-- verdict row of the same submission exists (db/src/db_clics_feed.c).
-- Without this index that question scans the contest's earlier rows, so a
-- read's cost grew with the log; with it, it is one probe per row.
CREATE INDEX events_verdict_submission_idx ON events (contest_id, (payload -> 'submission_id'), id)
    WHERE type = 'judging.verdict';
