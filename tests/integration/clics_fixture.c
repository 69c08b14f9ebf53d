/* SPDX-License-Identifier: MIT
 * clics_fixture.c - see clics_fixture.h. */
#define _GNU_SOURCE
#include "clics_fixture.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cst_event.h"
#include "db_event.h"
#include "gv_alloc.h"
#include "itest_ws.h"
#include "banned.h"

struct ct_fixture ct = {.org = {.name = "org"},
                        .alice = {.name = "alice"},
                        .bob = {.name = "bob"},
                        .tester = {.name = "jury-tester"}};
/* The server's environment. */
static char e_pg[600], e_queue[96], e_rate[96], e_port[40], e_stream[96], e_keepalive[64],
    e_poll[64];

/* --- Store ------------------------------------------------------------------ */

int64_t ct_judged(const struct ct_user *u, const char *slug, int minute, const char *verdict)
{
    static int n;
    char src[64], hex[65];
    int64_t id;

    snprintf(src, sizeof(src), "int main(void) { return %d; }\n", n++);
    ICHECK(db_blob_put(hex, ct.pg, src, strlen(src)) == 0, "blob: %s", db_pg_last_error(ct.pg));
    id = itest_sql_int(
        ct.pg,
        "INSERT INTO submissions (user_id, problem_id, problem_version_id, contest_id, "
        "language, source_blob, source_size, status, verdict, created_at, judged_at) "
        "SELECT %lld, p.id, pv.id, %lld, 'c', decode('%s', 'hex'), %zu, 'judged', '%s', "
        "c.starts_at + interval '%d minutes', c.starts_at + interval '%d minutes 5 "
        "seconds' FROM problems p JOIN problem_versions pv ON pv.problem_id = p.id AND "
        "pv.version = p.current_version, contests c WHERE p.slug = '%s' AND c.id = %lld "
        "RETURNING id",
        (long long)u->id, (long long)ct.live, hex, strlen(src), verdict, minute, minute, slug,
        (long long)ct.live);
    itest_sqlf(
        ct.pg,
        "WITH j AS (INSERT INTO judgings (submission_id, judge_host, verdict, max_time_ms, "
        "started_at, finished_at) SELECT id, 'itest', verdict, 120, judged_at - interval '4 "
        "seconds', judged_at FROM submissions WHERE id = %lld RETURNING id) INSERT INTO "
        "judging_tests (judging_id, test_case_id, verdict, cpu_ms, wall_ms, memory_kb) SELECT "
        "j.id, tc.id, '%s', 120, 130, 2048 FROM j, submissions s JOIN test_cases tc ON "
        "tc.problem_version_id = s.problem_version_id AND tc.ordinal = 1 WHERE s.id = %lld",
        (long long)id, verdict, (long long)id);
    return id;
}

/* With the shared encoder. */
void ct_verdict_event(int64_t sid, const char *verdict)
{
    ct_verdict_event_of(sid, 0, verdict);
}

void ct_verdict_event_of(int64_t sid, int64_t jid, const char *verdict)
{
    struct cst_event ev;
    int err;

    cst_event_init(&ev, CST_EVENT_JUDGING_VERDICT);
    ev.submission_id = sid;
    ev.contest_id = ct.live;
    ev.user_id =
        itest_sql_int(ct.pg, "SELECT user_id FROM submissions WHERE id = %lld", (long long)sid);
    ev.u.verdict.problem_id =
        itest_sql_int(ct.pg, "SELECT problem_id FROM submissions WHERE id = %lld", (long long)sid);
    ev.u.verdict.judging_id =
        jid ? jid
            : itest_sql_int(ct.pg, "SELECT max(id) FROM judgings WHERE submission_id = %lld",
                            (long long)sid);
    snprintf(ev.u.verdict.verdict, sizeof(ev.u.verdict.verdict), "%s", verdict);
    ev.u.verdict.score = !strcmp(verdict, "AC");
    ev.u.verdict.max_time_ms = 120;
    ev.u.verdict.max_memory_kb = 2048;
    err = db_event_record(NULL, ct.pg, ct.redis, &ev);
    ICHECK(err == 0, "verdict event of %lld: %d %s", (long long)sid, err, db_pg_last_error(ct.pg));
    cst_event_release(&ev);
}

/* --- HTTP ------------------------------------------------------------------- */

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

void ct_auth_header(char extra[256], enum ct_auth a)
{
    char enc[128];

    extra[0] = '\0';
    switch (a) {
    case CT_ANON:
        break;
    case CT_COOKIE_ORG:
        snprintf(extra, 256, "Cookie: gavel_session=%s\r\n", ct.org.token);
        break;
    case CT_BASIC_ORG:
    case CT_BASIC_ALICE:
    case CT_BASIC_WRONG:
        b64(enc, a == CT_BASIC_ORG     ? "org:secret-pw"
                 : a == CT_BASIC_ALICE ? "alice:secret-pw"
                                       : "org:not-the-password");
        snprintf(extra, 256, "Authorization: Basic %s\r\n", enc);
        break;
    case CT_BASIC_MALFORMED:
        snprintf(extra, 256, "Authorization: Digest username=\"org\"\r\n");
        break;
    }
}

void ct_get_with(struct itest_http *r, const char *path, const char *extra)
{
    char full[300];

    snprintf(full, sizeof(full), "/api/clics%s", path);
    itest_http_get_with(r, ct.port, full, extra);
}

void ct_get(struct itest_http *r, const char *path, enum ct_auth a)
{
    char extra[256];

    ct_auth_header(extra, a);
    ct_get_with(r, path, extra);
}

cJSON *ct_get_json(const char *path, enum ct_auth a)
{
    struct itest_http r;
    cJSON *j;

    ct_get(&r, path, a);
    ICHECK(r.status == 200, "GET %s (auth %d): %d %s", path, (int)a, r.status, r.body);
    j = cJSON_Parse(r.body);
    ICHECK(j, "GET %s: not JSON: %s", path, r.body);
    itest_http_release(&r);
    return j;
}

int ct_get_status(const char *path, enum ct_auth a, bool *www_auth)
{
    struct itest_http r;
    char v[128];
    int st;

    ct_get(&r, path, a);
    st = r.status;
    if (www_auth)
        *www_auth =
            itest_header(r.head, "www-authenticate", v, sizeof(v)) && !strncmp(v, "Basic", 5);
    itest_http_release(&r);
    return st;
}

/* --- Shapes ----------------------------------------------------------------- */

const cJSON *ct_field(const cJSON *o, const char *key)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(o, key);

    ICHECK(f, "no \"%s\" in %s", key, cJSON_PrintUnformatted(o));
    return f;
}

void ct_is_id(const cJSON *o, const char *key)
{
    ICHECK(cJSON_IsString(ct_field(o, key)), "\"%s\" is not a string id", key);
}

void ct_is_re(const cJSON *o, const char *key, const regex_t *re, bool nullable)
{
    const cJSON *f = ct_field(o, key);

    if (nullable && cJSON_IsNull(f))
        return;
    ICHECK(cJSON_IsString(f) && regexec(re, f->valuestring, 0, NULL, 0) == 0,
           "\"%s\" is not of its format: %s", key, cJSON_PrintUnformatted(f));
}

void ct_ids_are_strings(const cJSON *arr, const char *const *keys)
{
    const cJSON *o;

    ICHECK(cJSON_IsArray(arr), "not an array");
    cJSON_ArrayForEach(o, arr)
    {
        ct_is_id(o, "id");
        for (size_t i = 0; keys && keys[i]; i++) {
            size_t n = strlen(keys[i]);
            char k[64];

            snprintf(k, sizeof(k), "%.*s", (int)(keys[i][n - 1] == '?' ? n - 1 : n), keys[i]);
            if (keys[i][n - 1] == '?' && cJSON_IsNull(ct_field(o, k)))
                continue;
            ct_is_id(o, k);
        }
    }
}

const cJSON *ct_by_id(const cJSON *arr, const char *key, const char *want)
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

char *ct_idstr(int64_t id)
{
    static char buf[4][24];
    static int k;

    k = (k + 1) % 4;
    snprintf(buf[k], sizeof(buf[k]), "%lld", (long long)id);
    return buf[k];
}

cJSON *ct_coll(const char *name, enum ct_auth a)
{
    char path[128];

    snprintf(path, sizeof(path), "/contests/%lld/%s", (long long)ct.live, name);
    return ct_get_json(path, a);
}

/* --- Steps ------------------------------------------------------------------ */

/* --- Setup -------------------------------------------------------------------- */

static void import(const char *slug)
{
    char path[1024];
    char *argv[] = {(char *)ct.gavel_path, "problem", "import", "--public", path, NULL};
    const char *env[] = {e_pg, NULL};

    snprintf(path, sizeof(path), "%s/%s", ct.examples, slug);
    ICHECK(itest_wait_exit(itest_spawn(argv, env, "/dev/null"), 60000) == 0, "import %s", slug);
}

static void register_user(struct ct_user *u)
{
    u->id = itest_register(ct.port, u->name, "secret-pw", u->token, sizeof(u->token));
}

void ct_server_start(void)
{
    char *argv[] = {(char *)ct.server_path, NULL};
    const char *env[] = {e_port, e_pg, e_queue, e_rate, e_stream, e_keepalive, e_poll, NULL};

    ct.server = itest_spawn(argv, env, NULL);
    itest_wait_health(ct.port, 200, NULL, 20000);
}

void ct_server_keepalive(long ms)
{
    snprintf(e_keepalive, sizeof(e_keepalive), "GAVEL_CLICS_KEEPALIVE_MS=%ld", ms);
}

void ct_server_stop(void)
{
    int status;

    kill(ct.server, SIGTERM);
    status = itest_wait_exit(ct.server, 10000);
    ICHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "gavel-server exited with wait status %#x", status);
    ct.server = 0;
}

void ct_setup(int argc, char **argv, const char *name)
{
    char why[256];
    int applied = 0;

    if (argc != 4) {
        fprintf(stderr, "usage: %s GAVEL-SERVER GAVEL EXAMPLES-DIR\n", name);
        exit(2);
    }
    ct.server_path = argv[1];
    ct.gavel_path = argv[2];
    ct.examples = argv[3];
    if (!getenv("GAVEL_PG_URL") || !getenv("GAVEL_REDIS_URL")) {
        fprintf(stderr, "skip: GAVEL_PG_URL and GAVEL_REDIS_URL are not set\n");
        exit(ITEST_SKIP);
    }
    itest_deadline(140);
    itest_step = "setup";
    ICHECK(regcomp(&ct.re_time,
                   "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?"
                   "(Z|[+-][0-9]{2}(:?[0-9]{2})?)$",
                   REG_EXTENDED | REG_NOSUB) == 0 &&
               regcomp(&ct.re_reltime, "^-?[0-9]+:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,3})?$",
                       REG_EXTENDED | REG_NOSUB) == 0,
           "regcomp");
    itest_db_create(ct.pg_url, sizeof(ct.pg_url), name);
    snprintf(e_pg, sizeof(e_pg), "GAVEL_PG_URL=%s", ct.pg_url);
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
    ICHECK(db_redis_open(&ct.redis, getenv("GAVEL_REDIS_URL"), 2000, why, sizeof(why)) == 0, "%s",
           why);
    ICHECK(db_pg_open(&ct.pg, ct.pg_url, 5, why, sizeof(why)) == 0, "%s", why);
    ICHECK(db_migrate(&applied, ct.pg) == 0, "migrate: %s", db_pg_last_error(ct.pg));
    import("pair-sum");
    import("circle-area");

    ct.port = itest_free_port();
    snprintf(e_port, sizeof(e_port), "GAVEL_HTTP_PORT=%d", ct.port);
    ct_server_start();
    register_user(&ct.org);
    register_user(&ct.alice);
    register_user(&ct.bob);
    register_user(&ct.tester);
    itest_sqlf(ct.pg, "UPDATE users SET role = 'organizer' WHERE username = 'org'");

    /* Running for 2 hours, frozen for the last hour of 3. */
    ct.live = itest_sql_int(
        ct.pg, "INSERT INTO contests (slug, title, starts_at, freezes_at, ends_at, medals) "
               "VALUES ('live', 'Live Contest', now() - interval '2 hours', now() - interval "
               "'1 hour', now() + interval '1 hour', '{1,0,2}') RETURNING id");
    ct.future = itest_sql_int(
        ct.pg, "INSERT INTO contests (slug, title, starts_at, ends_at) VALUES ('later', "
               "'Later Contest', now() + interval '1 hour', now() + interval '3 hours') "
               "RETURNING id");
    itest_sqlf(
        ct.pg,
        "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) SELECT %lld, id, "
        "CASE slug WHEN 'pair-sum' THEN 'A' ELSE 'B' END, CASE slug WHEN 'pair-sum' THEN 1 ELSE "
        "2 END FROM problems; INSERT INTO contest_problems (contest_id, problem_id, label, "
        "ordinal) SELECT %lld, id, 'A', 1 FROM problems WHERE slug = 'pair-sum'",
        (long long)ct.live, (long long)ct.future);
    itest_sqlf(
        ct.pg,
        "INSERT INTO participants (contest_id, user_id, is_hidden) VALUES (%lld, %lld, false), "
        "(%lld, %lld, false), (%lld, %lld, true), (%lld, %lld, false)",
        (long long)ct.live, (long long)ct.alice.id, (long long)ct.live, (long long)ct.bob.id,
        (long long)ct.live, (long long)ct.tester.id, (long long)ct.future, (long long)ct.alice.id);
    ct.s_wa = ct_judged(&ct.alice, "pair-sum", 10, "WA");
    ct.s_ac = ct_judged(&ct.alice, "pair-sum", 20, "AC");
    ct.s_bob = ct_judged(&ct.bob, "pair-sum", 50, "AC");
    ct.s_late = ct_judged(&ct.bob, "circle-area", 90, "AC"); /* the freeze is at 1:00 */
    ct.s_hidden = ct_judged(&ct.tester, "circle-area", 5, "AC");
    /* Their verdicts' rows of the log, as the judge writes them. */
    ct_verdict_event(ct.s_wa, "WA");
    ct_verdict_event(ct.s_ac, "AC");
    ct_verdict_event(ct.s_bob, "AC");
    ct_verdict_event(ct.s_late, "AC");
    ct_verdict_event(ct.s_hidden, "AC");
    /* A private question answered privately, and a broadcast. */
    itest_sqlf(
        ct.pg,
        "INSERT INTO clarifications (contest_id, asked_by, question, answer, answered_by, "
        "is_public, answered_at) VALUES (%lld, %lld, 'Is n >= 1?', 'Yes.', %lld, false, now()), "
        "(%lld, NULL, NULL, 'Problem B: read the statement again.', %lld, true, now())",
        (long long)ct.live, (long long)ct.alice.id, (long long)ct.org.id, (long long)ct.live,
        (long long)ct.org.id);
    /* The server's clock logs the live contest's start and freeze when it
     * finds the contest, a moment after it is made: the tests read the log
     * and the views after both, as they would on a contest that ran. */
    for (int64_t until = itest_now_ms() + 20000;
         itest_sql_int(ct.pg,
                       "SELECT count(*) FROM events WHERE contest_id = %lld AND type = "
                       "'contest.phase'",
                       (long long)ct.live) < 2;) {
        ICHECK(itest_now_ms() < until, "the clock did not log the live contest's phases");
        itest_sleep_ms(50);
    }
}

void ct_teardown(void)
{
    itest_step = "shutdown";
    ct_server_stop();
    regfree(&ct.re_time);
    regfree(&ct.re_reltime);
    db_redis_close(ct.redis);
    db_pg_close(ct.pg);
    itest_db_drop();
    itest_kill_all();
}
