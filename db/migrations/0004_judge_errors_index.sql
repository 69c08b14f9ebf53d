-- 0004: the operators' view (ops.status, docs/PROTOCOL.md) lists the latest
-- judge errors. They are rare, so a partial index finds them without reading
-- every submission each time an organizer's console refreshes.
CREATE INDEX submissions_judge_errors_idx ON submissions (judged_at DESC, id DESC)
    WHERE verdict = 'JE';
