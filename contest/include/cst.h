/* SPDX-License-Identifier: MIT
 * cst.h - contest rules as pure logic: no I/O, no clocks of its own.
 *
 * Every process derives a contest's state from its stored timestamps and
 * the current time, so two servers, or one server before and after a
 * restart, always agree without exchanging anything. */
#ifndef CST_H
#define CST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A contest's phases in order. FROZEN means running with the public
 * scoreboard frozen; FINALIZED means ended and the final standings shown. */
enum cst_phase {
    CST_PHASE_SCHEDULED,
    CST_PHASE_RUNNING,
    CST_PHASE_FROZEN,
    CST_PHASE_ENDED,
    CST_PHASE_FINALIZED,
};

/* Times in milliseconds since the epoch; 0 means "not set" for the
 * optional ones (freeze, unfreeze). */
struct cst_schedule {
    int64_t starts_at;
    int64_t freezes_at;
    int64_t ends_at;
    int64_t unfrozen_at;
};

struct cst_state {
    enum cst_phase phase;
    /* Milliseconds until the next phase change, or -1 when none is due by
     * the clock (ENDED waits for an organizer; FINALIZED is final). */
    int64_t next_change_in_ms;
    /* Milliseconds since the start, clamped to [0, length]: contest time. */
    int64_t elapsed_ms;
};

/* Returns false (and leaves *out alone) when the schedule is inconsistent:
 * end not after start, freeze outside [start, end], unfreeze before end. */
bool cst_schedule_valid(const struct cst_schedule *s);

/* The state at `now_ms`. The schedule must be valid. */
void cst_state_at(struct cst_state *out, const struct cst_schedule *s, int64_t now_ms);

const char *cst_phase_name(enum cst_phase phase);
/* The phase named `name`: 0, or GV_ENOTFOUND. */
int cst_phase_parse(enum cst_phase *out, const char *name);

/* The next phase change to announce, for the timers that log each change
 * once (docs/ARCHITECTURE.md, "Contest time"). `announced` is the last
 * phase announced. When the clock has moved past it, the change due is the
 * one right after it on this schedule's path (a contest without a freeze
 * never passes FROZEN), at the stored time it happened, so a server that
 * was down announces every change it missed, in order. When the schedule
 * was moved back (an organizer extended an ended contest), the change is to
 * the current phase, now. False when nothing is due. */
bool cst_phase_due(enum cst_phase *next, int64_t *at_ms, const struct cst_schedule *s,
                   enum cst_phase announced, int64_t now_ms);

/* --- Who may see and do what ---------------------------------------------
 *
 * The rules db/ used to write as SQL, as functions of facts it fetches. The
 * jury (organizers and admins) sees everything and may submit any time. */

/* A problem's place in the contests that include it. */
struct cst_problem_facts {
    bool is_public;          /* in the practice catalogue */
    size_t ncontests;        /* contests that include it */
    int64_t last_start_ms;   /* the latest start among them (when ncontests) */
};

/* When everyone may read the problem: a problem in contests is secret until
 * the last of them starts (then everyone may practise it, public or not);
 * one in no contest is readable when public, else never (INT64_MAX).
 * INT64_MIN: always. */
int64_t cst_problem_readable_from(const struct cst_problem_facts *f);
bool cst_problem_readable(const struct cst_problem_facts *f, bool jury, int64_t now_ms);
/* Whether it is in the practice catalogue's list: public and readable.
 * A contest problem that is not public is readable after its contest but
 * not listed. */
bool cst_problem_listed(const struct cst_problem_facts *f, int64_t now_ms);

/* Whether a contest's problem set (and so its board's columns and cells)
 * may be shown: to the jury always, to everyone from the start. */
bool cst_contest_problems_shown(const struct cst_schedule *s, bool jury, int64_t now_ms);

enum cst_submit_check {
    CST_SUBMIT_OK,
    CST_SUBMIT_NOT_RUNNING,    /* before the start or after the end */
    CST_SUBMIT_NOT_REGISTERED, /* a contestant who did not register */
    CST_SUBMIT_NOT_IN_CONTEST, /* the problem is not one of the contest's */
};

/* Whether a submission to a contest is accepted, checked in this order: the
 * phase first, so that before the start the answer is the same whatever
 * the problem (probing slugs reveals nothing of the problem set), then
 * registration, then the problem. The jury may submit any time without
 * registering (it is not on the board). */
enum cst_submit_check cst_submit_check(const struct cst_schedule *s, bool jury, bool registered,
                                       bool problem_in_contest, int64_t now_ms);

enum cst_register_check {
    CST_REGISTER_OK,
    CST_REGISTER_ENDED,         /* registration is open until the end */
    CST_REGISTER_BY_INVITATION, /* the definition lists its participants */
};

/* Whether a contestant may register now: until the end, and only where
 * the definition leaves registration open. */
enum cst_register_check cst_register_check(const struct cst_schedule *s, bool open_registration,
                                           int64_t now_ms);

/* --- Judge queue priority ---------------------------------------------- */

enum cst_tier { CST_TIER_FREE, CST_TIER_PAID };

/* Queue levels, 0 judged first: contest submissions before practice, paid
 * before free within each, rejudges last. */
enum cst_priority {
    CST_PRIO_CONTEST_PAID = 0,
    CST_PRIO_CONTEST_FREE = 1,
    CST_PRIO_PRACTICE_PAID = 2,
    CST_PRIO_PRACTICE_FREE = 3,
    CST_PRIO_REJUDGE = 4,
    CST_PRIO_LEVELS = 5,
};

enum cst_priority cst_priority_for(bool in_contest, enum cst_tier tier, bool rejudge);

/* --- Scoreboard ------------------------------------------------------------
 *
 * The standings are a pure function of the attempts, so every process (a
 * server answering a snapshot, a judge publishing the row a verdict
 * changed) computes the same board from PostgreSQL without sharing state.
 *
 * ICPC (CLICS): a problem is solved by its first accepted attempt; each
 * rejected attempt before it costs `penalty_minutes`, added to the minute of
 * the solve (whole minutes since the start, rounded down). Attempts after the
 * solve do not count; compile errors (IGNORED) never count. Teams rank by
 * solved desc, penalty asc, then the time of their last solve asc, in whole
 * minutes like the penalty (CLICS; seconds within one minute tie); teams
 * equal in all three share a rank.
 * IOI: a problem's score is the best score of its judged attempts, the
 * total their sum; equal totals share a rank.
 * Freeze: unless revealed, an attempt made at or after the freeze counts as
 * pending whatever its verdict, so the public board shows only that it was
 * made. An attempt not judged yet is pending too. */

enum cst_outcome { CST_OUT_PENDING, CST_OUT_ACCEPTED, CST_OUT_REJECTED, CST_OUT_IGNORED };

enum cst_scoring { CST_SCORING_ICPC, CST_SCORING_IOI };

struct cst_board_rules {
    enum cst_scoring scoring;
    int penalty_minutes;
    int64_t freeze_at_ms; /* since the start; < 0 when there is no freeze */
    bool reveal;          /* jury view, or the final standings were published */
};

/* One submission, `at_ms` since the contest's start. Attempts are given in
 * submission order (at_ms non-decreasing). */
struct cst_attempt {
    size_t team;
    size_t problem;
    int64_t at_ms;
    enum cst_outcome outcome;
    double score; /* IOI */
};

struct cst_cell {
    bool solved;
    bool first;       /* among the first to solve this problem */
    int tries;        /* counted judged attempts (the solving one included) */
    int pending;      /* attempts not judged yet, or made during the freeze */
    int64_t solved_at_ms;
    double score;     /* IOI: best score so far */
};

struct cst_row {
    size_t team;
    int rank; /* 1-based */
    int solved;
    int64_t penalty_min; /* ICPC */
    int64_t last_solved_ms;
    double score;          /* IOI total */
    struct cst_cell *cells; /* nproblems, inside the board's allocation */
};

struct cst_board {
    size_t nteams, nproblems;
    struct cst_row *rows; /* nteams, in rank order (ties by team index) */
    struct cst_cell *cells_mem;
};

enum cst_medal { CST_MEDAL_GOLD, CST_MEDAL_SILVER, CST_MEDAL_BRONZE, CST_MEDAL_KINDS };
#define CST_MEDALS_MAX 1000 /* places of each kind */

/* The medal of a row under `counts` places of gold, silver and bronze, or
 * -1: gold to ranks 1..gold, silver to the next `silver` ranks, bronze to
 * the `bronze` after those; teams tied on a boundary rank share its medal;
 * a team that solved nothing (ICPC) or scored nothing (IOI) gets none. */
int cst_board_medal(const struct cst_row *row, const int counts[CST_MEDAL_KINDS]);

/* 0, or GV_EINVAL when an attempt names a team or problem out of range or
 * the attempts are out of order; -ENOMEM. */
int cst_board_compute(struct cst_board *out, const struct cst_board_rules *rules, size_t nteams,
                      size_t nproblems, const struct cst_attempt *attempts, size_t nattempts);
void cst_board_release(struct cst_board *b);

/* One team's row from its own attempts alone (their `team` is not read), as
 * cst_board_compute would compute it, for the writer that publishes the row
 * a verdict changed without reading the whole contest. `first_solve_ms[p]`
 * is the earliest solve of problem p by any team that this view shows
 * (INT64_MAX: none); `rank` stays 0, since it depends on every row. `cells`
 * has room for `nproblems` and becomes out->cells. GV_EINVAL as above. */
int cst_board_row(struct cst_row *out, struct cst_cell *cells, const struct cst_board_rules *rules,
                  size_t nproblems, const struct cst_attempt *attempts, size_t nattempts,
                  const int64_t *first_solve_ms);

/* Marks each cell's `first` from each problem's earliest solve in the view
 * (`first_solve_ms[p]`, INT64_MAX when none), as cst_board_compute does:
 * for a row kept apart from the others (cst_rank.h). */
void cst_board_mark_first(struct cst_row *row, size_t nproblems, const int64_t *first_solve_ms);

/* Whether an accepted attempt `at_ms` after the start counts as a solve in
 * this view: the freeze hides later ones until the reveal. */
bool cst_board_shows_solve(const struct cst_board_rules *rules, int64_t at_ms);

/* What a row's place on the board is made of. */
struct cst_standing {
    int rank;
    int solved;
    int64_t penalty_min;
    double score;
};

struct cst_row_change {
    size_t team;
    struct cst_standing before, after;
};

/* The teams whose standing differs between two boards of the same teams
 * (a rejudge's effect: the board with the old verdicts, and the board now):
 * rank, solved or penalty under ICPC, rank or score under IOI. By team
 * index; *out is gv_malloc'd (the caller gv_frees it), *count may be 0.
 * GV_EINVAL when the boards have different teams; -ENOMEM. */
int cst_board_changes(struct cst_row_change **out, size_t *count, enum cst_scoring scoring,
                      const struct cst_board *before, const struct cst_board *after);

#endif
