/* SPDX-License-Identifier: MIT
 * test_clics_api.c - the CLICS Contest API (docs/PROTOCOL.md, "CLICS
 * Contest API") end to end, on one gavel-server with a fresh database.
 *
 * A running contest past its freeze, with two problems, two teams and a
 * hidden jury account, submissions before and after the freeze whose
 * verdicts (judgings and per-test results) are written here as the judge
 * writes them, clarifications public and private; and a contest that has
 * not started. Every endpoint's shape is checked (ids are strings, TIMEs
 * and RELTIMEs by their regular expressions, the required fields), then
 * the access rules: the public sees a post-freeze attempt as pending and
 * none of its judgements or runs, no problem of a contest before its
 * start, no private clarification and no source; an organizer, by cookie
 * and by basic auth, sees all of it and the source as a zip; wrong or
 * malformed credentials are 401 with WWW-Authenticate: Basic.
 *
 * Usage: test_clics_api GAVEL-SERVER GAVEL EXAMPLES-DIR. Needs GAVEL_PG_URL
 * and GAVEL_REDIS_URL; exits 77 without them. */
#define _GNU_SOURCE
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cst_event.h"
#include "db.h"
#include "db_event.h"
#include "gv_alloc.h"
#include "gv_time.h"
#include "itest.h"
#include "itest_ws.h"
#include "banned.h"

static const char *server_path, *gavel_path, *examples;
static char pg_url[512], e_pg[600], e_queue[96], e_rate[96], e_port[40];
static struct db_pg *pg;
static struct db_redis *redis;
static char e_stream[96], e_keepalive[64], e_poll[64];
static int port;
static pid_t server;
static regex_t re_time, re_reltime;

struct user {
    const char *name;
    char token[80];
    int64_t id;
};
static struct user org = {.name = "org"}, alice = {.name = "alice"}, bob = {.name = "bob"},
                   tester = {.name = "jury-tester"};
static int64_t live, future;                        /* contests */
static int64_t s_wa, s_ac, s_late, s_bob, s_hidden; /* submissions */

/* --- Store ------------------------------------------------------------------ */

__attribute__((format(printf, 1, 2))) static void sqlf(const char *fmt, ...)
{
    char q[4096];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(q, sizeof(q), fmt, ap);
    va_end(ap);
    ICHECK(db_pg_exec_script(pg, q) == 0, "%s: %s", q, db_pg_last_error(pg));
}

__attribute__((format(printf, 1, 2))) static int64_t sql_int(const char *fmt, ...)
{
    char q[4096], *v = NULL;
    int64_t n;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(q, sizeof(q), fmt, ap);
    va_end(ap);
    ICHECK(db_pg_query_value(&v, pg, q, 0, NULL) == 0 && v, "%s: %s", q, db_pg_last_error(pg));
    n = strtoll(v, NULL, 10);
    gv_free(v);
    return n;
}

/* A judged submission as the judge leaves it: the submission's verdict, a
 * valid judging and one per-test result. `minute` after the live
 * contest's start. */
static int64_t judged(const struct user *u, const char *slug, int minute, const char *verdict)
{
    static int n;
    char src[64], hex[65];
    int64_t id;

    snprintf(src, sizeof(src), "int main(void) { return %d; }\n", n++);
    ICHECK(db_blob_put(hex, pg, src, strlen(src)) == 0, "blob: %s", db_pg_last_error(pg));
    id = sql_int("INSERT INTO submissions (user_id, problem_id, problem_version_id, contest_id, "
                 "language, source_blob, source_size, status, verdict, created_at, judged_at) "
                 "SELECT %lld, p.id, pv.id, %lld, 'c', decode('%s', 'hex'), %zu, 'judged', '%s', "
                 "c.starts_at + interval '%d minutes', c.starts_at + interval '%d minutes 5 "
                 "seconds' FROM problems p JOIN problem_versions pv ON pv.problem_id = p.id AND "
                 "pv.version = p.current_version, contests c WHERE p.slug = '%s' AND c.id = %lld "
                 "RETURNING id",
                 (long long)u->id, (long long)live, hex, strlen(src), verdict, minute, minute, slug,
                 (long long)live);
    sqlf("WITH j AS (INSERT INTO judgings (submission_id, judge_host, verdict, max_time_ms, "
         "started_at, finished_at) SELECT id, 'itest', verdict, 120, judged_at - interval '4 "
         "seconds', judged_at FROM submissions WHERE id = %lld RETURNING id) INSERT INTO "
         "judging_tests (judging_id, test_case_id, verdict, cpu_ms, wall_ms, memory_kb) SELECT "
         "j.id, tc.id, '%s', 120, 130, 2048 FROM j, submissions s JOIN test_cases tc ON "
         "tc.problem_version_id = s.problem_version_id AND tc.ordinal = 1 WHERE s.id = %lld",
         (long long)id, verdict, (long long)id);
    return id;
}

/* The verdict's row of the event log and its live entry, as gavel-judge
 * records them (db_judging_finish, then db_event_publish), with the shared
 * encoder. */
static void verdict_event(int64_t sid, const char *verdict)
{
    struct cst_event ev;
    int err;

    cst_event_init(&ev, CST_EVENT_JUDGING_VERDICT);
    ev.submission_id = sid;
    ev.contest_id = live;
    ev.user_id = sql_int("SELECT user_id FROM submissions WHERE id = %lld", (long long)sid);
    ev.u.verdict.problem_id =
        sql_int("SELECT problem_id FROM submissions WHERE id = %lld", (long long)sid);
    ev.u.verdict.judging_id =
        sql_int("SELECT max(id) FROM judgings WHERE submission_id = %lld", (long long)sid);
    snprintf(ev.u.verdict.verdict, sizeof(ev.u.verdict.verdict), "%s", verdict);
    ev.u.verdict.score = !strcmp(verdict, "AC");
    ev.u.verdict.max_time_ms = 120;
    ev.u.verdict.max_memory_kb = 2048;
    err = db_event_record(NULL, pg, redis, &ev);
    ICHECK(err == 0, "verdict event of %lld: %d %s", (long long)sid, err, db_pg_last_error(pg));
    cst_event_release(&ev);
}

/* --- HTTP ------------------------------------------------------------------- */

enum auth { ANON, COOKIE_ORG, BASIC_ORG, BASIC_ALICE, BASIC_WRONG, BASIC_MALFORMED };

static void b64(char *out, const char *in)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), o = 0;

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = '\0';
}

static void auth_header(char extra[256], enum auth a)
{
    char enc[128];

    extra[0] = '\0';
    switch (a) {
    case ANON:
        break;
    case COOKIE_ORG:
        snprintf(extra, 256, "Cookie: gavel_session=%s\r\n", org.token);
        break;
    case BASIC_ORG:
    case BASIC_ALICE:
    case BASIC_WRONG:
        b64(enc, a == BASIC_ORG     ? "org:secret-pw"
                 : a == BASIC_ALICE ? "alice:secret-pw"
                                    : "org:not-the-password");
        snprintf(extra, 256, "Authorization: Basic %s\r\n", enc);
        break;
    case BASIC_MALFORMED:
        snprintf(extra, 256, "Authorization: Bearer abc\r\n");
        break;
    }
}

static void get(struct itest_http *r, const char *path, enum auth a)
{
    char extra[256], full[300];

    auth_header(extra, a);
    snprintf(full, sizeof(full), "/api/clics%s", path);
    itest_http_get_with(r, port, full, extra);
}

/* GET `path` as `a`: the JSON body of a 200. */
static cJSON *get_json(const char *path, enum auth a)
{
    struct itest_http r;
    cJSON *j;

    get(&r, path, a);
    ICHECK(r.status == 200, "GET %s (auth %d): %d %s", path, (int)a, r.status, r.body);
    j = cJSON_Parse(r.body);
    ICHECK(j, "GET %s: not JSON: %s", path, r.body);
    itest_http_release(&r);
    return j;
}

static int get_status(const char *path, enum auth a, bool *www_auth)
{
    struct itest_http r;
    char v[128];
    int st;

    get(&r, path, a);
    st = r.status;
    if (www_auth)
        *www_auth =
            itest_header(r.head, "www-authenticate", v, sizeof(v)) && !strncmp(v, "Basic", 5);
    itest_http_release(&r);
    return st;
}

/* --- Shapes ----------------------------------------------------------------- */

static const cJSON *field(const cJSON *o, const char *key)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, key);

    ICHECK(f, "no \"%s\" in %s", key, cJSON_PrintUnformatted(o));
    return f;
}

static void is_id(const cJSON *o, const char *key)
{
    ICHECK(cJSON_IsString(field(o, key)), "\"%s\" is not a string id", key);
}

static void is_re(const cJSON *o, const char *key, const regex_t *re, bool nullable)
{
    const cJSON *f = field(o, key);

    if (nullable && cJSON_IsNull(f))
        return;
    ICHECK(cJSON_IsString(f) && regexec(re, f->valuestring, 0, NULL, 0) == 0,
           "\"%s\" is not of its format: %s", key, cJSON_PrintUnformatted(f));
}

/* Every element of `arr` has a string "id" and string ids `keys`
 * (NULL-terminated; a key ending in '?' may be null). */
static void ids_are_strings(const cJSON *arr, const char *const *keys)
{
    const cJSON *o;

    ICHECK(cJSON_IsArray(arr), "not an array");
    cJSON_ArrayForEach(o, arr)
    {
        is_id(o, "id");
        for (size_t i = 0; keys && keys[i]; i++) {
            size_t n = strlen(keys[i]);
            char k[64];

            snprintf(k, sizeof(k), "%.*s", (int)(keys[i][n - 1] == '?' ? n - 1 : n), keys[i]);
            if (keys[i][n - 1] == '?' && cJSON_IsNull(field(o, k)))
                continue;
            is_id(o, k);
        }
    }
}

static const cJSON *by_id(const cJSON *arr, const char *key, const char *want)
{
    const cJSON *o;

    cJSON_ArrayForEach(o, arr)
    {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
        if (v && !strcmp(v, want))
            return o;
    }
    return NULL;
}

static char *idstr(int64_t id)
{
    static char buf[4][24];
    static int k;

    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%lld", (long long)id);
    return buf[k];
}

static cJSON *coll(const char *name, enum auth a)
{
    char path[128];

    snprintf(path, sizeof(path), "/contests/%lld/%s", (long long)live, name);
    return get_json(path, a);
}

/* --- Steps ------------------------------------------------------------------ */

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
    j = get_json("", ANON);
    ICHECK(!strcmp(cJSON_GetStringValue(field(j, "version")), "2023-06"), "version");
    cJSON_Delete(j);

    j = get_json("/contests", ANON);
    ICHECK(cJSON_GetArraySize(j) == 2, "two contests");
    ids_are_strings(j, NULL);
    cJSON_ArrayForEach(it, j)
    {
        is_re(it, "start_time", &re_time, false);
        is_re(it, "duration", &re_reltime, false);
        is_re(it, "scoreboard_freeze_duration", &re_reltime, true);
        ICHECK(cJSON_IsNumber(field(it, "penalty_time")) && cJSON_IsString(field(it, "name")),
               "contest fields");
    }
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "/contests/%lld", (long long)live);
    j = get_json(path, ANON);
    ICHECK(!strcmp(cJSON_GetStringValue(field(j, "id")), idstr(live)), "contest id");
    ICHECK(!strcmp(cJSON_GetStringValue(field(j, "scoreboard_freeze_duration")), "2:00:00.000"),
           "freeze duration");
    cJSON_Delete(j);

    j = coll("state", ANON);
    is_re(j, "started", &re_time, false);
    is_re(j, "frozen", &re_time, false);
    ICHECK(cJSON_IsNull(field(j, "ended")) && cJSON_IsNull(field(j, "finalized")), "state");
    cJSON_Delete(j);

    j = coll("judgement-types", ANON);
    ids_are_strings(j, NULL);
    ICHECK(by_id(j, "id", "AC") && by_id(j, "id", "WA") && by_id(j, "id", "TLE") &&
               by_id(j, "id", "RTE") && by_id(j, "id", "CE") && by_id(j, "id", "MLE") &&
               by_id(j, "id", "OLE"),
           "judgement types");
    cJSON_ArrayForEach(it, j)
        ICHECK(cJSON_IsBool(field(it, "penalty")) && cJSON_IsBool(field(it, "solved")), "jt");
    cJSON_Delete(j);

    j = coll("languages", ANON);
    ids_are_strings(j, NULL);
    ICHECK(by_id(j, "id", "cpp") && cJSON_IsArray(field(by_id(j, "id", "cpp"), "extensions")),
           "languages");
    cJSON_Delete(j);

    j = coll("problems", ANON);
    ids_are_strings(j, NULL);
    ICHECK(cJSON_GetArraySize(j) == 2 && by_id(j, "label", "A") && by_id(j, "label", "B"),
           "problems");
    ICHECK(cJSON_IsNumber(field(by_id(j, "id", "pair-sum"), "time_limit")), "time_limit");
    cJSON_Delete(j);

    j = coll("teams", ANON);
    ids_are_strings(j, NULL);
    ICHECK(cJSON_GetArraySize(j) == 2 && by_id(j, "id", idstr(alice.id)) &&
               by_id(j, "id", idstr(bob.id)),
           "teams: the hidden jury account is none");
    cJSON_Delete(j);
    j = coll("organizations", ANON);
    ICHECK(cJSON_IsArray(j), "organizations");
    cJSON_Delete(j);

    j = coll("submissions", COOKIE_ORG);
    ids_are_strings(j, sub_keys);
    ICHECK(cJSON_GetArraySize(j) == 4 && !by_id(j, "id", idstr(s_hidden)), "4 submissions");
    cJSON_ArrayForEach(it, j)
    {
        is_re(it, "time", &re_time, false);
        is_re(it, "contest_time", &re_reltime, false);
        ICHECK(cJSON_GetArraySize(field(it, "files")) == 1, "jury: files");
    }
    o = (cJSON *)by_id(j, "id", idstr(s_ac));
    ICHECK(!strcmp(cJSON_GetStringValue(field(o, "contest_time")), "0:20:00.000"), "RELTIME");
    cJSON_Delete(j);

    j = coll("judgements", COOKIE_ORG);
    ids_are_strings(j, jud_keys);
    ICHECK(cJSON_GetArraySize(j) == 4, "4 judgements");
    cJSON_ArrayForEach(it, j)
    {
        is_re(it, "start_time", &re_time, false);
        is_re(it, "start_contest_time", &re_reltime, false);
        is_re(it, "end_time", &re_time, true);
        is_re(it, "end_contest_time", &re_reltime, true);
    }
    ICHECK(by_id(j, "submission_id", idstr(s_wa)) &&
               !strcmp(cJSON_GetStringValue(
                           field(by_id(j, "submission_id", idstr(s_wa)), "judgement_type_id")),
                       "WA"),
           "WA judgement");
    cJSON_Delete(j);

    j = coll("runs", COOKIE_ORG);
    ids_are_strings(j, run_keys);
    ICHECK(cJSON_GetArraySize(j) == 4, "4 runs");
    cJSON_ArrayForEach(it, j)
    {
        is_re(it, "time", &re_time, false);
        is_re(it, "contest_time", &re_reltime, false);
        ICHECK(cJSON_IsNumber(field(it, "ordinal")) && cJSON_IsNumber(field(it, "run_time")),
               "run");
    }
    cJSON_Delete(j);

    j = coll("clarifications", COOKIE_ORG);
    ids_are_strings(j, clar_keys);
    ICHECK(cJSON_GetArraySize(j) == 3, "question, its reply, a broadcast");
    cJSON_ArrayForEach(it, j)
    {
        is_re(it, "time", &re_time, false);
        ICHECK(cJSON_IsString(field(it, "text")), "text");
    }
    cJSON_Delete(j);

    j = coll("awards", ANON);
    ids_are_strings(j, NULL);
    o = (cJSON *)by_id(j, "id", "winner");
    ICHECK(o && cJSON_GetArraySize(field(o, "team_ids")) == 1 &&
               !strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(field(o, "team_ids"), 0)),
                       idstr(alice.id)),
           "winner: alice");
    o = (cJSON *)by_id(j, "id", "first-to-solve-pair-sum");
    ICHECK(o && !strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(field(o, "team_ids"), 0)),
                        idstr(alice.id)),
           "first to solve A: alice");
    o = (cJSON *)by_id(j, "id", "first-to-solve-circle-area");
    ICHECK(o && cJSON_GetArraySize(field(o, "team_ids")) == 0,
           "public: nobody solved B (bob's solve is after the freeze)");
    /* medals {1, 0, 2}: gold for the first place, no silver award at all,
     * bronze for the next two places, never again the gold's team. */
    o = (cJSON *)by_id(j, "id", "gold-medal");
    ICHECK(o && cJSON_GetArraySize(field(o, "team_ids")) == 1 &&
               !strcmp(cJSON_GetStringValue(cJSON_GetArrayItem(field(o, "team_ids"), 0)),
                       idstr(alice.id)) &&
               !strcmp(cJSON_GetStringValue(field(o, "citation")), "Gold medal"),
           "gold medal: alice");
    ICHECK(!by_id(j, "id", "silver-medal"), "no silver medal award when none is configured");
    o = (cJSON *)by_id(j, "id", "bronze-medal");
    ICHECK(o && cJSON_IsArray(field(o, "team_ids")) &&
               cJSON_GetArraySize(field(o, "team_ids")) <= 2,
           "a bronze medal award, at most two places");
    cJSON_ArrayForEach(it, field(o, "team_ids"))
    {
        ICHECK(strcmp(cJSON_GetStringValue(it), idstr(alice.id)), "bronze for the gold's %s",
               cJSON_GetStringValue(it));
    }
    cJSON_Delete(j);

    j = coll("scoreboard", ANON);
    is_re(j, "time", &re_time, false);
    is_re(j, "contest_time", &re_reltime, false);
    ICHECK(cJSON_IsObject(field(j, "state")), "state");
    cJSON_ArrayForEach(it, field(j, "rows"))
    {
        const cJSON *pr;

        ICHECK(cJSON_IsNumber(field(it, "rank")), "rank");
        is_id(it, "team_id");
        ICHECK(cJSON_IsNumber(field(field(it, "score"), "num_solved")) &&
                   cJSON_IsNumber(field(field(it, "score"), "total_time")),
               "score");
        ICHECK(cJSON_GetArraySize(field(it, "problems")) == 2, "cells");
        cJSON_ArrayForEach(pr, field(it, "problems"))
        {
            is_id(pr, "problem_id");
            ICHECK(cJSON_IsNumber(field(pr, "num_judged")) &&
                       cJSON_IsNumber(field(pr, "num_pending")) &&
                       cJSON_IsBool(field(pr, "solved")),
                   "cell");
        }
    }
    cJSON_Delete(j);

    /* Single objects, and what is not one. */
    snprintf(path, sizeof(path), "/contests/%lld/teams/%lld", (long long)live, (long long)alice.id);
    j = get_json(path, ANON);
    ICHECK(!strcmp(cJSON_GetStringValue(field(j, "id")), idstr(alice.id)), "one team");
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "/contests/%lld/problems/pair-sum", (long long)live);
    cJSON_Delete(get_json(path, ANON));
    snprintf(path, sizeof(path), "/contests/%lld/teams/999999", (long long)live);
    ICHECK(get_status(path, ANON, NULL) == 404, "no such team");
    snprintf(path, sizeof(path), "/contests/%lld/nonsense", (long long)live);
    ICHECK(get_status(path, ANON, NULL) == 404, "no such collection");
    ICHECK(get_status("/contests/999999/problems", ANON, NULL) == 404, "no such contest");
}

/* A cell of the scoreboard: team `team`, problem `prob`. */
static const cJSON *cell(const cJSON *board, int64_t team, const char *prob)
{
    const cJSON *row = by_id(field(board, "rows"), "team_id", idstr(team));

    ICHECK(row, "no row for %lld", (long long)team);
    return by_id(field(row, "problems"), "problem_id", prob);
}

static void test_public_view(enum auth a)
{
    cJSON *j;
    const cJSON *c, *it;
    char path[160];
    bool www = false;

    itest_step = a == ANON ? "public view" : "a contestant's view (basic auth)";
    /* The post-freeze solve is pending on the public board. */
    j = coll("scoreboard", a);
    c = cell(j, bob.id, "circle-area");
    ICHECK(c && !cJSON_IsTrue(field(c, "solved")) && itest_num(c, "num_pending") == 1,
           "bob's late solve is pending: %s", cJSON_PrintUnformatted(c));
    c = cell(j, alice.id, "pair-sum");
    ICHECK(c && cJSON_IsTrue(field(c, "solved")) && itest_num(c, "num_judged") == 2,
           "alice's solve before the freeze shows");
    cJSON_Delete(j);
    /* Its submission is listed, without a file; its judgement and run are not. */
    j = coll("submissions", a);
    ICHECK(cJSON_GetArraySize(j) == 4 && by_id(j, "id", idstr(s_late)), "submissions listed");
    cJSON_ArrayForEach(it, j)
        ICHECK(cJSON_GetArraySize(field(it, "files")) == 0, "public: no files");
    cJSON_Delete(j);
    j = coll("judgements", a);
    ICHECK(cJSON_GetArraySize(j) == 3 && !by_id(j, "submission_id", idstr(s_late)),
           "public: no judgement of a post-freeze attempt: %s", cJSON_PrintUnformatted(j));
    cJSON_Delete(j);
    j = coll("runs", a);
    ICHECK(cJSON_GetArraySize(j) == 3, "public: no run of a post-freeze attempt");
    cJSON_Delete(j);
    /* Only the public clarification, and not who asked. */
    j = coll("clarifications", a);
    ICHECK(cJSON_GetArraySize(j) == 1 &&
               cJSON_IsNull(field(cJSON_GetArrayItem(j, 0), "from_team_id")),
           "public: the broadcast only: %s", cJSON_PrintUnformatted(j));
    cJSON_Delete(j);
    /* No source. */
    snprintf(path, sizeof(path), "/contests/%lld/submissions/%lld/files", (long long)live,
             (long long)s_ac);
    ICHECK(get_status(path, a, &www) == 401 && www, "public: no source, 401 Basic");
    /* The contest that has not started shows no problem. */
    snprintf(path, sizeof(path), "/contests/%lld/problems", (long long)future);
    j = get_json(path, a);
    ICHECK(cJSON_GetArraySize(j) == 0, "public: no problem before the start");
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "/contests/%lld/problems/pair-sum", (long long)future);
    ICHECK(get_status(path, a, NULL) == 404, "public: no single problem before the start");
    snprintf(path, sizeof(path), "/contests/%lld/scoreboard", (long long)future);
    j = get_json(path, a);
    ICHECK(cJSON_GetArraySize(field(cJSON_GetArrayItem(field(j, "rows"), 0), "problems")) == 0,
           "public: no column before the start");
    cJSON_Delete(j);
}

static void test_jury_view(enum auth a)
{
    struct itest_http r;
    cJSON *j;
    const cJSON *c;
    char path[160], v[64], clen[32];

    itest_step = a == COOKIE_ORG ? "jury view (cookie)" : "jury view (basic auth)";
    j = coll("scoreboard", a);
    c = cell(j, bob.id, "circle-area");
    ICHECK(c && cJSON_IsTrue(field(c, "solved")) && itest_num(c, "num_pending") == 0,
           "jury: bob's late solve counts");
    cJSON_Delete(j);
    j = coll("judgements", a);
    ICHECK(cJSON_GetArraySize(j) == 4 && by_id(j, "submission_id", idstr(s_late)), "jury: all");
    cJSON_Delete(j);
    j = coll("runs", a);
    ICHECK(cJSON_GetArraySize(j) == 4, "jury: all runs");
    cJSON_Delete(j);
    j = coll("clarifications", a);
    ICHECK(cJSON_GetArraySize(j) == 3 && by_id(j, "from_team_id", idstr(alice.id)),
           "jury: every clarification, with who asked");
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "/contests/%lld/problems", (long long)future);
    j = get_json(path, a);
    ICHECK(cJSON_GetArraySize(j) == 1, "jury: the problem before the start");
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "/contests/%lld/submissions/%lld/files", (long long)live,
             (long long)s_ac);
    get(&r, path, a);
    ICHECK(r.status == 200 && itest_header(r.head, "content-length", clen, sizeof(clen)),
           "jury: the source: %d", r.status);
    ICHECK(itest_header(r.head, "content-type", v, sizeof(v)) && !strcmp(v, "application/zip") &&
               strtol(clen, NULL, 10) > 4 && !memcmp(r.body, "PK\3\4", 4) &&
               memmem(r.body, (size_t)strtol(clen, NULL, 10), "main.c", 6),
           "jury: the source as a zip: %d %s", r.status, v);
    itest_http_release(&r);
}

/* The event feed's snapshot: NDJSON notifications of every object the
 * view sees, tokens in order, resumable by ?since_token=. */
static char nth_token[64]; /* feed(): the 5th line's token */

static int feed(enum auth a, const char *query, bool *late_judged)
{
    struct itest_http r;
    char path[160], v[64], *line, *save = NULL;
    int n = 0;

    snprintf(path, sizeof(path), "/contests/%lld/event-feed?stream=false%s", (long long)live, query);
    get(&r, path, a);
    ICHECK(r.status == 200 && itest_header(r.head, "content-type", v, sizeof(v)) &&
               !strcmp(v, "application/x-ndjson"),
           "event feed: %d", r.status);
    *late_judged = false;
    for (line = strtok_r(r.body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *j = cJSON_Parse(line);
        const cJSON *t;

        ICHECK(j && cJSON_IsString(field(j, "type")) && cJSON_IsObject(field(j, "data")) &&
                   cJSON_IsString(field(j, "token")),
               "notification: %s", line);
        t = field(j, "type");
        ICHECK(!strcmp(t->valuestring, "state") || cJSON_IsString(field(j, "id")), "id: %s", line);
        if (!strcmp(t->valuestring, "judgements") &&
            !strcmp(cJSON_GetStringValue(field(field(j, "data"), "submission_id")), idstr(s_late)))
            *late_judged = true;
        if (++n == 5)
            snprintf(nth_token, sizeof(nth_token), "%s", field(j, "token")->valuestring);
        cJSON_Delete(j);
    }
    itest_http_release(&r);
    return n;
}

static void test_event_feed(void)
{
    bool late = true;
    char q[96];
    int all, pub;

    itest_step = "event feed";
    pub = feed(ANON, "", &late);
    ICHECK(!late, "public feed: no judgement of the post-freeze attempt");
    all = feed(BASIC_ORG, "", &late);
    ICHECK(late && all > pub, "jury feed: every judgement");
    snprintf(q, sizeof(q), "&since_token=%s", nth_token);
    /* The 5th line is inside the snapshot: resuming there restarts it
     * (test_feed_resume checks the log's tokens). */
    ICHECK(feed(BASIC_ORG, q, &late) == all, "a snapshot token restarts the snapshot");
}

/* The round trip: the jury's feed, replayed by `gavel contest replay`,
 * gives the jury's scoreboard (solved and time of every team). */
static void test_feed_replay(void)
{
    char path[160], feed_file[64], out_file[64];
    char *argv[] = {(char *)gavel_path, "contest", "replay", "--event-feed", feed_file, NULL};
    const char *env[] = {NULL};
    struct itest_http r;
    cJSON *api, *rep;
    const cJSON *row;
    FILE *f;
    char *text;
    long n;

    itest_step = "feed round trip";
    snprintf(feed_file, sizeof(feed_file), "/tmp/itest-clics-%d.ndjson", (int)getpid());
    snprintf(out_file, sizeof(out_file), "/tmp/itest-clics-%d.out", (int)getpid());
    snprintf(path, sizeof(path), "/contests/%lld/event-feed?stream=false", (long long)live);
    get(&r, path, BASIC_ORG);
    ICHECK(r.status == 200, "feed");
    f = fopen(feed_file, "w");
    ICHECK(f && fputs(r.body, f) >= 0 && fclose(f) == 0, "write %s", feed_file);
    itest_http_release(&r);
    unlink(out_file);
    ICHECK(itest_wait_exit(itest_spawn(argv, env, out_file), 30000) == 0, "replay failed");
    f = fopen(out_file, "r");
    ICHECK(f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0, "replay output");
    text = calloc(1, (size_t)n + 1);
    ICHECK(text && fseek(f, 0, SEEK_SET) == 0 && fread(text, 1, (size_t)n, f) == (size_t)n, "read");
    fclose(f);
    rep = cJSON_Parse(text);
    ICHECK(rep, "replay output is not JSON: %s", text);
    free(text);
    api = coll("scoreboard", BASIC_ORG);
    ICHECK(cJSON_GetArraySize(field(rep, "rows")) == cJSON_GetArraySize(field(api, "rows")),
           "rows");
    cJSON_ArrayForEach(row, field(api, "rows"))
    {
        const cJSON *other =
            by_id(field(rep, "rows"), "team_id", cJSON_GetStringValue(field(row, "team_id")));

        ICHECK(other &&
                   itest_num(field(row, "score"), "num_solved") ==
                       itest_num(field(other, "score"), "num_solved") &&
                   itest_num(field(row, "score"), "total_time") ==
                       itest_num(field(other, "score"), "total_time") &&
                   itest_num(row, "rank") == itest_num(other, "rank"),
               "replayed row differs: %s vs %s", cJSON_PrintUnformatted(row),
               cJSON_PrintUnformatted(other));
    }
    cJSON_Delete(api);
    cJSON_Delete(rep);
    unlink(feed_file);
    unlink(out_file);
}

/* --- The event feed from the log, streamed ------------------------------------ */

/* A one-shot feed (?stream=false) as its lines (gv_malloc'd, *n of them). */
static char **feed_lines(int *n, enum auth a, const char *since)
{
    struct itest_http r;
    char path[200], *line, *save = NULL, **lines = NULL;

    snprintf(path, sizeof(path), "/contests/%lld/event-feed?stream=false%s%s", (long long)live,
             since ? "&since_token=" : "", since ? since : "");
    get(&r, path, a);
    ICHECK(r.status == 200, "GET %s: %d %s", path, r.status, r.body);
    *n = 0;
    for (line = strtok_r(r.body, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        lines = realloc(lines, sizeof(*lines) * (size_t)(*n + 1));
        ICHECK(lines && (lines[*n] = strdup(line)), "oom");
        (*n)++;
    }
    itest_http_release(&r);
    return lines;
}

static void lines_free(char **lines, int n)
{
    for (int i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}

/* A notification's field as a string ("" when it is not one). */
static const char *nfield(const char *line, const char *key, char *out, size_t cap)
{
    cJSON *j = cJSON_Parse(line);
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, key));

    ICHECK(j, "notification is not JSON: %s", line);
    snprintf(out, cap, "%s", v ? v : "");
    cJSON_Delete(j);
    return out;
}

/* A log token's order: "<E>.<k>" is inside row E, "<E>" after all of it. */
static double token_key(const char *tok)
{
    char *end = NULL;
    double e = (double)strtoll(tok, &end, 10);

    return *end == '.' ? e + (double)strtoll(end + 1, NULL, 10) / 1e6 : e + 0.999999;
}

/* The snapshot ends at "<E>", the log's row it was taken at. Token "0"
 * (before the log's first row) is the whole log's part; resuming from any
 * of its tokens gives exactly the lines after it: no gap, no duplicate;
 * tokens increase. */
static void test_feed_resume(void)
{
    char tok[64], prev[64] = "", type[32];
    char **all, **rest;
    int n, m, verdict_lines = 0;

    itest_step = "feed resume";
    all = feed_lines(&n, BASIC_ORG, NULL);
    for (int i = 0; i < n; i++) {
        nfield(all[i], "token", tok, sizeof(tok));
        ICHECK((i == n - 1) == (tok[0] != 's'), "snapshot line %d of %d: token %s", i, n, tok);
    }
    /* A snapshot line's token restarts the snapshot. */
    nfield(all[2], "token", tok, sizeof(tok));
    rest = feed_lines(&m, BASIC_ORG, tok);
    ICHECK(m == n, "since_token=%s (snapshot): %d lines, want %d", tok, m, n);
    lines_free(rest, m);
    lines_free(all, n);

    all = feed_lines(&n, BASIC_ORG, "0");
    for (int i = 0; i < n; i++) {
        nfield(all[i], "token", tok, sizeof(tok));
        ICHECK(tok[0] != 's' && (!prev[0] || token_key(tok) > token_key(prev)),
               "tokens of the log increase: %s after %s", tok, prev);
        nfield(all[i], "type", type, sizeof(type));
        verdict_lines += !strcmp(type, "judgements");
        snprintf(prev, sizeof(prev), "%s", tok);
    }
    /* Four teams' verdicts (the hidden tester's makes none): a submission,
     * a judgement and a run each; and the phases the server's clock
     * logged (the start with the problems, the freeze). */
    ICHECK(n >= 12 && verdict_lines == 4, "the log: %d lines, %d judgements", n, verdict_lines);
    for (int k = 0; k < n; k++) {
        nfield(all[k], "token", tok, sizeof(tok));
        rest = feed_lines(&m, BASIC_ORG, tok);
        ICHECK(m == n - k - 1, "since_token=%s: %d lines, want %d", tok, m, n - k - 1);
        for (int i = 0; i < m; i++)
            ICHECK(!strcmp(rest[i], all[k + 1 + i]), "since_token=%s: line %d differs: %s vs %s",
                   tok, i, rest[i], all[k + 1 + i]);
        lines_free(rest, m);
    }
    lines_free(all, n);
    /* The public's log: the post-freeze attempt's submission, not its
     * judgement or run. */
    all = feed_lines(&n, ANON, "0");
    verdict_lines = 0;
    for (int i = 0; i < n; i++)
        verdict_lines += !strcmp(nfield(all[i], "type", type, sizeof(type)), "judgements");
    ICHECK(verdict_lines == 3, "the public's log: %d judgements, want 3", verdict_lines);
    lines_free(all, n);
    ICHECK(get_status("/contests/1/event-feed?stream=false&since_token=x1", ANON, NULL) == 400,
           "a malformed token is a 400");
}

/* A streamed feed: an HTTP connection that stays open. */
struct reader {
    int fd;
    char buf[1 << 16];
    size_t len;
};

static void reader_open(struct reader *rd, enum auth a, const char *since)
{
    char extra[256], req[1024], v[64];
    char *end;
    int64_t deadline = itest_now_ms() + 10000;

    auth_header(extra, a);
    rd->len = 0;
    rd->fd = itest_tcp_connect(port);
    ICHECK(rd->fd >= 0, "connect");
    snprintf(req, sizeof(req),
             "GET /api/clics/contests/%lld/event-feed%s%s HTTP/1.1\r\nHost: localhost\r\n%s\r\n",
             (long long)live, since ? "?since_token=" : "", since ? since : "", extra);
    ICHECK(write(rd->fd, req, strlen(req)) == (ssize_t)strlen(req), "send");
    while (!(end = memmem(rd->buf, rd->len, "\r\n\r\n", 4))) {
        struct pollfd p = {.fd = rd->fd, .events = POLLIN};
        ssize_t got;

        ICHECK(itest_now_ms() < deadline && poll(&p, 1, 1000) >= 0, "feed headers: timeout");
        got = read(rd->fd, rd->buf + rd->len, sizeof(rd->buf) - rd->len - 1);
        ICHECK(got > 0, "feed closed before its headers");
        rd->len += (size_t)got;
    }
    rd->buf[rd->len] = '\0';
    ICHECK(!strncmp(rd->buf, "HTTP/1.1 200", 12) && itest_header(rd->buf, "content-type", v,
                                                                 sizeof(v)) &&
               !strcmp(v, "application/x-ndjson") &&
               !itest_header(rd->buf, "content-length", v, sizeof(v)),
           "feed headers: %s", rd->buf);
    end += 4;
    rd->len -= (size_t)(end - rd->buf);
    memmove(rd->buf, end, rd->len);
}

/* The next line within `ms` ("" for a keep-alive); false on timeout. */
static bool reader_line(struct reader *rd, char *out, size_t cap, int ms)
{
    int64_t deadline = itest_now_ms() + ms;
    char *nl;

    while (!(nl = memchr(rd->buf, '\n', rd->len))) {
        struct pollfd p = {.fd = rd->fd, .events = POLLIN};
        int left = (int)(deadline - itest_now_ms());
        ssize_t got;

        if (left <= 0 || poll(&p, 1, left) <= 0)
            return false;
        got = read(rd->fd, rd->buf + rd->len, sizeof(rd->buf) - rd->len);
        ICHECK(got > 0, "the feed closed");
        rd->len += (size_t)got;
    }
    *nl = '\0';
    ICHECK((size_t)(nl - rd->buf) < cap, "a feed line of %zu bytes", (size_t)(nl - rd->buf));
    memcpy(out, rd->buf, (size_t)(nl - rd->buf) + 1);
    rd->len -= (size_t)(nl + 1 - rd->buf);
    memmove(rd->buf, nl + 1, rd->len);
    return true;
}

/* The next notification within `ms`, keep-alives skipped; false on
 * timeout. *keepalives counts the skipped ones. */
static bool reader_note(struct reader *rd, char *out, size_t cap, int ms, int *keepalives)
{
    int64_t deadline = itest_now_ms() + ms;

    for (;;) {
        int left = (int)(deadline - itest_now_ms());

        if (left <= 0 || !reader_line(rd, out, cap, left))
            return false;
        if (out[0])
            return true;
        ++*keepalives;
    }
}

/* The notifications of one verdict: exactly these (type, id) lines, in
 * this order, then nothing but keep-alives for a while. */
static void expect_notes(struct reader *rd, const char *const *want, int nwant, char *last_token)
{
    char line[8192], type[32], id[64];
    int ka = 0;

    for (int i = 0; i < nwant; i += 2) {
        ICHECK(reader_note(rd, line, sizeof(line), 10000, &ka), "no %s %s within 10 s", want[i],
               want[i + 1]);
        nfield(line, "type", type, sizeof(type));
        nfield(line, "id", id, sizeof(id));
        ICHECK(!strcmp(type, want[i]) && !strcmp(id, want[i + 1]), "got %s %s, want %s %s",
               type, id, want[i], want[i + 1]);
        nfield(line, "token", last_token, 64);
    }
    ICHECK(!reader_note(rd, line, sizeof(line), 1000, &ka), "unexpected notification: %s",
           line);
    /* GAVEL_CLICS_KEEPALIVE_MS is 300 here. */
    ICHECK(ka >= 1, "no keep-alive newline in a quiet second");
}

static void restart_server(void)
{
    char *argv[] = {(char *)server_path, NULL};
    const char *env[] = {e_port, e_pg, e_queue, e_rate, e_stream, e_keepalive, e_poll, NULL};
    int status;

    kill(server, SIGTERM);
    status = itest_wait_exit(server, 10000);
    ICHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0, "server exit %#x",
           status);
    server = 0;
    /* While it is down, the judge logs another verdict. */
    verdict_event(judged(&bob, "pair-sum", 118, "WA"), "WA");
    server = itest_spawn(argv, env, NULL);
    itest_wait_health(port, 200, NULL, 20000);
}

/* gavel_clics_feed_reads_total of the server's /metrics. */
static long feed_reads(void)
{
    struct itest_http r;
    const char *at;
    long n = -1;

    itest_http_get(&r, port, "/metrics");
    ICHECK(r.status == 200 && r.body, "/metrics -> %d", r.status);
    at = strstr(r.body, "\ngavel_clics_feed_reads_total ");
    ICHECK(at && sscanf(at + 1, "gavel_clics_feed_reads_total %ld", &n) == 1,
           "no gavel_clics_feed_reads_total in /metrics");
    itest_http_release(&r);
    return n;
}

static void test_feed_stream(void)
{
    struct reader jury, pub, more_pub[4];
    char **all, **rest, last[64], tok[64], line[8192];
    char sub[24], jdg[24], run[40];
    const char *want[6];
    int n, m, ka = 0;
    int64_t sid, jid;
    long reads;

    itest_step = "feed stream";
    all = feed_lines(&n, BASIC_ORG, NULL);
    nfield(all[n - 1], "token", last, sizeof(last));
    lines_free(all, n);
    reader_open(&jury, BASIC_ORG, last);
    reader_open(&pub, ANON, NULL);
    /* The public reader's backlog: the snapshot and the log so far. */
    for (m = 0; reader_note(&pub, line, sizeof(line), 1500, &ka); m++)
        ;
    ICHECK(m > 10, "public backlog: %d lines", m);
    /* More public readers, each through its backlog: caught up, all at
     * the same position. */
    for (int i = 0; i < 4; i++) {
        reader_open(&more_pub[i], ANON, NULL);
        while (reader_note(&more_pub[i], line, sizeof(line), 1500, &ka))
            ;
    }
    /* Idle for longer than lws's keep-alive timeout (5 s): still open,
     * with nothing but keep-alives. */
    ICHECK(!reader_note(&jury, line, sizeof(line), 6000, &ka), "unexpected: %s", line);
    ICHECK(ka >= 10, "%d keep-alives in 6 s", ka);

    /* A verdict before the freeze: both see it. */
    reads = feed_reads();
    sid = judged(&alice, "circle-area", 40, "WA");
    jid = sql_int("SELECT max(id) FROM judgings WHERE submission_id = %lld", (long long)sid);
    snprintf(sub, sizeof(sub), "%lld", (long long)sid);
    snprintf(jdg, sizeof(jdg), "%lld", (long long)jid);
    snprintf(run, sizeof(run), "%lld-1", (long long)jid);
    verdict_event(sid, "WA");
    want[0] = "submissions", want[1] = sub, want[2] = "judgements", want[3] = jdg;
    want[4] = "runs", want[5] = run;
    expect_notes(&jury, want, 6, last);
    expect_notes(&pub, want, 6, tok);
    ICHECK(!strcmp(last, tok), "the same token in both views: %s, %s", last, tok);
    for (int i = 0; i < 4; i++) {
        char t[64];

        expect_notes(&more_pub[i], want, 6, t);
        ICHECK(!strcmp(t, tok), "public reader %d: token %s, want %s", i, t, tok);
        close(more_pub[i].fd);
    }
    /* Six readers, two views: one read of the log per view, shared. */
    reads = feed_reads() - reads;
    ICHECK(reads == 2, "%ld reads of the log for one verdict and six readers, want 2", reads);

    /* One during the freeze: the public gets the submission only. */
    sid = judged(&bob, "pair-sum", 100, "AC");
    jid = sql_int("SELECT max(id) FROM judgings WHERE submission_id = %lld", (long long)sid);
    snprintf(sub, sizeof(sub), "%lld", (long long)sid);
    snprintf(jdg, sizeof(jdg), "%lld", (long long)jid);
    snprintf(run, sizeof(run), "%lld-1", (long long)jid);
    verdict_event(sid, "AC");
    expect_notes(&jury, want, 6, last);
    expect_notes(&pub, want, 2, tok);
    close(pub.fd);
    close(jury.fd);

    /* A restart, and a verdict logged while no server ran: resuming from
     * the last token gets exactly it. */
    itest_step = "feed after restart";
    restart_server();
    rest = feed_lines(&m, BASIC_ORG, last);
    ICHECK(m == 3, "after the restart: %d lines since %s, want 3", m, last);
    nfield(rest[0], "type", line, sizeof(line));
    ICHECK(!strcmp(line, "submissions"), "first: %s", rest[0]);
    nfield(rest[2], "token", tok, sizeof(tok));
    lines_free(rest, m);
    /* And streamed from there: nothing more until something happens. */
    reader_open(&jury, BASIC_ORG, tok);
    ICHECK(!reader_note(&jury, line, sizeof(line), 1000, &ka), "unexpected: %s", line);
    close(jury.fd);
}

static void test_credentials(void)
{
    char path[128];
    bool www = false;

    itest_step = "credentials";
    snprintf(path, sizeof(path), "/contests/%lld/teams", (long long)live);
    ICHECK(get_status(path, BASIC_WRONG, &www) == 401 && www, "wrong password: 401 Basic");
    www = false;
    ICHECK(get_status(path, BASIC_MALFORMED, &www) == 401 && www, "not basic: 401 Basic");
    ICHECK(get_status("/contests", BASIC_WRONG, NULL) == 401, "401 on every route");
}

/* --- Setup -------------------------------------------------------------------- */

static void import(const char *slug)
{
    char path[1024];
    char *argv[] = {(char *)gavel_path, "problem", "import", "--public", path, NULL};
    const char *env[] = {e_pg, NULL};

    snprintf(path, sizeof(path), "%s/%s", examples, slug);
    ICHECK(itest_wait_exit(itest_spawn(argv, env, "/dev/null"), 60000) == 0, "import %s", slug);
}

static void register_user(struct user *u)
{
    char req[200];
    int fd = itest_ws_open(port);
    cJSON *r;

    snprintf(req, sizeof(req),
             "{\"type\":\"register\",\"username\":\"%s\",\"password\":\"secret-pw\"}", u->name);
    r = itest_rpc(fd, req, "ok", NULL);
    snprintf(u->token, sizeof(u->token), "%s", itest_str(itest_data(r), "token"));
    u->id = (int64_t)itest_num(cJSON_GetObjectItemCaseSensitive(itest_data(r), "user"), "id");
    cJSON_Delete(r);
    close(fd);
}

static void setup(void)
{
    char *argv[] = {(char *)server_path, NULL};
    const char *env[] = {e_port, e_pg, e_queue, e_rate, e_stream, e_keepalive, e_poll, NULL};
    char why[256];
    int applied = 0;

    itest_step = "setup";
    ICHECK(regcomp(&re_time,
                   "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?"
                   "(Z|[+-][0-9]{2}(:?[0-9]{2})?)$",
                   REG_EXTENDED | REG_NOSUB) == 0 &&
               regcomp(&re_reltime, "^-?[0-9]+:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?$",
                       REG_EXTENDED | REG_NOSUB) == 0,
           "regcomp");
    itest_db_create(pg_url, sizeof(pg_url), "clics_api");
    snprintf(e_pg, sizeof(e_pg), "GAVEL_PG_URL=%s", pg_url);
    snprintf(e_queue, sizeof(e_queue), "GAVEL_QUEUE_PREFIX=itest:%d:clicsq", (int)getpid());
    snprintf(e_rate, sizeof(e_rate), "GAVEL_RATE_PREFIX=itest:%d:clicsrl", (int)getpid());
    /* A live stream of our own, shared with the server (db_event_publish
     * reads the same variable), and a short keep-alive. */
    snprintf(e_stream, sizeof(e_stream), "itest:%d:clicslive", (int)getpid());
    setenv("GAVEL_LIVE_STREAM", e_stream, 1);
    snprintf(e_stream, sizeof(e_stream), "GAVEL_LIVE_STREAM=itest:%d:clicslive", (int)getpid());
    /* A look at the log without a live event only after a long while:
     * a streamed notification must come from the live stream. */
    snprintf(e_keepalive, sizeof(e_keepalive), "GAVEL_CLICS_KEEPALIVE_MS=300");
    snprintf(e_poll, sizeof(e_poll), "GAVEL_CLICS_POLL_MS=600000");
    ICHECK(db_redis_open(&redis, getenv("GAVEL_REDIS_URL"), 2000, why, sizeof(why)) == 0, "%s",
           why);
    ICHECK(db_pg_open(&pg, pg_url, 5, why, sizeof(why)) == 0, "%s", why);
    ICHECK(db_migrate(&applied, pg) == 0, "migrate: %s", db_pg_last_error(pg));
    import("pair-sum");
    import("circle-area");

    port = itest_free_port();
    snprintf(e_port, sizeof(e_port), "GAVEL_HTTP_PORT=%d", port);
    server = itest_spawn(argv, env, NULL);
    itest_wait_health(port, 200, NULL, 20000);
    register_user(&org);
    register_user(&alice);
    register_user(&bob);
    register_user(&tester);
    sqlf("UPDATE users SET role = 'organizer' WHERE username = 'org'");

    /* Running for 2 hours, frozen for the last hour of 3. */
    live = sql_int("INSERT INTO contests (slug, title, starts_at, freezes_at, ends_at, medals) "
                   "VALUES ('live', 'Live Contest', now() - interval '2 hours', now() - interval "
                   "'1 hour', now() + interval '1 hour', '{1,0,2}') RETURNING id");
    future = sql_int("INSERT INTO contests (slug, title, starts_at, ends_at) VALUES ('later', "
                     "'Later Contest', now() + interval '1 hour', now() + interval '3 hours') "
                     "RETURNING id");
    sqlf("INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) SELECT %lld, id, "
         "CASE slug WHEN 'pair-sum' THEN 'A' ELSE 'B' END, CASE slug WHEN 'pair-sum' THEN 1 ELSE "
         "2 END FROM problems; INSERT INTO contest_problems (contest_id, problem_id, label, "
         "ordinal) SELECT %lld, id, 'A', 1 FROM problems WHERE slug = 'pair-sum'",
         (long long)live, (long long)future);
    sqlf("INSERT INTO participants (contest_id, user_id, is_hidden) VALUES (%lld, %lld, false), "
         "(%lld, %lld, false), (%lld, %lld, true), (%lld, %lld, false)",
         (long long)live, (long long)alice.id, (long long)live, (long long)bob.id, (long long)live,
         (long long)tester.id, (long long)future, (long long)alice.id);
    s_wa = judged(&alice, "pair-sum", 10, "WA");
    s_ac = judged(&alice, "pair-sum", 20, "AC");
    s_bob = judged(&bob, "pair-sum", 50, "AC");
    s_late = judged(&bob, "circle-area", 90, "AC"); /* the freeze is at 1:00 */
    s_hidden = judged(&tester, "circle-area", 5, "AC");
    /* Their verdicts' rows of the log, as the judge writes them. */
    verdict_event(s_wa, "WA");
    verdict_event(s_ac, "AC");
    verdict_event(s_bob, "AC");
    verdict_event(s_late, "AC");
    verdict_event(s_hidden, "AC");
    /* A private question answered privately, and a broadcast. */
    sqlf("INSERT INTO clarifications (contest_id, asked_by, question, answer, answered_by, "
         "is_public, answered_at) VALUES (%lld, %lld, 'Is n >= 1?', 'Yes.', %lld, false, now()), "
         "(%lld, NULL, NULL, 'Problem B: read the statement again.', %lld, true, now())",
         (long long)live, (long long)alice.id, (long long)org.id, (long long)live,
         (long long)org.id);
}

static void teardown(void)
{
    int status;

    itest_step = "shutdown";
    kill(server, SIGTERM);
    status = itest_wait_exit(server, 10000);
    ICHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "gavel-server exited with wait status %#x", status);
    regfree(&re_time);
    regfree(&re_reltime);
    db_redis_close(redis);
    db_pg_close(pg);
    itest_db_drop();
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: test_clics_api GAVEL-SERVER GAVEL EXAMPLES-DIR\n");
        return 2;
    }
    server_path = argv[1];
    gavel_path = argv[2];
    examples = argv[3];
    if (!getenv("GAVEL_PG_URL") || !getenv("GAVEL_REDIS_URL")) {
        fprintf(stderr, "skip: GAVEL_PG_URL and GAVEL_REDIS_URL are not set\n");
        return ITEST_SKIP;
    }
    itest_deadline(140);
    setup();
    test_shapes();
    test_public_view(ANON);
    test_public_view(BASIC_ALICE);
    test_jury_view(COOKIE_ORG);
    test_jury_view(BASIC_ORG);
    test_event_feed();
    test_feed_replay();
    test_feed_resume();
    test_feed_stream();
    test_credentials();
    teardown();
    itest_kill_all();
    printf("test_clics_api: all passed\n");
    return 0;
}
