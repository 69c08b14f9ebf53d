-- 0008: contests imported from a CLICS event feed (`gavel contest import`).
--
-- An imported submission has no source (a feed carries none): it stands for
-- the feed's, whose id it keeps, and is never judged here. Its verdict is
-- the feed's judgement. The queue's recovery sweep skips these rows, so a
-- judge never picks up one the feed left pending.
ALTER TABLE submissions ADD COLUMN external_id text
    CHECK (external_id IS NULL OR length(external_id) BETWEEN 1 AND 128);
