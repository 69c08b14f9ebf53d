-- Every verdict's scoreboard row asks who solved each problem of the
-- contest first (db/src/db_contest.c, first_solves_load). It ranked all of
-- the contest's accepted submissions each time, so a verdict's cost grew
-- with the contest: at 20,000 submissions and 55 verdicts a second,
-- PostgreSQL spent most of a core on it. With this index the question is
-- one short walk per problem, in submission order, to its first visible
-- solver.
CREATE INDEX submissions_first_ac_idx ON submissions (contest_id, problem_id, created_at)
    WHERE status = 'judged' AND verdict = 'AC';
