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
 * expired, revoked, unknown, malformed.
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

int main(int argc, char **argv)
{
    ct_setup(argc, argv, "clics_access");
    test_public_view(CT_ANON);
    test_public_view(CT_BASIC_ALICE);
    test_jury_view(CT_COOKIE_ORG);
    test_jury_view(CT_BASIC_ORG);
    test_credentials();
    test_tokens();
    ct_teardown();
    printf("test_clics_access: all passed\n");
    return 0;
}
