/* SPDX-License-Identifier: MIT
 * cst_schedule.c - contest phases derived from stored timestamps. */
#include "cst.h"

#include <assert.h>

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

enum cst_priority cst_priority_for(bool in_contest, enum cst_tier tier, bool rejudge)
{
    if (rejudge)
        return CST_PRIO_REJUDGE;
    if (in_contest)
        return tier == CST_TIER_PAID ? CST_PRIO_CONTEST_PAID : CST_PRIO_CONTEST_FREE;
    return tier == CST_TIER_PAID ? CST_PRIO_PRACTICE_PAID : CST_PRIO_PRACTICE_FREE;
}
