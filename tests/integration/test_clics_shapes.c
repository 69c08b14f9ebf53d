/* SPDX-License-Identifier: MIT
 * test_clics_shapes.c - the CLICS Contest API's objects (docs/PROTOCOL.md,
 * "CLICS Contest API") on the fixture of clics_fixture.h: every
 * endpoint's shape (ids are strings, TIMEs and RELTIMEs by their regular
 * expressions, the required fields), single objects and what is not one
 * (404), the awards and the scoreboard.
 *
 * Usage: test_clics_shapes GAVEL-SERVER GAVEL EXAMPLES-DIR. Needs
 * GAVEL_PG_URL and GAVEL_REDIS_URL; exits 77 without them. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clics_fixture.h"
#include "banned.h"

static void test_shapes(void)
{
    static const char *const sub_keys[] = {"team_id", "problem_id", "language_id", NULL},
                             *const jud_keys[] = {"submission_id", "judgement_type_id?", NULL},
                             *const run_keys[] = {"judgement_id", "judgement_type_id", NULL},
                             *const clar_keys[] = {"from_team_id?", "to_team_id?", "reply_to_id?",
                                                   "problem_id?", NULL};
    cJSON *j, *o;
    const cJSON *it;
    char path[128];

    itest_step = "shapes";
    j = ct_get_json("", CT_ANON);
    ICHECK(!strcmp(cJSON_GetStringValue(ct_field(j, "version")), "2023-06"), "version");
    cJSON_Delete(j);

    j = ct_get_json("/contests", CT_ANON);
    ICHECK(cJSON_GetArraySize(j) == 2, "two contests");
    ct_ids_are_strings(j, NULL);
    cJSON_ArrayForEach(it, j)
    {
        ct_is_re(it, "start_time", &ct.re_time, false);
        ct_is_re(it, "duration", &ct.re_reltime, false);
        ct_is_re(it, "scoreboard_freeze_duration", &ct.re_reltime, true);
        ICHECK(cJSON_IsNumber(ct_field(it, "penalty_time")) && cJSON_IsString(ct_field(it, "name")),
               "contest fields");
    }
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "/contests/%lld", (long long)ct.live);
    j = ct_get_json(path, CT_ANON);
    ICHECK(!strcmp(cJSON_GetStringValue(ct_field(j, "id")), ct_idstr(ct.live)), "contest id");
    ICHECK(!strcmp(cJSON_GetStringValue(ct_field(j, "scoreboard_freeze_duration")), "2:00:00.000"),
           "freeze duration");
    cJSON_Delete(j);

    j = ct_coll("state", CT_ANON);
    ct_is_re(j, "started", &ct.re_time, false);
    ct_is_re(j, "frozen", &ct.re_time, false);
    ICHECK(cJSON_IsNull(ct_field(j, "ended")) && cJSON_IsNull(ct_field(j, "finalized")), "state");
    cJSON_Delete(j);

    j = ct_coll("judgement-types", CT_ANON);
    ct_ids_are_strings(j, NULL);
    ICHECK(ct_by_id(j, "id", "AC") && ct_by_id(j, "id", "WA") && ct_by_id(j, "id", "TLE") &&
               ct_by_id(j, "id", "RTE") && ct_by_id(j, "id", "CE") && ct_by_id(j, "id", "MLE") &&
               ct_by_id(j, "id", "OLE"),
           "judgement types");
    cJSON_ArrayForEach(it, j)
        ICHECK(cJSON_IsBool(ct_field(it, "penalty")) && cJSON_IsBool(ct_field(it, "solved")), "jt");
    cJSON_Delete(j);

    j = ct_coll("languages", CT_ANON);
    ct_ids_are_strings(j, NULL);
    ICHECK(ct_by_id(j, "id", "cpp") &&
               cJSON_IsArray(ct_field(ct_by_id(j, "id", "cpp"), "extensions")),
           "languages");
    cJSON_Delete(j);

    j = ct_coll("problems", CT_ANON);
    ct_ids_are_strings(j, NULL);
    ICHECK(cJSON_GetArraySize(j) == 2 && ct_by_id(j, "label", "A") && ct_by_id(j, "label", "B"),
           "problems");
    ICHECK(cJSON_IsNumber(ct_field(ct_by_id(j, "id", "pair-sum"), "time_limit")), "time_limit");
    cJSON_Delete(j);

    j = ct_coll("teams", CT_ANON);
    ct_ids_are_strings(j, NULL);
    ICHECK(cJSON_GetArraySize(j) == 2 && ct_by_id(j, "id", ct_idstr(ct.alice.id)) &&
               ct_by_id(j, "id", ct_idstr(ct.bob.id)),
           "teams: the hidden jury account is none");
    cJSON_Delete(j);
    j = ct_coll("organizations", CT_ANON);
    ICHECK(cJSON_IsArray(j), "organizations");
    cJSON_Delete(j);

    j = ct_coll("submissions", CT_COOKIE_ORG);
    ct_ids_are_strings(j, sub_keys);
    ICHECK(cJSON_GetArraySize(j) == 4 && !ct_by_id(j, "id", ct_idstr(ct.s_hidden)),
           "4 submissions");
    cJSON_ArrayForEach(it, j)
    {
        ct_is_re(it, "time", &ct.re_time, false);
        ct_is_re(it, "contest_time", &ct.re_reltime, false);
        ICHECK(cJSON_GetArraySize(ct_field(it, "files")) == 1, "jury: files");
    }
    o = (cJSON *)ct_by_id(j, "id", ct_idstr(ct.s_ac));
    ICHECK(!strcmp(cJSON_GetStringValue(ct_field(o, "contest_time")), "0:20:00.000"), "RELTIME");
    cJSON_Delete(j);

    j = ct_coll("judgements", CT_COOKIE_ORG);
    ct_ids_are_strings(j, jud_keys);
    ICHECK(cJSON_GetArraySize(j) == 4, "4 judgements");
    cJSON_ArrayForEach(it, j)
    {
        ct_is_re(it, "start_time", &ct.re_time, false);
        ct_is_re(it, "start_contest_time", &ct.re_reltime, false);
        ct_is_re(it, "end_time", &ct.re_time, true);
        ct_is_re(it, "end_contest_time", &ct.re_reltime, true);
    }
    ICHECK(ct_by_id(j, "submission_id", ct_idstr(ct.s_wa)) &&
               !strcmp(cJSON_GetStringValue(ct_field(
                           ct_by_id(j, "submission_id", ct_idstr(ct.s_wa)), "judgement_type_id")),
                       "WA"),
           "WA judgement");
    cJSON_Delete(j);

    j = ct_coll("runs", CT_COOKIE_ORG);
    ct_ids_are_strings(j, run_keys);
    ICHECK(cJSON_GetArraySize(j) == 4, "4 runs");
    cJSON_ArrayForEach(it, j)
    {
        ct_is_re(it, "time", &ct.re_time, false);
        ct_is_re(it, "contest_time", &ct.re_reltime, false);
        ICHECK(cJSON_IsNumber(ct_field(it, "ordinal")) && cJSON_IsNumber(ct_field(it, "run_time")),
               "run");
    }
    cJSON_Delete(j);

    j = ct_coll("clarifications", CT_COOKIE_ORG);
    ct_ids_are_strings(j, clar_keys);
    ICHECK(cJSON_GetArraySize(j) == 3, "question, its reply, a broadcast");
    cJSON_ArrayForEach(it, j)
    {
        ct_is_re(it, "time", &ct.re_time, false);
        ICHECK(cJSON_IsString(ct_field(it, "text")), "text");
    }
    cJSON_Delete(j);

    j = ct_coll("scoreboard", CT_ANON);
    ct_is_re(j, "time", &ct.re_time, false);
    ct_is_re(j, "contest_time", &ct.re_reltime, false);
    ICHECK(cJSON_IsObject(ct_field(j, "state")), "state");
    cJSON_ArrayForEach(it, ct_field(j, "rows"))
    {
        const cJSON *pr;

        ICHECK(cJSON_IsNumber(ct_field(it, "rank")), "rank");
        ct_is_id(it, "team_id");
        ICHECK(cJSON_IsNumber(ct_field(ct_field(it, "score"), "num_solved")) &&
                   cJSON_IsNumber(ct_field(ct_field(it, "score"), "total_time")),
               "score");
        ICHECK(cJSON_GetArraySize(ct_field(it, "problems")) == 2, "cells");
        cJSON_ArrayForEach(pr, ct_field(it, "problems"))
        {
            ct_is_id(pr, "problem_id");
            ICHECK(cJSON_IsNumber(ct_field(pr, "num_judged")) &&
                       cJSON_IsNumber(ct_field(pr, "num_pending")) &&
                       cJSON_IsBool(ct_field(pr, "solved")),
                   "cell");
        }
    }
    cJSON_Delete(j);

    /* Single objects, and what is not one. */
    snprintf(path, sizeof(path), "/contests/%lld/teams/%lld", (long long)ct.live,
             (long long)ct.alice.id);
    j = ct_get_json(path, CT_ANON);
    ICHECK(!strcmp(cJSON_GetStringValue(ct_field(j, "id")), ct_idstr(ct.alice.id)), "one team");
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "/contests/%lld/problems/pair-sum", (long long)ct.live);
    cJSON_Delete(ct_get_json(path, CT_ANON));
    snprintf(path, sizeof(path), "/contests/%lld/teams/999999", (long long)ct.live);
    ICHECK(ct_get_status(path, CT_ANON, NULL) == 404, "no such team");
    snprintf(path, sizeof(path), "/contests/%lld/nonsense", (long long)ct.live);
    ICHECK(ct_get_status(path, CT_ANON, NULL) == 404, "no such collection");
    ICHECK(ct_get_status("/contests/999999/problems", CT_ANON, NULL) == 404, "no such contest");
}

/* winner, first-to-solve per problem, and the medals the definition
 * gives ({1, 0, 2} here), in the public view. */
static void test_awards(void)
{
    const cJSON *it;
    cJSON *j, *o;

    itest_step = "awards";
    j = ct_coll("awards", CT_ANON);
    ct_ids_are_strings(j, NULL);
    o = (cJSON *)ct_by_id(j, "id", "winner");
    ICHECK(o && cJSON_GetArraySize(ct_field(o, "team_ids")) == 1 &&
               !strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(ct_field(o, "team_ids"), 0)),
                       ct_idstr(ct.alice.id)),
           "winner: alice");
    o = (cJSON *)ct_by_id(j, "id", "first-to-solve-pair-sum");
    ICHECK(o && !strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(ct_field(o, "team_ids"), 0)),
                        ct_idstr(ct.alice.id)),
           "first to solve A: alice");
    o = (cJSON *)ct_by_id(j, "id", "first-to-solve-circle-area");
    ICHECK(o && cJSON_GetArraySize(ct_field(o, "team_ids")) == 0,
           "public: nobody solved B (bob's solve is after the freeze)");
    /* medals {1, 0, 2}: gold for the first place, no silver award at all,
     * bronze for the next two places, never again the gold's team. */
    o = (cJSON *)ct_by_id(j, "id", "gold-medal");
    ICHECK(o && cJSON_GetArraySize(ct_field(o, "team_ids")) == 1 &&
               !strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(ct_field(o, "team_ids"), 0)),
                       ct_idstr(ct.alice.id)) &&
               !strcmp(cJSON_GetStringValue(ct_field(o, "citation")), "Gold medal"),
           "gold medal: alice");
    ICHECK(!ct_by_id(j, "id", "silver-medal"), "no silver medal award when none is configured");
    o = (cJSON *)ct_by_id(j, "id", "bronze-medal");
    ICHECK(o && cJSON_IsArray(ct_field(o, "team_ids")) &&
               cJSON_GetArraySize(ct_field(o, "team_ids")) <= 2,
           "a bronze medal award, at most two places");
    cJSON_ArrayForEach(it, ct_field(o, "team_ids"))
    {
        ICHECK(strcmp(cJSON_GetStringValue(it), ct_idstr(ct.alice.id)), "bronze for the gold's %s",
               cJSON_GetStringValue(it));
    }
    cJSON_Delete(j);
}

int main(int argc, char **argv)
{
    ct_setup(argc, argv, "clics_shapes");
    test_shapes();
    test_awards();
    ct_teardown();
    printf("test_clics_shapes: all passed\n");
    return 0;
}
