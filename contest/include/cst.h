/* cst.h - contest rules as pure logic: no I/O, no clocks of its own.
 *
 * Every process derives a contest's state from its stored timestamps and
 * the current time, so two servers, or one server before and after a
 * restart, always agree without exchanging anything. */
#ifndef CST_H
#define CST_H

#include <stdbool.h>
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

#endif
