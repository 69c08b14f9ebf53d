/* SPDX-License-Identifier: MIT
 * test_server_org.c - the organizers' requests end to end (docs/PROTOCOL.md,
 * "Organizer requests"), on one gavel-server with a fresh database and the
 * shared Redis.
 *
 * An organizer creates contests from YAML (and is refused, with the line,
 * for broken ones), reads a definition back, updates it (a refused change,
 * then a forced one) and unfreezes a contest after its end; an admin sets
 * roles and tiers and lists users, and a demoted organizer loses the
 * requests on the connection already open; ops.status shows a queued
 * submission, a judge heartbeat written here and a judge error. A hostile
 * contestant sends every organizer request and gets `forbidden` for each,
 * with the database unchanged; an anonymous client gets `unauthenticated`.
 *
 * Usage: test_server_org GAVEL-SERVER GAVEL EXAMPLES-DIR. Needs GAVEL_PG_URL
 * and GAVEL_REDIS_URL (scripts/test sets them); exits 77 without them. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cst_def.h"
#include "db.h"
#include "db_queue.h"
#include "gv_alloc.h"
#include "gv_time.h"
#include "itest.h"
#include "itest_ws.h"
#include "banned.h"

static const char *server_path, *gavel_path, *examples;
static char pg_url[512], e_pg[600], e_queue[96], e_rate[96], e_port[40];
static struct db_pg *pg;       /* the test's own look at the database */
static struct db_redis *redis; /* and at the shared Redis */
static int port;
static pid_t server;

struct user {
    const char *name;
    char token[80];
    int64_t id;
};
static struct user org = {.name = "org"}, admin = {.name = "root-admin"},
                   mallory = {.name = "mallory"}, bob = {.name = "bob"};

/* --- The test's own store access -------------------------------------------- */

static void sql(const char *q)
{
    ICHECK(db_pg_exec_script(pg, q) == 0, "%s: %s", q, db_pg_last_error(pg));
}

/* The one value of `q`, formatted like printf; caller gv_frees. */
__attribute__((format(printf, 1, 2))) static char *sql_text(const char *fmt, ...)
{
    char q[2048], *v = NULL;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(q, sizeof(q), fmt, ap);
    va_end(ap);
    ICHECK(db_pg_query_value(&v, pg, q, 0, NULL) == 0 && v, "%s: %s", q, db_pg_last_error(pg));
    return v;
}

#define sql_int(...)                                                                               \
    __extension__({                                                                                \
        char *v_ = sql_text(__VA_ARGS__);                                                          \
        int64_t n_ = strtoll(v_, NULL, 10);                                                        \
        gv_free(v_);                                                                               \
        n_;                                                                                        \
    })

/* Everything an organizer request could change, as one digest. The
 * phase the servers' timers announce (announced_phase, events) moves on its
 * own, so it is left out. */
static char *db_digest(void)
{
    return sql_text(
        "SELECT md5(concat_ws('|', (SELECT json_agg(json_build_array(id, slug, title, scoring, "
        "starts_at, freezes_at, ends_at, unfrozen_at, penalty_minutes, created_by, "
        "open_registration, unfreeze_auto) ORDER BY id) FROM contests)::text, (SELECT "
        "json_agg(x ORDER BY x.contest_id, x.problem_id) FROM contest_problems x)::text, (SELECT "
        "json_agg(p ORDER BY p.contest_id, p.user_id) FROM participants p)::text, (SELECT "
        "json_agg(json_build_array(id, username, role, tier) ORDER BY id) FROM users)::text, "
        "(SELECT json_agg(r ORDER BY r.contest_id, r.left_submission, r.right_submission) FROM "
        "plagiarism_reviews r)::text))");
}

/* --- Requests ---------------------------------------------------------------- */

static int connect_as(const struct user *u)
{
    char req[160];
    int fd = itest_ws_open(port);

    if (u) {
        snprintf(req, sizeof(req), "{\"type\":\"hello\",\"token\":\"%s\"}", u->token);
        cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
    }
    return fd;
}

static void register_user(struct user *u)
{
    u->id = itest_register(port, u->name, "secret-pw", u->token, sizeof(u->token));
}

/* A contest definition: `slug` from `start_ms` for `duration`, problems
 * pair-sum (line 7) and `second` (line 9), then `extra` from line 11. */
static void yaml(char *out, size_t len, const char *slug, int64_t start_ms, const char *duration,
                 int penalty, const char *second, const char *extra)
{
    char start[CST_DEF_TIME_TEXT];

    cst_def_format_time(start, start_ms);
    snprintf(out, len,
             "name: Round %s\nslug: %s\nstart_time: %s\nduration: %s\npenalty_time: %d\n"
             "problems:\n  - slug: pair-sum\n    label: A\n  - slug: %s\n    label: B\n%s",
             slug, slug, start, duration, penalty, second, extra ? extra : "");
}

/* A request of `type` with `definition` and, when `contest` > 0, the
 * contest (and "force" when asked), as JSON text (malloc'd: cJSON's hooks
 * are the default ones here). */
static char *def_req(const char *type, int64_t contest, const char *definition, bool force)
{
    cJSON *o = cJSON_CreateObject();
    char *text;

    ICHECK(o && cJSON_AddStringToObject(o, "type", type), "oom");
    if (contest > 0)
        cJSON_AddNumberToObject(o, "contest", (double)contest);
    if (definition)
        cJSON_AddStringToObject(o, "definition", definition);
    if (force)
        cJSON_AddTrueToObject(o, "force");
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    ICHECK(text, "oom");
    return text;
}

static cJSON *def_ok(int fd, const char *type, int64_t contest, const char *definition, bool force)
{
    char *req = def_req(type, contest, definition, force);
    cJSON *r = itest_rpc(fd, req, "ok", NULL);

    free(req);
    return r;
}

/* The error message of a definition request refused with `code`. */
static const char *def_error(int fd, const char *type, int64_t contest, const char *definition,
                             bool force, const char *code)
{
    char *req = def_req(type, contest, definition, force);
    const char *msg = itest_rpc_error(fd, req, code);

    free(req);
    return msg;
}

static int64_t create_contest(int fd, const char *definition)
{
    cJSON *r = def_ok(fd, "contest.create", 0, definition, false);
    int64_t id = (int64_t)itest_num(itest_data(r), "contest_id");

    cJSON_Delete(r);
    return id;
}

__attribute__((format(printf, 1, 2))) static char *fmt_req(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return strdup(buf);
}

/* Every organizer request, well-formed, as a hostile or anonymous client
 * would send it: NULL-terminated, caller frees each. */
static void every_org_request(char **out, int64_t live, int64_t past)
{
    char def[2048];
    int n = 0;

    yaml(def, sizeof(def), "mallory-cup", gv_time_real_ms(), "1:00:00", 20, "circle-area", NULL);
    out[n++] = def_req("contest.create", 0, def, false);
    yaml(def, sizeof(def), "org-live", 0, "1:00:00", 0, "circle-area", NULL);
    out[n++] = def_req("contest.update", live, def, true);
    out[n++] = def_req("contest.definition", live, NULL, false);
    out[n++] = def_req("contest.definition", 999999, NULL, false); /* no hint that it is absent */
    out[n++] = def_req("contest.unfreeze", past, NULL, false);
    out[n++] = strdup("{\"type\":\"user.set\",\"username\":\"mallory\",\"role\":\"admin\","
                      "\"tier\":\"paid\"}");
    out[n++] = strdup("{\"type\":\"users.list\"}");
    out[n++] = strdup("{\"type\":\"ops.status\"}");
    /* The other families' organizer requests, refused by the same rule. */
    out[n++] =
        fmt_req("{\"type\":\"contest.announce\",\"contest\":%lld,\"text\":\"x\"}", (long long)live);
    out[n++] =
        fmt_req("{\"type\":\"clar.broadcast\",\"contest\":%lld,\"text\":\"x\"}", (long long)live);
    out[n++] = fmt_req("{\"type\":\"clar.answer\",\"clarification\":%lld,\"text\":\"x\"}", 1LL);
    out[n++] = fmt_req("{\"type\":\"rejudge\",\"contest\":%lld}", (long long)live);
    out[n++] = fmt_req("{\"type\":\"rejudge\",\"submission\":%lld}", 1LL);
    out[n++] = fmt_req("{\"type\":\"rejudge.report\",\"rejudge\":%lld}", 1LL);
    out[n++] = fmt_req("{\"type\":\"rejudges.list\",\"contest\":%lld}", (long long)live);
    out[n++] = fmt_req("{\"type\":\"contest.reveal\",\"contest\":%lld}", (long long)past);
    out[n++] = fmt_req("{\"type\":\"plag.report\",\"contest\":%lld}", (long long)live);
    out[n++] = fmt_req("{\"type\":\"plag.report\",\"contest\":%lld}", 999999LL);
    out[n++] = fmt_req("{\"type\":\"plag.review\",\"contest\":%lld,\"left\":1,\"right\":2,"
                       "\"status\":\"confirmed\",\"note\":\"x\"}",
                       (long long)live);
    out[n] = NULL;
    for (int i = 0; i < n; i++)
        ICHECK(out[i], "oom");
}

/* An API GET with `who`'s cookie (NULL: none): the status; the body into
 * `body` when given (free it). */
static int api_get(const char *path, const struct user *who, char **body)
{
    struct itest_http r;
    char cookie[160] = "";

    if (who)
        snprintf(cookie, sizeof(cookie), "Cookie: gavel_session=%s\r\n", who->token);
    itest_http_get_with(&r, port, path, cookie);
    if (body)
        *body = strdup(r.body);
    itest_http_release(&r);
    return r.status;
}

/* --- Steps ------------------------------------------------------------------- */

static int64_t live_id, past_id;

static void test_create(int fd)
{
    int64_t now = gv_time_real_ms(), before;
    char def[80 * 1024];
    const char *msg;
    cJSON *r;

    itest_step = "contest.create";
    before = sql_int("SELECT count(*) FROM contests");
    yaml(def, sizeof(def), "org-live", now - 10 * 60000, "2:00:00", 20, "circle-area", NULL);
    r = def_ok(fd, "contest.create", 0, def, false);
    live_id = (int64_t)itest_num(itest_data(r), "contest_id");
    ICHECK(!strcmp(itest_str(itest_data(r), "slug"), "org-live"), "slug");
    cJSON_Delete(r);
    ICHECK(sql_int("SELECT created_by FROM contests WHERE id = %lld", (long long)live_id) == org.id,
           "created_by is the caller");
    ICHECK(sql_int("SELECT count(*) FROM contest_problems WHERE contest_id = %lld",
                   (long long)live_id) == 2,
           "both problems");
    yaml(def, sizeof(def), "org-past", now - 3 * 3600000, "1:00:00", 20, "circle-area", NULL);
    past_id = create_contest(fd, def);

    itest_step = "contest.create refused";
    yaml(def, sizeof(def), "broken", now, "1:00:00", 20, "circle-area", "freeze: 1:00:00\n");
    msg = def_error(fd, "contest.create", 0, def, false, "invalid");
    ICHECK(!strncmp(msg, "contest.yaml:11: freeze: unknown key", 36), "unknown key: %s", msg);
    yaml(def, sizeof(def), "broken", now, "1:00:00", 20, "no-such", NULL);
    msg = def_error(fd, "contest.create", 0, def, false, "invalid");
    ICHECK(!strncmp(msg, "contest.yaml:9: problems: no imported problem 'no-such'", 55),
           "missing problem: %s", msg);
    yaml(def, sizeof(def), "broken", now, "1:00:00", 20, "circle-area",
         "participants:\n  - bob\n  - ghost-user\n");
    msg = def_error(fd, "contest.create", 0, def, false, "invalid");
    ICHECK(!strncmp(msg, "contest.yaml:13: participants: no user 'ghost-user'", 51),
           "missing user: %s", msg);
    yaml(def, sizeof(def), "org-live", now, "1:00:00", 20, "circle-area", NULL);
    msg = def_error(fd, "contest.create", 0, def, false, "conflict");
    ICHECK(strstr(msg, "slug") && strstr(msg, "'org-live' exists"), "taken slug: %s", msg);
    msg = def_error(fd, "contest.create", 0, "name: [unclosed\n", false, "invalid");
    ICHECK(!strncmp(msg, "contest.yaml:", 13), "syntax error: %s", msg);
    /* A comment pads it past the definition's cap, inside one message. */
    yaml(def, sizeof(def), "huge", now, "1:00:00", 20, "circle-area", "# ");
    memset(def + strlen(def), 'x', 61 * 1024 - strlen(def));
    def[61 * 1024] = '\0';
    msg = def_error(fd, "contest.create", 0, def, false, "too_large");
    ICHECK(strstr(msg, "definition"), "too large: %s", msg);
    ICHECK(sql_int("SELECT count(*) FROM contests") == before + 2, "a refusal stored something");
}

static void test_definition_and_update(int fd)
{
    char def[4096], *yaml_back;
    const char *msg;
    cJSON *r;

    itest_step = "contest.definition";
    r = def_ok(fd, "contest.definition", live_id, NULL, false);
    ICHECK(itest_num(itest_data(r), "contest_id") == (double)live_id, "contest_id");
    ICHECK(!strcmp(itest_str(itest_data(r), "phase"), "running"), "phase %s",
           itest_str(itest_data(r), "phase"));
    yaml_back = strdup(itest_str(itest_data(r), "definition"));
    cJSON_Delete(r);
    ICHECK(yaml_back && strstr(yaml_back, "slug: org-live") && strstr(yaml_back, "pair-sum") &&
               strstr(yaml_back, "circle-area"),
           "definition: %s", yaml_back);
    r = def_ok(fd, "contest.definition", past_id, NULL, false);
    ICHECK(!strcmp(itest_str(itest_data(r), "phase"), "ended"), "the past contest's phase");
    cJSON_Delete(r);
    def_error(fd, "contest.definition", 999999, NULL, false, "not_found");

    itest_step = "contest.update";
    /* What the server hands out it takes back unchanged. */
    cJSON_Delete(def_ok(fd, "contest.update", live_id, yaml_back, false));
    free(yaml_back);
    /* The start as stored (whole ms), so that only the penalty differs. */
    {
        char *start = sql_text("SELECT (extract(epoch FROM starts_at) * 1000)::bigint FROM "
                               "contests WHERE id = %lld",
                               (long long)live_id);

        yaml(def, sizeof(def), "org-live", strtoll(start, NULL, 10), "2:00:00", 30, "circle-area",
             NULL);
        gv_free(start);
    }
    msg = def_error(fd, "contest.update", live_id, def, false, "invalid");
    ICHECK(strstr(msg, "penalty_time") && strstr(msg, "force"), "refused: %s", msg);
    ICHECK(sql_int("SELECT penalty_minutes FROM contests WHERE id = %lld", (long long)live_id) ==
               20,
           "a refused update changed the penalty");
    r = def_ok(fd, "contest.update", live_id, def, true);
    ICHECK(itest_num(itest_data(r), "contest_id") == (double)live_id, "update's contest_id");
    cJSON_Delete(r);
    ICHECK(sql_int("SELECT penalty_minutes FROM contests WHERE id = %lld", (long long)live_id) ==
               30,
           "the forced update");
    /* Some changes no force allows: the start of a running contest. */
    yaml(def, sizeof(def), "org-live", gv_time_real_ms() + 3600000, "2:00:00", 30, "circle-area",
         NULL);
    msg = def_error(fd, "contest.update", live_id, def, true, "invalid");
    ICHECK(strstr(msg, "start_time"), "moved start: %s", msg);
    def_error(fd, "contest.update", 999999, def, false, "not_found");
}

/* Before any unfreeze: the contestant's unfreeze of the ended contest
 * would change the database if it were let through. */
static void test_hostile(void)
{
    char *reqs[32], *before, *after, *body = NULL;
    int fd = connect_as(&mallory);

    itest_step = "hostile contestant";
    every_org_request(reqs, live_id, past_id);
    before = db_digest();
    for (int i = 0; reqs[i]; i++) {
        const char *msg = itest_rpc_error(fd, reqs[i], "forbidden");

        ICHECK(strstr(msg, "organizers") || strstr(msg, "admins") || strstr(msg, "jury"), "%s: %s",
               reqs[i], msg);
        free(reqs[i]);
    }
    after = db_digest();
    ICHECK(!strcmp(before, after), "a contestant's requests changed the database");
    ICHECK(sql_int("SELECT count(*) FROM contests WHERE unfrozen_at IS NOT NULL") == 0,
           "unfrozen by a contestant");
    gv_free(before);
    gv_free(after);
    close(fd);

    itest_step = "anonymous";
    fd = connect_as(NULL);
    every_org_request(reqs, live_id, past_id);
    for (int i = 0; reqs[i]; i++) {
        itest_rpc_error(fd, reqs[i], "unauthenticated");
        free(reqs[i]);
    }
    close(fd);

    itest_step = "http api";
    {
        char path[64];

        snprintf(path, sizeof(path), "/api/contests/%lld/definition", (long long)live_id);
        ICHECK(api_get(path, NULL, NULL) == 401, "definition without a cookie");
        ICHECK(api_get(path, &mallory, NULL) == 403, "definition with a contestant's cookie");
        ICHECK(api_get(path, &org, &body) == 200 && strstr(body, "slug: org-live"),
               "definition with an organizer's cookie: %s", body);
        free(body);
        ICHECK(api_get("/api/ops", NULL, NULL) == 401, "ops without a cookie");
        ICHECK(api_get("/api/ops", &mallory, NULL) == 403, "ops with a contestant's cookie");
        ICHECK(api_get("/api/ops", &org, &body) == 200 && strstr(body, "\"unjudged\""),
               "ops with an organizer's cookie: %s", body);
        free(body);
    }
}

static void test_unfreeze(int fd)
{
    const char *msg;
    cJSON *r;

    itest_step = "contest.unfreeze";
    msg = def_error(fd, "contest.unfreeze", live_id, NULL, false, "forbidden");
    ICHECK(strstr(msg, "has not ended yet"), "before the end: %s", msg);
    r = def_ok(fd, "contest.unfreeze", past_id, NULL, false);
    ICHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(itest_data(r), "already")), "already");
    cJSON_Delete(r);
    ICHECK(sql_int("SELECT count(*) FROM contests WHERE id = %lld AND unfrozen_at IS NOT NULL",
                   (long long)past_id) == 1,
           "unfrozen_at");
    r = def_ok(fd, "contest.unfreeze", past_id, NULL, false);
    ICHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(itest_data(r), "already")), "again");
    cJSON_Delete(r);
    def_error(fd, "contest.unfreeze", 999999, NULL, false, "not_found");
}

static void expect_user(int fd, const char *req, const char *name, const char *role,
                        const char *tier)
{
    cJSON *r = itest_rpc(fd, req, "ok", NULL);
    const cJSON *d = itest_data(r);

    ICHECK(!strcmp(itest_str(d, "username"), name) && !strcmp(itest_str(d, "role"), role) &&
               !strcmp(itest_str(d, "tier"), tier),
           "%s: %s %s %s", req, itest_str(d, "username"), itest_str(d, "role"),
           itest_str(d, "tier"));
    cJSON_Delete(r);
}

static void test_users(int org_fd)
{
    int fd = connect_as(&admin);
    const cJSON *users;
    cJSON *r;

    itest_step = "user.set";
    ICHECK(strstr(itest_rpc_error(org_fd, "{\"type\":\"user.set\",\"username\":\"bob\","
                                          "\"tier\":\"paid\"}",
                                  "forbidden"),
                  "admins only"),
           "an organizer may not set users");
    itest_rpc_error(org_fd, "{\"type\":\"users.list\"}", "forbidden");
    expect_user(fd, "{\"type\":\"user.set\",\"username\":\"BOB\",\"tier\":\"paid\"}", "bob",
                "contestant", "paid");
    expect_user(fd, "{\"type\":\"user.set\",\"username\":\"bob\",\"role\":\"jury\"}", "bob",
                "organizer", "paid");
    expect_user(fd,
                "{\"type\":\"user.set\",\"username\":\"bob\",\"role\":\"contestant\",\"tier\":"
                "\"free\"}",
                "bob", "contestant", "free");
    itest_rpc_error(fd, "{\"type\":\"user.set\",\"username\":\"nobody\",\"role\":\"admin\"}",
                    "not_found");
    itest_rpc_error(fd, "{\"type\":\"user.set\",\"username\":\"bob\",\"role\":\"root\"}",
                    "invalid");

    itest_step = "users.list";
    r = itest_rpc(fd, "{\"type\":\"users.list\"}", "ok", NULL);
    users = cJSON_GetObjectItemCaseSensitive(itest_data(r), "users");
    ICHECK(itest_num(itest_data(r), "total") == 4 && cJSON_GetArraySize(users) == 4,
           "four users");
    ICHECK(!strcmp(itest_str(cJSON_GetArrayItem(users, 0), "username"), "org") &&
               !strcmp(itest_str(cJSON_GetArrayItem(users, 1), "role"), "admin") &&
               itest_num(cJSON_GetArrayItem(users, 0), "created_at") > 1.7e12 &&
               itest_str(cJSON_GetArrayItem(users, 3), "display_name") &&
               !strcmp(itest_str(cJSON_GetArrayItem(users, 3), "tier"), "free"),
           "user fields");
    ICHECK(itest_num(itest_data(r), "page") == 1 && itest_num(itest_data(r), "page_size") == 50,
           "paging");
    cJSON_Delete(r);
    r = itest_rpc(fd, "{\"type\":\"users.list\",\"page\":2}", "ok", NULL);
    ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(itest_data(r), "users")) == 0,
           "page 2 is empty");
    cJSON_Delete(r);

    itest_step = "demoted organizer";
    /* On the organizer's connection, open since before: the role is read
     * afresh for each organizer request, and the connection adopts it. */
    expect_user(fd, "{\"type\":\"user.set\",\"username\":\"org\",\"role\":\"contestant\"}", "org",
                "contestant", "free");
    def_error(org_fd, "contest.definition", live_id, NULL, false, "forbidden");
    /* Not only the organizer console's requests: every jury right follows
     * the stored role, also on this connection opened before. */
    {
        char req[160];

        snprintf(req, sizeof(req), "{\"type\":\"rejudge\",\"contest\":%" PRId64 "}", live_id);
        itest_rpc_error(org_fd, req, "forbidden");
        snprintf(req, sizeof(req), "{\"type\":\"contest.reveal\",\"contest\":%" PRId64 "}",
                 live_id);
        itest_rpc_error(org_fd, req, "forbidden");
    }
    r = itest_rpc(org_fd, "{\"type\":\"hello\"}", "ok", NULL);
    ICHECK(!strcmp(itest_str(cJSON_GetObjectItemCaseSensitive(itest_data(r), "user"), "role"),
                   "contestant"),
           "the connection kept the old role");
    cJSON_Delete(r);
    expect_user(fd, "{\"type\":\"user.set\",\"username\":\"org\",\"role\":\"organizer\"}", "org",
                "organizer", "free");
    cJSON_Delete(def_ok(org_fd, "contest.definition", live_id, NULL, false));
    close(fd);
}

/* A judge's heartbeat as gavel-judge writes it (docs/JUDGING.md). */
static void write_beat(const char *id, const char *value)
{
    char key[128];
    const char *argv[] = {"SET", key, value, "EX", "60"};

    snprintf(key, sizeof(key), "gavel:judge:%s", id);
    ICHECK(db_redis_command(redis, 5, argv) == 0, "SET %s", key);
}

static void drop_beat(const char *id)
{
    char key[128];
    const char *argv[] = {"DEL", key};

    snprintf(key, sizeof(key), "gavel:judge:%s", id);
    db_redis_command(redis, 2, argv);
}

static int64_t submit(int fd)
{
    cJSON *r = itest_rpc(fd,
                         "{\"type\":\"submit\",\"problem\":\"pair-sum\",\"language\":\"c\","
                         "\"source\":\"int main(void){return 0;}\"}",
                         "ok", NULL);
    int64_t id = (int64_t)itest_num(itest_data(r), "submission_id");

    cJSON_Delete(r);
    return id;
}

/* The member of `arr` whose `key` is the string `want`, or NULL. */
static const cJSON *find(const cJSON *arr, const char *key, const char *want)
{
    const cJSON *e;

    cJSON_ArrayForEach(e, arr)
    {
        const char *v = itest_str(e, key);

        if (v && !strcmp(v, want))
            return e;
    }
    return NULL;
}

static void test_ops(int org_fd)
{
    int fd = connect_as(&bob);
    int64_t queued, failed, waiting = 0;
    char id_new[64], id_old[64], value[256];
    const cJSON *d, *u, *e, *j;
    cJSON *r;

    itest_step = "ops.status";
    queued = submit(fd);
    failed = submit(fd);
    close(fd);
    {
        char q[512];

        snprintf(q, sizeof(q),
                 "UPDATE submissions SET status = 'judged', verdict = 'JE', judged_at = now() "
                 "WHERE id = %lld; INSERT INTO judgings (submission_id, judge_host, verdict, "
                 "finished_at) VALUES (%lld, 'itest-judge:99', 'JE', now())",
                 (long long)failed, (long long)failed);
        sql(q);
    }
    snprintf(id_new, sizeof(id_new), "itest-org-%d:4242", (int)getpid());
    snprintf(id_old, sizeof(id_old), "itest-old-%d:7", (int)getpid());
    snprintf(value, sizeof(value),
             "{\"host\":\"itest-org-%d\",\"pid\":4242,\"started_at\":1764100000000,\"beat_at\":"
             "1764100004000,\"submission\":%lld,\"judging_since\":1764100003500}",
             (int)getpid(), (long long)queued);
    write_beat(id_new, value);
    write_beat(id_old, "1764100004000"); /* a worker from before the JSON value */

    r = itest_rpc(org_fd, "{\"type\":\"ops.status\"}", "ok", NULL);
    d = itest_data(r);
    ICHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(d, "redis_error")), "redis_error");
    ICHECK(itest_num(d, "now_ms") > 1.7e12, "now_ms");
    u = cJSON_GetObjectItemCaseSensitive(d, "unjudged");
    ICHECK(itest_num(u, "queued") == 1 && itest_num(u, "running") == 0, "unjudged");
    e = cJSON_GetObjectItemCaseSensitive(u, "oldest");
    ICHECK(itest_num(e, "submission_id") == (double)queued && itest_num(e, "age_ms") >= 0 &&
               !strcmp(itest_str(e, "status"), "queued"),
           "oldest");
    ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(u, "levels")) == DB_QUEUE_LEVELS,
           "PostgreSQL's levels");
    /* This test's own queue prefix: exactly its two pushes, none taken. */
    ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "queue")) == DB_QUEUE_LEVELS,
           "queue levels");
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(d, "queue"))
    {
        waiting += (int64_t)itest_num(e, "waiting");
        ICHECK(itest_num(e, "taken") == 0, "taken");
    }
    ICHECK(waiting == 2, "waiting %lld", (long long)waiting);
    j = find(cJSON_GetObjectItemCaseSensitive(d, "judges"), "id", id_new);
    ICHECK(j && itest_num(j, "submission") == (double)queued && itest_num(j, "pid") == 4242 &&
               itest_num(j, "started_at") == 1764100000000.0 &&
               itest_num(j, "judging_since") == 1764100003500.0 &&
               !strncmp(itest_str(j, "host"), "itest-org-", 10),
           "the judge's heartbeat");
    j = find(cJSON_GetObjectItemCaseSensitive(d, "judges"), "id", id_old);
    ICHECK(j && itest_num(j, "pid") == 7 && itest_num(j, "beat_at") == 1764100004000.0 &&
               cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "submission")) &&
               !strncmp(itest_str(j, "host"), "itest-old-", 10),
           "an older judge's heartbeat");
    e = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "judge_errors"), 0);
    ICHECK(e && itest_num(e, "submission_id") == (double)failed &&
               !strcmp(itest_str(e, "problem"), "pair-sum") &&
               !strcmp(itest_str(e, "username"), "bob") &&
               !strcmp(itest_str(e, "judge_host"), "itest-judge:99") &&
               itest_num(e, "judged_at") > 1.7e12,
           "the judge error");
    ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "judge_errors")) == 1,
           "one judge error");
    cJSON_Delete(r);
    drop_beat(id_new);
    drop_beat(id_old);
}

/* --- Setup and teardown ------------------------------------------------------- */

static void import(const char *slug)
{
    char path[1024];
    char *argv[] = {(char *)gavel_path, "problem", "import", "--public", path, NULL};
    const char *env[] = {e_pg, NULL};

    snprintf(path, sizeof(path), "%s/%s", examples, slug);
    ICHECK(itest_wait_exit(itest_spawn(argv, env, "/dev/null"), 60000) == 0, "import %s", slug);
}

static void setup(void)
{
    char *argv[] = {(char *)server_path, NULL};
    const char *env[] = {e_port, e_pg, e_queue, e_rate, NULL};
    char why[256];
    int applied = 0;

    itest_step = "setup";
    itest_db_create(pg_url, sizeof(pg_url), "server_org");
    snprintf(e_pg, sizeof(e_pg), "GAVEL_PG_URL=%s", pg_url);
    snprintf(e_queue, sizeof(e_queue), "GAVEL_QUEUE_PREFIX=itest:%d:orgq", (int)getpid());
    snprintf(e_rate, sizeof(e_rate), "GAVEL_RATE_PREFIX=itest:%d:orgrl", (int)getpid());
    ICHECK(db_pg_open(&pg, pg_url, 5, why, sizeof(why)) == 0, "%s", why);
    ICHECK(db_migrate(&applied, pg) == 0, "migrate: %s", db_pg_last_error(pg));
    ICHECK(db_redis_open(&redis, getenv("GAVEL_REDIS_URL"), 2000, why, sizeof(why)) == 0, "%s",
           why);
    import("pair-sum");
    import("circle-area");

    port = itest_free_port();
    snprintf(e_port, sizeof(e_port), "GAVEL_HTTP_PORT=%d", port);
    server = itest_spawn(argv, env, NULL);
    itest_wait_health(port, 200, NULL, 20000);
    register_user(&org);
    register_user(&admin);
    register_user(&mallory);
    register_user(&bob);
    /* Promoted behind the server's back, after their logins: the role is
     * read for each organizer request, not at login. */
    sql("UPDATE users SET role = 'organizer' WHERE username = 'org'; "
        "UPDATE users SET role = 'admin' WHERE username = 'root-admin'");
}

static void teardown(void)
{
    struct db_queue_opts o = {.prefix = e_queue + strlen("GAVEL_QUEUE_PREFIX=")};
    struct db_queue *q = NULL;
    int status;

    itest_step = "shutdown";
    /* A clean exit: under the sanitizers that is the leak check too. */
    kill(server, SIGTERM);
    status = itest_wait_exit(server, 10000);
    ICHECK(status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "gavel-server exited with wait status %#x", status);
    /* The shared Redis keeps nothing of this test. */
    if (db_queue_open(&q, redis, &o) == 0)
        db_queue_flush(q);
    db_queue_close(q);
    db_redis_close(redis);
    db_pg_close(pg);
    itest_db_drop();
}

int main(int argc, char **argv)
{
    int fd;

    if (argc != 4) {
        fprintf(stderr, "usage: test_server_org GAVEL-SERVER GAVEL EXAMPLES-DIR\n");
        return 2;
    }
    server_path = argv[1];
    gavel_path = argv[2];
    examples = argv[3];
    if (!getenv("GAVEL_PG_URL") || !getenv("GAVEL_REDIS_URL")) {
        fprintf(stderr, "skip: GAVEL_PG_URL and GAVEL_REDIS_URL are not set\n");
        return ITEST_SKIP;
    }
    itest_deadline(120);
    setup();
    fd = connect_as(&org);
    test_create(fd);
    test_definition_and_update(fd);
    test_hostile();
    test_unfreeze(fd);
    test_users(fd);
    test_ops(fd);
    close(fd);
    teardown();
    itest_kill_all();
    printf("test_server_org: all passed\n");
    return 0;
}
