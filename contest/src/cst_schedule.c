/* SPDX-License-Identifier: MIT
 * cst_schedule.c - contest phases derived from stored timestamps. */
#include "cst.h"

#include <assert.h>
#include <string.h>

#include "gv_err.h"

#include "banned.h"

bool cst_schedule_valid(const struct cst_schedule *s)
{
    if (s->ends_at <= s->starts_at)
        return false;
    if (s->freezes_at && (s->freezes_at < s->starts_at || s->freezes_at > s->ends_at))
        return false;
    if (s->unfrozen_at && s->unfrozen_at < s->ends_at)
        return false;
    return true;
}

void cst_state_at(struct cst_state *out, const struct cst_schedule *s, int64_t now_ms)
{
    int64_t length = s->ends_at - s->starts_at;

    assert(cst_schedule_valid(s));
    out->elapsed_ms = now_ms < s->starts_at ? 0 : now_ms - s->starts_at;
    if (out->elapsed_ms > length)
        out->elapsed_ms = length;

    if (now_ms < s->starts_at) {
        out->phase = CST_PHASE_SCHEDULED;
        out->next_change_in_ms = s->starts_at - now_ms;
    } else if (now_ms < s->ends_at) {
        /* A freeze time equal to the end time means "never frozen while
         * running", which is what organizers mean by setting it so. */
        bool frozen = s->freezes_at && now_ms >= s->freezes_at && s->freezes_at < s->ends_at;

        out->phase = frozen ? CST_PHASE_FROZEN : CST_PHASE_RUNNING;
        out->next_change_in_ms = (!frozen && s->freezes_at && s->freezes_at < s->ends_at)
                                     ? s->freezes_at - now_ms
                                     : s->ends_at - now_ms;
    } else if (!s->unfrozen_at || now_ms < s->unfrozen_at) {
        out->phase = CST_PHASE_ENDED;
        out->next_change_in_ms = s->unfrozen_at ? s->unfrozen_at - now_ms : -1;
    } else {
        out->phase = CST_PHASE_FINALIZED;
        out->next_change_in_ms = -1;
    }
}

const char *cst_phase_name(enum cst_phase phase)
{
    switch (phase) {
    case CST_PHASE_SCHEDULED:
        return "scheduled";
    case CST_PHASE_RUNNING:
        return "running";
    case CST_PHASE_FROZEN:
        return "frozen";
    case CST_PHASE_ENDED:
        return "ended";
    case CST_PHASE_FINALIZED:
        return "finalized";
    }
    return "unknown";
}

int cst_phase_parse(enum cst_phase *out, const char *name)
{
    for (int p = CST_PHASE_SCHEDULED; name && p <= CST_PHASE_FINALIZED; p++) {
        if (!strcmp(cst_phase_name((enum cst_phase)p), name)) {
            *out = (enum cst_phase)p;
            return 0;
        }
    }
    return GV_ENOTFOUND;
}

/* When this schedule enters `p`; INT64_MAX when it never does (no freeze
 * inside the contest, no unfreeze set). */
static int64_t entered_at(const struct cst_schedule *s, enum cst_phase p)
{
    switch (p) {
    case CST_PHASE_SCHEDULED:
        return INT64_MIN;
    case CST_PHASE_RUNNING:
        return s->starts_at;
    case CST_PHASE_FROZEN:
        return s->freezes_at && s->freezes_at < s->ends_at ? s->freezes_at : INT64_MAX;
    case CST_PHASE_ENDED:
        return s->ends_at;
    case CST_PHASE_FINALIZED:
        return s->unfrozen_at ? s->unfrozen_at : INT64_MAX;
    }
    return INT64_MAX;
}

bool cst_phase_due(enum cst_phase *next, int64_t *at_ms, const struct cst_schedule *s,
                   enum cst_phase announced, int64_t now_ms)
{
    struct cst_state st;

    cst_state_at(&st, s, now_ms);
    if (st.phase == announced)
        return false;
    if (st.phase < announced) {
        *next = st.phase;
        *at_ms = now_ms;
        return true;
    }
    for (int p = (int)announced + 1; p <= (int)st.phase; p++) {
        if (entered_at(s, (enum cst_phase)p) != INT64_MAX) {
            *next = (enum cst_phase)p;
            *at_ms = entered_at(s, *next);
            return true;
        }
    }
    return false; /* cannot happen: the current phase is entered */
}

enum cst_priority cst_priority_for(bool in_contest, enum cst_tier tier, bool rejudge)
{
    if (rejudge)
        return CST_PRIO_REJUDGE;
    if (in_contest)
        return tier == CST_TIER_PAID ? CST_PRIO_CONTEST_PAID : CST_PRIO_CONTEST_FREE;
    return tier == CST_TIER_PAID ? CST_PRIO_PRACTICE_PAID : CST_PRIO_PRACTICE_FREE;
}
