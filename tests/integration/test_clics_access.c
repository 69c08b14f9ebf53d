/* SPDX-License-Identifier: MIT
 * test_clics_access.c - who sees what through the CLICS Contest API
 * (docs/PROTOCOL.md, "CLICS Contest API", "Access") on the fixture of
 * clics_fixture.h: the public (and a contestant) sees a post-freeze
 * attempt as pending and none of its judgements or runs, no problem of a
 * contest before its start, no private clarification and no source; an
 * organizer, by cookie and by basic auth, sees all of it and the source
 * as a zip; wrong or malformed credentials are 401 with WWW-Authenticate:
 * Basic (Bearer after a bearer token). API tokens (`gavel token`,
 * Authorization: Bearer): made, used, stored hashed, the user's current
 * role (a demoted organizer's token loses the jury's view at once),
 * expired, revoked, unknown, malformed. And the same rules outside the
 * CLICS API: a public answer's push does not name its asker; a
 * subscription to another team's submission ends with the right to it (a
 * logout and another login, a demotion); the catalogue's solve counts
 * leave out the freeze until the final standings.
 *
 * Usage: test_clics_access GAVEL-SERVER GAVEL EXAMPLES-DIR. Needs
 * GAVEL_PG_URL and GAVEL_REDIS_URL; exits 77 without them. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clics_fixture.h"
#include "db_contest.h"
#include "gv_time.h"
#include "itest_ws.h"
#include "banned.h"

/* A cell of the scoreboard: team `team`, problem `prob`. */
static const cJSON *cell(const cJSON *board, int64_t team, const char *prob)
{
    const cJSON *row = ct_by_id(ct_field(board, "rows"), "team_id", ct_idstr(team));

    ICHECK(row, "no row for %lld", (long long)team);
    return ct_by_id(ct_field(row, "problems"), "problem_id", prob);
}

static void test_public_view(enum ct_auth a)
{
    cJSON *j;
    const cJSON *c, *it;
    char path[160];
    bool www = false;

    itest_step = a == CT_ANON ? "public view" : "a contestant's view (basic auth)";
    /* The post-freeze solve is pending on the public board. */
    j = ct_coll("scoreboard", a);
    c = cell(j, ct.bob.id, "circle-area");
    ICHECK(c && !cJSON_IsTrue(ct_field(c, "solved")) && itest_num(c, "num_pending") == 1,
           "bob's late solve is pending: %s", cJSON_PrintUnformatted(c));
    c = cell(j, ct.alice.id, "pair-sum");
    ICHECK(c && cJSON_IsTrue(ct_field(c, "solved")) && itest_num(c, "num_judged") == 2,
           "alice's solve before the freeze shows");
    cJSON_Delete(j);
    /* Its submission is listed, without a file; its judgement and run are not. */
    j = ct_coll("submissions", a);
    ICHECK(cJSON_GetArraySize(j) == 4 && ct_by_id(j, "id", ct_idstr(ct.s_late)),
           "submissions listed");
    cJSON_ArrayForEach(it, j)
        ICHECK(cJSON_GetArraySize(ct_field(it, "files")) == 0, "public: no files");
    cJSON_Delete(j);
    j = ct_coll("judgements", a);
    ICHECK(cJSON_GetArraySize(j) == 3 && !ct_by_id(j, "submission_id", ct_idstr(ct.s_late)),
           "public: no judgement of a post-freeze attempt: %s", cJSON_PrintUnformatted(j));
    cJSON_Delete(j);
    j = ct_coll("runs", a);
    ICHECK(cJSON_GetArraySize(j) == 3, "public: no run of a post-freeze attempt");
    cJSON_Delete(j);
    /* Only the public clarification, and not who asked. */
    j = ct_coll("clarifications", a);
    ICHECK(cJSON_GetArraySize(j) == 1 &&
               cJSON_IsNull(ct_field(cJSON_GetArrayItem(j, 0), "from_team_id")),
           "public: the broadcast only: %s", cJSON_PrintUnformatted(j));
    cJSON_Delete(j);
    /* No source. */
    snprintf(path, sizeof(path), "/contests/%lld/submissions/%lld/files", (long long)ct.live,
             (long long)ct.s_ac);
    ICHECK(ct_get_status(path, a, &www) == 401 && www, "public: no source, 401 Basic");
    /* The contest that has not started shows no problem. */
    snprintf(path, sizeof(path), "/contests/%lld/problems", (long long)ct.future);
    j = ct_get_json(path, a);
    ICHECK(cJSON_GetArraySize(j) == 0, "public: no problem before the start");
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "/contests/%lld/problems/pair-sum", (long long)ct.future);
    ICHECK(ct_get_status(path, a, NULL) == 404, "public: no single problem before the start");
    snprintf(path, sizeof(path), "/contests/%lld/scoreboard", (long long)ct.future);
    j = ct_get_json(path, a);
    ICHECK(cJSON_GetArraySize(ct_field(cJSON_GetArrayItem(ct_field(j, "rows"), 0), "problems")) ==
               0,
           "public: no column before the start");
    cJSON_Delete(j);
}

static void test_jury_view(enum ct_auth a)
{
    struct itest_http r;
    cJSON *j;
    const cJSON *c;
    char path[160], v[64], clen[32];

    itest_step = a == CT_COOKIE_ORG ? "jury view (cookie)" : "jury view (basic auth)";
    j = ct_coll("scoreboard", a);
    c = cell(j, ct.bob.id, "circle-area");
    ICHECK(c && cJSON_IsTrue(ct_field(c, "solved")) && itest_num(c, "num_pending") == 0,
           "jury: bob's late solve counts");
    cJSON_Delete(j);
    j = ct_coll("judgements", a);
    ICHECK(cJSON_GetArraySize(j) == 4 && ct_by_id(j, "submission_id", ct_idstr(ct.s_late)),
           "jury: all");
    cJSON_Delete(j);
    j = ct_coll("runs", a);
    ICHECK(cJSON_GetArraySize(j) == 4, "jury: all runs");
    cJSON_Delete(j);
    j = ct_coll("clarifications", a);
    ICHECK(cJSON_GetArraySize(j) == 3 && ct_by_id(j, "from_team_id", ct_idstr(ct.alice.id)),
           "jury: every clarification, with who asked");
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "/contests/%lld/problems", (long long)ct.future);
    j = ct_get_json(path, a);
    ICHECK(cJSON_GetArraySize(j) == 1, "jury: the problem before the start");
    cJSON_Delete(j);
    snprintf(path, sizeof(path), "/contests/%lld/submissions/%lld/files", (long long)ct.live,
             (long long)ct.s_ac);
    ct_get(&r, path, a);
    ICHECK(r.status == 200 && itest_header(r.head, "content-length", clen, sizeof(clen)),
           "jury: the source: %d", r.status);
    ICHECK(itest_header(r.head, "content-type", v, sizeof(v)) && !strcmp(v, "application/zip") &&
               strtol(clen, NULL, 10) > 4 && !memcmp(r.body, "PK\3\4", 4) &&
               memmem(r.body, (size_t)strtol(clen, NULL, 10), "main.c", 6),
           "jury: the source as a zip: %d %s", r.status, v);
    itest_http_release(&r);
}

static void test_credentials(void)
{
    char path[128];
    bool www = false;

    itest_step = "credentials";
    snprintf(path, sizeof(path), "/contests/%lld/teams", (long long)ct.live);
    ICHECK(ct_get_status(path, CT_BASIC_WRONG, &www) == 401 && www, "wrong password: 401 Basic");
    www = false;
    ICHECK(ct_get_status(path, CT_BASIC_MALFORMED, &www) == 401 && www, "not basic: 401 Basic");
    ICHECK(ct_get_status("/contests", CT_BASIC_WRONG, NULL) == 401, "401 on every route");
}

/* --- API tokens ----------------------------------------------------------------- */

/* Runs `gavel ARGS...` against the fixture's database: its exit status;
 * its stdout's first line into `out` (when not NULL). */
static int gavel(char *out, size_t cap, char *const *args)
{
    char *argv[12], log[64], e_pg[600];
    const char *env[] = {e_pg, NULL};
    size_t n = 0;
    FILE *f;
    int status;

    argv[n++] = (char *)ct.gavel_path;
    while (*args && n < sizeof(argv) / sizeof(argv[0]) - 1)
        argv[n++] = *args++;
    argv[n] = NULL;
    snprintf(e_pg, sizeof(e_pg), "GAVEL_PG_URL=%s", ct.pg_url);
    snprintf(log, sizeof(log), "/tmp/itest-clics-token-%d.out", (int)getpid());
    unlink(log);
    status = itest_wait_exit(itest_spawn(argv, env, log), 30000);
    if (out) {
        out[0] = '\0';
        f = fopen(log, "r");
        ICHECK(f, "no output of gavel %s", argv[1]);
        if (!fgets(out, (int)cap, f))
            out[0] = '\0';
        out[strcspn(out, "\n")] = '\0';
        fclose(f);
    }
    unlink(log);
    ICHECK(status >= 0 && WIFEXITED(status), "gavel %s: wait status %#x", argv[1], status);
    return WEXITSTATUS(status);
}

/* A new token of `user`: `gavel token create`'s stdout, and its id. */
static int64_t token_create(char token[128], const char *user, const char *expires)
{
    char *args[] = {"token", "create",    "--user",        (char *)user, "--name",
                    "itest", "--expires", (char *)expires, NULL};

    ICHECK(gavel(token, 128, args) == 0, "gavel token create --user %s", user);
    ICHECK(strlen(token) == 68 && !strncmp(token, "gvt_", 4), "a token: '%s'", token);
    return itest_sql_int(ct.pg, "SELECT max(id) FROM api_tokens");
}

/* GET `path` with `Authorization: Bearer <token>`: the status, and the
 * error message of a 401 in `msg`. */
static int bearer_status(const char *path, const char *token, char *msg, size_t cap)
{
    struct itest_http r;
    char extra[256];
    int st;

    snprintf(extra, sizeof(extra), "Authorization: Bearer %s\r\n", token);
    ct_get_with(&r, path, extra);
    st = r.status;
    if (msg) {
        cJSON *j = cJSON_Parse(r.body ? r.body : "");
        const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "message"));

        char www[128];

        snprintf(msg, cap, "%s", m ? m : "");
        ICHECK(st != 401 || (j && m), "a 401 without a JSON message: %s", r.body);
        ICHECK(st != 401 || (itest_header(r.head, "www-authenticate", www, sizeof(www)) &&
                             !strncmp(www, "Bearer ", 7)),
               "a 401 to a bearer token without a Bearer challenge: %s", r.head);
        cJSON_Delete(j);
    }
    itest_http_release(&r);
    return st;
}

/* The judgements a token's holder sees: 4 for the jury, 3 for the public. */
static int bearer_judgements(const char *token)
{
    struct itest_http r;
    char extra[256], path[96];
    cJSON *j;
    int n;

    snprintf(path, sizeof(path), "/contests/%lld/judgements", (long long)ct.live);
    snprintf(extra, sizeof(extra), "Authorization: Bearer %s\r\n", token);
    ct_get_with(&r, path, extra);
    ICHECK(r.status == 200, "GET %s with a token: %d %s", path, r.status, r.body);
    j = cJSON_Parse(r.body);
    ICHECK(cJSON_IsArray(j), "judgements: %s", r.body);
    n = cJSON_GetArraySize(j);
    cJSON_Delete(j);
    itest_http_release(&r);
    return n;
}

static void test_tokens(void)
{
    char tok[128], alice_tok[128], old_tok[128], msg[256], files[128], id[24], out[512];
    char *list[] = {"token", "list", "--user", "org", NULL};
    char *revoke[] = {"token", "revoke", id, NULL};
    int64_t tid, old;

    itest_step = "api tokens";
    snprintf(files, sizeof(files), "/contests/%lld/submissions/%lld/files", (long long)ct.live,
             (long long)ct.s_ac);
    tid = token_create(tok, "org", "30d");
    /* Only its SHA-256 is stored. */
    ICHECK(itest_sql_int(ct.pg,
                         "SELECT count(*) FROM api_tokens WHERE id = %lld AND token_hash = "
                         "sha256(decode('%s', 'hex'))",
                         (long long)tid, tok + 4) == 1,
           "the token is stored as the SHA-256 of its bits");
    ICHECK(itest_sql_int(ct.pg,
                         "SELECT count(*) FROM api_tokens WHERE position(convert_to('%s', 'UTF8') "
                         "IN token_hash) > 0",
                         tok + 4) == 0,
           "the token itself is nowhere in the table");
    /* An organizer's token: the jury's view, sources included. */
    ICHECK(bearer_judgements(tok) == 4, "an organizer's token: the jury's view");
    ICHECK(bearer_status(files, tok, NULL, 0) == 200, "an organizer's token: the source");
    ICHECK(itest_sql_int(ct.pg,
                         "SELECT count(*) FROM api_tokens WHERE id = %lld AND last_used_at IS NOT "
                         "NULL",
                         (long long)tid) == 1,
           "last_used_at is set");
    ICHECK(gavel(out, sizeof(out), list) == 0 && strstr(out, "id"), "token list: %s", out);
    ICHECK(itest_sql_int(ct.pg,
                         "SELECT count(*) FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE "
                         "u.username = 'org' AND t.name = 'itest'") == 1,
           "the token's name and user");
    /* A contestant's token: the public view. */
    token_create(alice_tok, "alice", "never");
    ICHECK(bearer_judgements(alice_tok) == 3, "a contestant's token: the public view");
    ICHECK(bearer_status(files, alice_tok, msg, sizeof(msg)) == 401, "a contestant: no source");

    /* Demoted, the organizer's token loses the jury's view at once;
     * promoted again, it has it back: the role is read at every use. */
    itest_step = "api tokens: demotion";
    itest_sqlf(ct.pg, "UPDATE users SET role = 'contestant' WHERE username = 'org'");
    ICHECK(bearer_judgements(tok) == 3, "a demoted organizer's token: the public view");
    ICHECK(bearer_status(files, tok, msg, sizeof(msg)) == 401, "a demoted organizer: no source");
    itest_sqlf(ct.pg, "UPDATE users SET role = 'organizer' WHERE username = 'org'");
    ICHECK(bearer_judgements(tok) == 4, "promoted again: the jury's view");

    /* Expired: 401, and says so. */
    itest_step = "api tokens: expiry";
    old = token_create(old_tok, "org", "1d");
    ICHECK(bearer_judgements(old_tok) == 4, "a token before its expiry");
    itest_sqlf(ct.pg,
               "UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = %lld",
               (long long)old);
    ICHECK(bearer_status(files, old_tok, msg, sizeof(msg)) == 401 && strstr(msg, "expired"),
           "an expired token: 401 '%s'", msg);
    ICHECK(bearer_status("/contests", old_tok, msg, sizeof(msg)) == 401,
           "an expired token: 401 on every route");

    /* Revoked: 401 at once, and says so; a second revoke is an error. */
    itest_step = "api tokens: revoke";
    snprintf(id, sizeof(id), "%lld", (long long)tid);
    ICHECK(gavel(out, sizeof(out), revoke) == 0, "gavel token revoke %s: %s", id, out);
    ICHECK(bearer_status(files, tok, msg, sizeof(msg)) == 401 && strstr(msg, "revoked"),
           "a revoked token: 401 '%s'", msg);
    ICHECK(gavel(NULL, 0, revoke) == 1, "revoking a revoked token fails");
    snprintf(id, sizeof(id), "999999");
    ICHECK(gavel(NULL, 0, revoke) == 1, "revoking no token fails");
    snprintf(id, sizeof(id), "x1");
    ICHECK(gavel(NULL, 0, revoke) == 2, "revoke takes a number");

    /* Unknown and malformed tokens, a session token as a bearer token. */
    itest_step = "api tokens: unknown";
    ICHECK(bearer_status(files,
                         "gvt_00000000000000000000000000000000000000000000000000000000000"
                         "00000",
                         msg, sizeof(msg)) == 401 &&
               strstr(msg, "unknown API token"),
           "an unknown token: 401 '%s'", msg);
    ICHECK(bearer_status("/contests", "not-a-token", msg, sizeof(msg)) == 401 &&
               strstr(msg, "unknown API token"),
           "a malformed token: 401 '%s'", msg);
    ICHECK(bearer_status("/contests", ct.org.token, msg, sizeof(msg)) == 401,
           "a session token is no API token");
    ICHECK(bearer_status("/contests", "", msg, sizeof(msg)) == 401 && strstr(msg, "Bearer"),
           "an empty bearer: 401 '%s'", msg);

    /* The command's bad input. */
    itest_step = "api tokens: gavel token";
    {
        char *no_user[] = {"token", "create", "--user", "nobody", NULL};
        char *bad_expiry[] = {"token", "create", "--user", "org", "--expires", "soon", NULL};
        char *past[] = {"token", "create", "--user", "org", "--expires", "2020-01-01", NULL};
        char *no_args[] = {"token", "create", NULL};

        ICHECK(gavel(NULL, 0, no_user) == 1, "a token for no user fails");
        ICHECK(gavel(NULL, 0, bad_expiry) == 2, "--expires soon is bad usage");
        ICHECK(gavel(NULL, 0, past) == 2, "--expires in the past is bad usage");
        ICHECK(gavel(NULL, 0, no_args) == 2, "--user is required");
    }
}

/* --- The same rules outside the CLICS API ---------------------------------- */

/* A WebSocket logged in with `u`'s session (NULL: anonymous). */
static int ws_as(const struct ct_user *u)
{
    char req[160];
    int fd = itest_ws_open(ct.port);

    if (u) {
        snprintf(req, sizeof(req), "{\"type\":\"hello\",\"token\":\"%s\"}", u->token);
        cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
    }
    return fd;
}

/* problem.get's "solves" and "submissions" of `slug` over `fd`. */
static void problem_counts(int fd, const char *slug, int *solves, int *subs)
{
    char req[128];
    cJSON *r;

    snprintf(req, sizeof(req), "{\"type\":\"problem.get\",\"slug\":\"%s\"}", slug);
    r = itest_rpc(fd, req, "ok", NULL);
    *solves = (int)itest_num(itest_data(r), "solves");
    *subs = (int)itest_num(itest_data(r), "submissions");
    cJSON_Delete(r);
}

/* The same counts from the HTTP JSON API: /api/problems/<slug> and the
 * catalogue's list (its entry for `slug`, sorted by solves). */
static void api_counts(const char *slug, int *solves, int *subs, int *list_solves)
{
    struct itest_http r;
    char path[96];
    const cJSON *it;
    cJSON *j;

    snprintf(path, sizeof(path), "/api/problems/%s", slug);
    itest_http_get(&r, ct.port, path);
    j = r.status == 200 ? cJSON_Parse(r.body) : NULL;
    ICHECK(j, "GET %s: %d %s", path, r.status, r.body);
    *solves = (int)itest_num(j, "solves");
    *subs = (int)itest_num(j, "submissions");
    cJSON_Delete(j);
    itest_http_release(&r);
    itest_http_get(&r, ct.port, "/api/problems?sort=solves&order=desc");
    j = r.status == 200 ? cJSON_Parse(r.body) : NULL;
    ICHECK(j, "GET /api/problems: %d %s", r.status, r.body);
    it = ct_by_id(ct_field(j, "problems"), "slug", slug);
    ICHECK(it, "%s is not in the catalogue: %s", slug, r.body);
    *list_solves = (int)itest_num(it, "solves");
    cJSON_Delete(j);
    itest_http_release(&r);
}

/* The catalogue's counters during the freeze: gavel-judge recounts a
 * problem's solves and judged submissions after every verdict
 * (db_judging_finish), the frozen contest's included. bob's solve of
 * circle-area after the freeze must not show in problem.get or the
 * catalogue (a rising "solves" would tell everyone that someone solved it
 * while the board shows it pending) until the final standings; the hidden
 * tester's solve before the freeze counts as ever. Then the final
 * standings are published: the counts are whole again. Runs last: it
 * ends the contest. */
static void test_catalogue_counts(void)
{
    int anon = ws_as(NULL), alice = ws_as(&ct.alice), solves, subs, listed;

    itest_step = "the catalogue's counts during the freeze";
    itest_sqlf(ct.pg, "UPDATE problems p SET submission_count = (SELECT count(*) FROM "
                      "submissions WHERE problem_id = p.id AND status = 'judged'), solve_count = "
                      "(SELECT count(DISTINCT user_id) FROM submissions WHERE problem_id = p.id "
                      "AND verdict = 'AC')");
    problem_counts(anon, "circle-area", &solves, &subs);
    ICHECK(solves == 1 && subs == 1,
           "anonymous problem.get: bob's post-freeze solve shows (solves %d, submissions %d)",
           solves, subs);
    problem_counts(alice, "circle-area", &solves, &subs);
    ICHECK(solves == 1 && subs == 1,
           "a contestant's problem.get: bob's post-freeze solve shows (solves %d, submissions "
           "%d)",
           solves, subs);
    api_counts("circle-area", &solves, &subs, &listed);
    ICHECK(solves == 1 && subs == 1 && listed == 1,
           "HTTP API: bob's post-freeze solve shows (solves %d, submissions %d, listed %d)",
           solves, subs, listed);

    itest_step = "the catalogue's counts after the final standings";
    itest_sqlf(ct.pg, "UPDATE contests SET ends_at = now() - interval '1 second', unfrozen_at = "
                      "now() - interval '1 second' WHERE id = %lld",
               (long long)ct.live);
    problem_counts(anon, "circle-area", &solves, &subs);
    ICHECK(solves == 2 && subs == 2, "thawed: every solve counts (solves %d, submissions %d)",
           solves, subs);
    api_counts("circle-area", &solves, &subs, &listed);
    ICHECK(solves == 2 && subs == 2 && listed == 2,
           "thawed, HTTP API: every solve counts (solves %d, submissions %d, listed %d)", solves,
           subs, listed);
    close(anon);
    close(alice);
}

/* The next contest.clarification push on `fd` within `ms`, or NULL. */
static cJSON *next_clar_push(int fd, int ms)
{
    int64_t deadline = itest_now_ms() + ms;

    while (itest_now_ms() < deadline) {
        cJSON *j = itest_ws_recv(fd, (int)(deadline - itest_now_ms()) + 1);
        const char *e = j ? itest_str(j, "event") : NULL;

        if (!j)
            return NULL;
        if (e && !strcmp(e, "contest.clarification"))
            return j;
        cJSON_Delete(j);
    }
    return NULL;
}

/* A public answer says who asked to nobody but the jury's lists (as the
 * CLICS clarifications above, and clar.list): its live push to every
 * subscriber, and its replay on resume, carry no asker; the asker still
 * gets it without subscribing to the contest. */
static void test_public_answer_anonymous(void)
{
    int alice = ws_as(&ct.alice), bob = ws_as(&ct.bob), org = ws_as(&ct.org);
    char req[256];
    const cJSON *d;
    cJSON *r, *j;
    int64_t q;

    itest_step = "a public answer does not name its asker";
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%lld}",
             (long long)ct.live);
    cJSON_Delete(itest_rpc(bob, req, "ok", NULL));
    snprintf(req, sizeof(req),
             "{\"type\":\"clar.ask\",\"contest\":%lld,\"problem\":\"A\",\"text\":\"Is the "
             "answer unique?\"}",
             (long long)ct.live);
    r = itest_rpc(alice, req, "ok", NULL);
    q = (int64_t)itest_num(itest_data(r), "clarification_id");
    cJSON_Delete(r);
    snprintf(req, sizeof(req),
             "{\"type\":\"clar.answer\",\"clarification\":%lld,\"text\":\"Any pair.\","
             "\"public\":true}",
             (long long)q);
    cJSON_Delete(itest_rpc(org, req, "ok", NULL));
    j = next_clar_push(bob, 5000);
    d = j ? itest_data(j) : NULL;
    ICHECK(j && (int64_t)itest_num(d, "clarification_id") == q &&
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "public")),
           "bob gets the public answer");
    ICHECK(!cJSON_GetObjectItemCaseSensitive(d, "user_id"),
           "the public answer's push names its asker: %s", cJSON_PrintUnformatted(j));
    cJSON_Delete(j);
    /* The asker: her question's push, then the answer's, by her login. */
    for (j = next_clar_push(alice, 5000); j && !cJSON_GetObjectItemCaseSensitive(itest_data(j), "answer");
         j = next_clar_push(alice, 5000))
        cJSON_Delete(j);
    ICHECK(j && (int64_t)itest_num(itest_data(j), "clarification_id") == q,
           "the asker gets the public answer");
    cJSON_Delete(j);
    /* A resume from before the answer replays it the same way. */
    r = itest_rpc(bob, "{\"type\":\"resume\",\"last_event_id\":\"0-1\"}", "ok", NULL);
    cJSON_Delete(r);
    while ((j = next_clar_push(bob, 1000))) {
        d = itest_data(j);
        if ((int64_t)itest_num(d, "clarification_id") == q)
            ICHECK(!cJSON_GetObjectItemCaseSensitive(d, "user_id"),
                   "the replayed public answer names its asker: %s", cJSON_PrintUnformatted(j));
        cJSON_Delete(j);
    }
    /* The jury's list still names the asker. */
    snprintf(req, sizeof(req), "{\"type\":\"clar.list\",\"contest\":%lld}", (long long)ct.live);
    r = itest_rpc(org, req, "ok", NULL);
    {
        const cJSON *c;
        bool named = false;

        cJSON_ArrayForEach(c, ct_field(itest_data(r), "clarifications"))
            named |= (int64_t)itest_num(c, "clarification_id") == q &&
                     (int64_t)itest_num(c, "user_id") == ct.alice.id;
        ICHECK(named, "the jury's list names the asker");
    }
    cJSON_Delete(r);
    close(alice);
    close(bob);
    close(org);
}

/* Pushes on `fd` until the contest.scoreboard row of `user` (published
 * after everything the test looks for, so it arrives after it: the stream
 * is in order): whether a judging event of submission `sid` came first. */
static bool judging_of_before_row(int fd, int64_t sid, int64_t user)
{
    int64_t deadline = itest_now_ms() + 5000;
    bool seen = false;

    for (;;) {
        cJSON *j = itest_ws_recv(fd, (int)(deadline - itest_now_ms()) + 1);
        const char *e = j ? itest_str(j, "event") : NULL;
        const cJSON *d = j ? itest_data(j) : NULL;
        bool row;

        ICHECK(j, "no scoreboard row of user %lld", (long long)user);
        row = e && !strcmp(e, "contest.scoreboard") && (int64_t)itest_num(d, "user_id") == user;
        if (e && !strncmp(e, "judging.", 8) && (int64_t)itest_num(d, "submission_id") == sid)
            seen = true;
        cJSON_Delete(j);
        if (row)
            return seen;
    }
}

/* A subscription to another team's submission is the jury's right, and
 * must not outlive it: not across a logout and a login as a contestant on
 * the same connection, nor a demotion of the organizer. Else that
 * connection keeps getting the verdicts (and tests) of the team's
 * submissions, during the freeze too. */
static void test_submission_subscription_rights(void)
{
    char req[160];
    int fd;

    itest_step = "a submission subscription after a logout and another login";
    fd = ws_as(&ct.org);
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"submission\",\"submission\":%lld}",
             (long long)ct.s_late);
    cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
    cJSON_Delete(itest_rpc(fd, "{\"type\":\"logout\"}", "ok", NULL));
    cJSON_Delete(itest_rpc(fd, "{\"type\":\"login\",\"username\":\"alice\",\"password\":"
                               "\"secret-pw\"}",
                           "ok", NULL));
    itest_rpc_error(fd, req, "forbidden"); /* alice may not subscribe to it herself */
    ct_verdict_event(ct.s_late, "AC");
    ICHECK(db_contest_row_publish(ct.pg, ct.redis, ct.live, ct.alice.id, gv_time_real_ms()) == 0,
           "row of alice");
    ICHECK(!judging_of_before_row(fd, ct.s_late, ct.alice.id),
           "alice, logged in where the organizer subscribed, got bob's post-freeze verdict");
    close(fd);

    itest_step = "a submission subscription after a demotion";
    fd = ws_as(NULL);
    {
        /* The logout above ended the organizer's session: a new one. */
        cJSON *r = itest_rpc(fd, "{\"type\":\"login\",\"username\":\"org\",\"password\":"
                                 "\"secret-pw\"}",
                             "ok", NULL);

        snprintf(ct.org.token, sizeof(ct.org.token), "%s", itest_str(itest_data(r), "token"));
        cJSON_Delete(r);
    }
    cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%lld}",
             (long long)ct.live);
    cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
    itest_sqlf(ct.pg, "UPDATE users SET role = 'contestant' WHERE id = %lld", (long long)ct.org.id);
    /* Its next request reads the role again (docs/PROTOCOL.md). */
    cJSON_Delete(itest_rpc(fd, "{\"type\":\"contests.list\"}", "ok", NULL));
    ct_verdict_event(ct.s_late, "AC");
    ICHECK(db_contest_row_publish(ct.pg, ct.redis, ct.live, ct.alice.id, gv_time_real_ms()) == 0,
           "row of alice");
    ICHECK(!judging_of_before_row(fd, ct.s_late, ct.alice.id),
           "a demoted organizer still gets bob's post-freeze verdict");
    itest_sqlf(ct.pg, "UPDATE users SET role = 'organizer' WHERE id = %lld", (long long)ct.org.id);
    close(fd);
}

int main(int argc, char **argv)
{
    ct_setup(argc, argv, "clics_access");
    test_public_view(CT_ANON);
    test_public_view(CT_BASIC_ALICE);
    test_jury_view(CT_COOKIE_ORG);
    test_jury_view(CT_BASIC_ORG);
    test_credentials();
    test_tokens();
    test_public_answer_anonymous();
    test_submission_subscription_rights();
    test_catalogue_counts();
    ct_teardown();
    printf("test_clics_access: all passed\n");
    return 0;
}
