/* SPDX-License-Identifier: MIT
 * cst_rules.c - who may see and do what (cst.h), from facts db/ fetches.
 *
 * Each rule is here once, as a function of timestamps and flags, so that
 * every process and every query path answers alike and the rules are tested
 * without a database. */
#include "cst.h"

#include "banned.h"

int64_t cst_problem_readable_from(const struct cst_problem_facts *f)
{
    /* "In a contest that has started and in none that has not" is "the last
     * one has started". */
    if (f->ncontests)
        return f->last_start_ms;
    return f->is_public ? INT64_MIN : INT64_MAX;
}

bool cst_problem_readable(const struct cst_problem_facts *f, bool jury, int64_t now_ms)
{
    int64_t from = cst_problem_readable_from(f);

    return jury || (from != INT64_MAX && now_ms >= from);
}

bool cst_problem_listed(const struct cst_problem_facts *f, int64_t now_ms)
{
    return f->is_public && cst_problem_readable(f, false, now_ms);
}

bool cst_contest_problems_shown(const struct cst_schedule *s, bool jury, int64_t now_ms)
{
    return jury || now_ms >= s->starts_at;
}

enum cst_submit_check cst_submit_check(const struct cst_schedule *s, bool jury, bool registered,
                                       bool problem_in_contest, int64_t now_ms)
{
    struct cst_state st;

    if (!jury) {
        cst_state_at(&st, s, now_ms);
        if (st.phase != CST_PHASE_RUNNING && st.phase != CST_PHASE_FROZEN)
            return CST_SUBMIT_NOT_RUNNING;
        if (!registered)
            return CST_SUBMIT_NOT_REGISTERED;
    }
    return problem_in_contest ? CST_SUBMIT_OK : CST_SUBMIT_NOT_IN_CONTEST;
}

enum cst_register_check cst_register_check(const struct cst_schedule *s, bool open_registration,
                                           int64_t now_ms)
{
    if (now_ms >= s->ends_at)
        return CST_REGISTER_ENDED;
    return open_registration ? CST_REGISTER_OK : CST_REGISTER_BY_INVITATION;
}
