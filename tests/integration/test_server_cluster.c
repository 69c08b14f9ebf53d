/* SPDX-License-Identifier: MIT
 * test_server_cluster.c - two gavel-server processes on one port, in front of
 * a Redis the test owns and a PostgreSQL it can cut off:
 *
 *   - a client on each process (told apart by hello's server.pid);
 *   - a submission made through process A: its per-test progress and verdict
 *     reach the submitter on A and an organizer subscribed on B, and not
 *     another contestant;
 *   - resume after a dropped connection, on the other process: exactly the
 *     events missed (compared with XRANGE of the stream), resync for an id
 *     older than the stream;
 *   - Redis stopped and restarted, then PostgreSQL cut off and restored:
 *     `unavailable` with a clear message meanwhile, the connection stays,
 *     and requests and live pushes come back by themselves;
 *   - subscribe to a contest: phase and countdown as cst_state_at computes
 *     them; a contest's problem is invisible before its start.
 *
 * Usage: test_server_cluster GAVEL-SERVER GAVEL EXAMPLES [GAVEL-JUDGE]
 *
 * Without GAVEL-JUDGE the judge's events are appended to the stream by the
 * test itself, exactly as gavel-judge appends them (type and data fields),
 * so this part needs no sandbox and runs in the sanitizer build too. With
 * GAVEL-JUDGE (the privileged variant; root, else exit 77) a real
 * gavel-judge judges the submissions instead. Exit 77 as well without
 * GAVEL_PG_URL / GAVEL_REDIS_URL or redis-server.
 *
 * Why one long file: every step shares the two servers, the owned Redis and
 * the clients that earlier steps set up (the resume step needs the events
 * of the submission step, the outage steps need live subscriptions), and
 * starting the cluster again per file would double the test's time.
 *
 * Here PostgreSQL is only cut off, by a TCP relay between the servers and
 * the test's PostgreSQL: killing the relay drops every connection and
 * refuses new ones, as a stopped server does to its clients, without
 * touching a cluster other tests share; it covers the two processes. The
 * real restart (pg_ctl stop, then start on the same port and data, of a
 * cluster of the test's own) is test_server_pg_restart.c.
 *
 * One file although long: it is one scenario on the one cluster setup()
 * builds (redis-server, the relay, two servers, three users), and its
 * steps depend on each other's state and order: the server restart uses
 * the contest test_contest() made, and the steps that stop Redis and cut
 * PostgreSQL come last. Split into executables, each would build the
 * cluster again; split into sources, the state below would become a shared
 * header that every part touches. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cst.h"
#include "cst_def.h"
#include "db.h"
#include "db_event.h"
#include "db_stream.h"
#include "gv_err.h"
#include "itest.h"
#include "itest_ws.h"
#include "banned.h"

#define PUSH_WAIT_MS 10000
#define RECOVER_MS 20000

static const char *server_path, *gavel_path, *examples, *judge_path;
static char work[64];
static char pg_url[600];       /* the test's database, direct */
static char pg_relay_url[600]; /* the same through the relay */
static char redis_url[64];
static int redis_port, relay_port, http_port;
static pid_t redis_pid, relay_pid, server_a, server_b;
static char pg_host[128];
static int pg_port;

static char alice_token[80], org_token[80], bob_token[80];
static int64_t alice_id, bob_id;

/* --- Stores ------------------------------------------------------------------ */

static struct db_redis *redis_connect(int ms)
{
    int64_t deadline = itest_now_ms() + ms;
    struct db_redis *r;
    char why[256];

    while (db_redis_open(&r, redis_url, 1000, why, sizeof(why)) < 0) {
        ICHECK(itest_now_ms() < deadline, "redis %s: %s", redis_url, why);
        itest_sleep_ms(50);
    }
    return r;
}

static void redis_start(void)
{
    char port[16];
    char *argv[] = {(char *)itest_find_redis_server(), "--port", port, "--bind", "127.0.0.1",
                    "--save", "", "--appendonly", "no", NULL};
    struct db_redis *r;

    snprintf(port, sizeof(port), "%d", redis_port);
    redis_pid = itest_spawn(argv, NULL, "/dev/null");
    r = redis_connect(10000);
    db_redis_close(r);
}

static void psql(const char *sql)
{
    struct db_pg *pg;
    char why[256];

    ICHECK(db_pg_open(&pg, pg_url, 5, why, sizeof(why)) == 0, "%s", why);
    ICHECK(db_pg_exec_script(pg, sql) == 0, "%s: %s", sql, db_pg_last_error(pg));
    db_pg_close(pg);
}

static char *psql_value(const char *sql)
{
    struct db_pg *pg;
    char why[256], *v = NULL;

    ICHECK(db_pg_open(&pg, pg_url, 5, why, sizeof(why)) == 0, "%s", why);
    ICHECK(db_pg_query_value(&v, pg, sql, 0, NULL) == 0, "%s: %s", sql, db_pg_last_error(pg));
    db_pg_close(pg);
    return v;
}

static int64_t psql_int(const char *sql)
{
    char *v = psql_value(sql);
    int64_t n;

    ICHECK(v, "no value for %s", sql);
    n = strtoll(v, NULL, 10);
    free(v);
    return n;
}

/* The relay: every accepted connection gets a process of its own that
 * copies bytes both ways; each dies with the relay (PDEATHSIG), so killing
 * the relay resets every connection at once. */
static void relay_pipe(int a, int b)
{
    char buf[16384];
    struct pollfd p[2] = {{.fd = a, .events = POLLIN}, {.fd = b, .events = POLLIN}};

    for (;;) {
        if (poll(p, 2, -1) < 0)
            return;
        for (int i = 0; i < 2; i++) {
            if (p[i].revents & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t n = read(p[i].fd, buf, sizeof(buf));

                if (n <= 0 || send(p[1 - i].fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
                    return;
            }
        }
    }
}

static void relay_main(void *arg)
{
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((uint16_t)relay_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)pg_port)};
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1;

    (void)arg;
    signal(SIGCHLD, SIG_IGN); /* no zombies */
    if (inet_pton(AF_INET, pg_host, &to.sin_addr) != 1 || lfd < 0 ||
        setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
        bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 64) < 0)
        _exit(1);
    for (;;) {
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC), up;
        pid_t pid;

        if (c < 0)
            continue;
        pid = fork();
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            close(lfd);
            up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
            if (up >= 0 && connect(up, (struct sockaddr *)&to, sizeof(to)) == 0)
                relay_pipe(c, up);
            _exit(0);
        }
        close(c);
    }
}

static void relay_start(void)
{
    int64_t deadline = itest_now_ms() + 5000;
    int fd;

    relay_pid = itest_fork(relay_main, NULL);
    while ((fd = itest_tcp_connect(relay_port)) < 0) {
        ICHECK(itest_now_ms() < deadline, "the PostgreSQL relay does not listen");
        itest_sleep_ms(20);
    }
    close(fd);
}

/* postgresql://user@host:port/db -> host, port; and the same URL through
 * the relay. Needs an IPv4 host (scripts/services hands out 127.0.0.1). */
static void parse_pg_url(void)
{
    const char *at = strchr(pg_url, '@'), *host, *colon, *slash;

    host = at ? at + 1 : strstr(pg_url, "://") + 3;
    colon = strchr(host, ':');
    slash = strchr(host, '/');
    ICHECK(colon && slash && colon < slash && colon - host < (long)sizeof(pg_host),
           "GAVEL_PG_URL '%s' is not postgresql://user@host:port/db", pg_url);
    snprintf(pg_host, sizeof(pg_host), "%.*s", (int)(colon - host), host);
    if (!strcmp(pg_host, "localhost"))
        snprintf(pg_host, sizeof(pg_host), "127.0.0.1");
    pg_port = (int)strtol(colon + 1, NULL, 10);
    snprintf(pg_relay_url, sizeof(pg_relay_url), "%.*s127.0.0.1:%d%s", (int)(host - pg_url),
             pg_url, relay_port, slash);
}

/* --- Processes of ours -------------------------------------------------------- */

static int run_cli(const char *const args[])
{
    static char env_pg[640];
    const char *env[] = {env_pg, NULL};
    char *argv[12], log[128];
    int n = 0;

    snprintf(env_pg, sizeof(env_pg), "GAVEL_PG_URL=%s", pg_url);
    argv[n++] = (char *)gavel_path;
    for (int i = 0; args[i] && n < 11; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    snprintf(log, sizeof(log), "%s/gavel.log", work);
    return itest_wait_exit(itest_spawn(argv, env, log), 60000);
}

static pid_t start_server(const char *name)
{
    static char e_port[40], e_pg[640], e_redis[100];
    /* Sessions and contest snapshots cached for ten minutes (srv_cache.h):
     * whatever a test sees change, an invalidation did, not an expiry. */
    const char *env[] = {e_port, e_pg, e_redis, "GAVEL_HTTP_ADDR=127.0.0.1",
                         "GAVEL_SUBMIT_RATE_FREE=1000", "GAVEL_SESSION_CACHE_MS=600000",
                         "GAVEL_SNAPSHOT_CACHE_MS=600000", NULL};
    char *argv[] = {(char *)server_path, NULL};
    char log[128];

    snprintf(e_port, sizeof(e_port), "GAVEL_HTTP_PORT=%d", http_port);
    snprintf(e_pg, sizeof(e_pg), "GAVEL_PG_URL=%s", pg_relay_url);
    snprintf(e_redis, sizeof(e_redis), "GAVEL_REDIS_URL=%s", redis_url);
    snprintf(log, sizeof(log), "%s/%s.log", work, name);
    return itest_spawn(argv, env, log);
}

static pid_t start_judge(void)
{
    static char e_pg[640], e_redis[100], e_cache[128];
    const char *env[] = {e_pg, e_redis, e_cache, NULL};
    char *argv[] = {(char *)judge_path, NULL};
    char log[128];

    snprintf(e_pg, sizeof(e_pg), "GAVEL_PG_URL=%s", pg_url);
    snprintf(e_redis, sizeof(e_redis), "GAVEL_REDIS_URL=%s", redis_url);
    snprintf(e_cache, sizeof(e_cache), "GAVEL_JUDGE_CACHE=%s/judge-cache", work);
    snprintf(log, sizeof(log), "%s/judge.log", work);
    return itest_spawn(argv, env, log);
}

/* --- Clients ------------------------------------------------------------------ */

/* A connection served by process `pid`, logged in with `token` ("" for
 * nobody). SO_REUSEPORT spreads connections by their addresses, so a few
 * tries find either process. */
static int client_on(pid_t pid, const char *token)
{
    /* By the clock, not a number of tries: a process just restarted (under
     * ASan, on a loaded host) may take seconds to listen, and meanwhile the
     * other one answers every try at once. */
    int64_t deadline = itest_now_ms() + 30000;
    char req[160];
    int tries = 0;

    snprintf(req, sizeof(req), "{\"type\":\"hello\",\"token\":\"%s\"}", token);
    while (tries == 0 || itest_now_ms() < deadline) {
        int fd = itest_ws_open(http_port);
        cJSON *r = itest_rpc(fd, req, "ok", NULL);
        const cJSON *server = cJSON_GetObjectItemCaseSensitive(itest_data(r), "server");
        bool mine = (pid_t)itest_num(server, "pid") == pid;

        tries++;
        ICHECK(!*token || cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(itest_data(r), "user")),
               "token not accepted");
        cJSON_Delete(r);
        if (mine)
            return fd;
        close(fd);
        itest_sleep_ms(tries < 50 ? 1 : 20);
    }
    itest_fail("no connection reached process %d in 30 s (%d tries)", (int)pid, tries);
}

static void register_user(const char *name, char *token, int64_t *id)
{
    char req[200];
    int fd = itest_ws_open(http_port);
    cJSON *r;

    snprintf(req, sizeof(req),
             "{\"type\":\"register\",\"username\":\"%s\",\"password\":\"secret-pw\"}", name);
    r = itest_rpc(fd, req, "ok", NULL);
    snprintf(token, 80, "%s", itest_str(itest_data(r), "token"));
    if (id)
        *id = (int64_t)itest_num(cJSON_GetObjectItemCaseSensitive(itest_data(r), "user"), "id");
    cJSON_Delete(r);
    close(fd);
}

/* The next push (an event or resync), or NULL after `ms`. Replies are not
 * expected here: fails on one. */
static cJSON *next_push(int fd, int ms)
{
    cJSON *j = itest_ws_recv(fd, ms);
    const char *t = j ? itest_str(j, "type") : NULL;

    ICHECK(!j || (t && (!strcmp(t, "event") || !strcmp(t, "resync"))), "not a push: %s",
           t ? t : "?");
    return j;
}

/* Checks that `j` (taken) is the push with event id `id`. */
static void check_push(cJSON *j, const char *id, const char *who)
{
    ICHECK(j, "%s: no push %s within %d ms", who, id, PUSH_WAIT_MS);
    ICHECK(itest_str(j, "event_id") && !strcmp(itest_str(j, "event_id"), id),
           "%s: want push %s, got %s %s", who, id,
           itest_str(j, "event_id") ? itest_str(j, "event_id") : itest_str(j, "type"),
           itest_str(j, "event") ? itest_str(j, "event") : "");
    cJSON_Delete(j);
}

/* Waits for the push with event id `id`; fails on any other. */
static void expect_push(int fd, const char *id, const char *who)
{
    check_push(next_push(fd, PUSH_WAIT_MS), id, who);
}

/* The next push that is not a contest.phase: the timers announce the
 * phases of contests the test inserted or edited behind the servers' back
 * at their next 250 ms tick, which may fall before the event a step
 * expects. */
static cJSON *next_push_past_phases(int fd, int ms)
{
    cJSON *j;
    const char *ev;

    while ((j = next_push(fd, ms)) && (ev = itest_str(j, "event")) &&
           !strcmp(ev, "contest.phase"))
        cJSON_Delete(j);
    return j;
}

/* As expect_push, past contest.phase pushes ahead of it. */
static void expect_push_past_phase(int fd, const char *id, const char *who)
{
    check_push(next_push_past_phases(fd, PUSH_WAIT_MS), id, who);
}

/* Nothing is pushed ahead of a pong: the connection got no stray events,
 * and it is still open. */
static void expect_quiet(int fd, const char *who)
{
    cJSON *j;
    char *got;

    itest_ws_send(fd, "{\"type\":\"ping\",\"id\":\"q\"}");
    j = itest_ws_recv(fd, PUSH_WAIT_MS);
    got = j ? cJSON_PrintUnformatted(j) : NULL;
    /* The frame itself in the message: a flake names what arrived. */
    ICHECK(j && itest_str(j, "type") && !strcmp(itest_str(j, "type"), "pong"),
           "%s: a push arrived that was not for it: %s", who, got ? got : "(nothing)");
    free(got);
    cJSON_Delete(j);
}

static int64_t submit(int fd, const char *problem, const char *language, const char *source)
{
    cJSON *req = cJSON_CreateObject(), *r;
    char *text;
    int64_t id;

    cJSON_AddStringToObject(req, "type", "submit");
    cJSON_AddStringToObject(req, "problem", problem);
    cJSON_AddStringToObject(req, "language", language);
    cJSON_AddStringToObject(req, "source", source);
    text = cJSON_PrintUnformatted(req);
    r = itest_rpc(fd, text, "ok", NULL);
    id = (int64_t)itest_num(itest_data(r), "submission_id");
    cJSON_Delete(r);
    free(text);
    cJSON_Delete(req);
    return id;
}

/* Publishes what gavel-judge would, through the one definition of events
 * (cst_event.h) and their one writer (db_event_publish), so a change of
 * format reaches this test too. The new entry's id into `id`. */
static void live_publish(char *id, const struct cst_event *ev)
{
    struct db_redis *r = redis_connect(5000);
    int err = db_event_publish(id, r, ev);

    ICHECK(err == 0, "publish %s: %s (%s)", cst_event_info(ev->type)->name, gv_strerror(err),
           db_redis_last_error(r));
    db_redis_close(r);
}

static void judging_init(struct cst_event *ev, enum cst_event_type type, int64_t sub,
                         int64_t user)
{
    cst_event_init(ev, type);
    ev->submission_id = sub;
    ev->user_id = user;
}

static void live_state(char *id, int64_t sub, int64_t user, enum cst_judging_state state)
{
    struct cst_event ev;

    judging_init(&ev, CST_EVENT_JUDGING_STATE, sub, user);
    ev.u.state.state = state;
    live_publish(id, &ev);
}

static void live_test(char *id, int64_t sub, int64_t user, int test, int tests,
                      const char *verdict)
{
    struct cst_event ev;

    judging_init(&ev, CST_EVENT_JUDGING_TEST, sub, user);
    ev.u.test.test = test;
    ev.u.test.tests = tests;
    snprintf(ev.u.test.verdict, sizeof(ev.u.test.verdict), "%s", verdict);
    ev.u.test.cpu_ms = 1;
    ev.u.test.memory_kb = 900;
    live_publish(id, &ev);
}

static void live_verdict(char *id, int64_t sub, int64_t user, int64_t seq, const char *verdict)
{
    struct cst_event ev;

    judging_init(&ev, CST_EVENT_JUDGING_VERDICT, sub, user);
    ev.seq = seq;
    ev.u.verdict.problem_id = 1;
    ev.u.verdict.judging_id = seq;
    snprintf(ev.u.verdict.verdict, sizeof(ev.u.verdict.verdict), "%s", verdict);
    ev.u.verdict.score = !strcmp(verdict, "AC");
    ev.u.verdict.max_time_ms = 2;
    ev.u.verdict.max_memory_kb = 900;
    live_publish(id, &ev);
}

/* A contest.scoreboard row of `user` (no attempts) in `contest`. */
static void live_row(char *id, int64_t contest, int64_t user, const char *username)
{
    struct cst_event ev;

    cst_event_init(&ev, CST_EVENT_CONTEST_ROW);
    ev.contest_id = contest;
    ev.user_id = user;
    snprintf(ev.u.row.row.username, sizeof(ev.u.row.row.username), "%s", username);
    live_publish(id, &ev);
}

/* A `submit` of print(1) in Python to `problem` in `contest`. */
static void contest_submit_req(char *req, size_t size, const char *problem, int64_t contest)
{
    snprintf(req, size,
             "{\"type\":\"submit\",\"problem\":\"%s\",\"language\":\"python\","
             "\"source\":\"print(1)\",\"contest\":%" PRId64 "}",
             problem, contest);
}

/* --- Contest ------------------------------------------------------------------- */

static void check_contest(int fd, int64_t id, const char *want_phase)
{
    char req[128];
    cJSON *r;
    const cJSON *c;
    struct cst_schedule sch = {0};
    struct cst_state st;
    char sql[256];

    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}",
             id);
    r = itest_rpc(fd, req, "ok", NULL);
    c = cJSON_GetObjectItemCaseSensitive(itest_data(r), "contest");
    ICHECK(c, "no contest object");
    snprintf(sql, sizeof(sql),
             "SELECT (extract(epoch FROM starts_at) * 1000)::bigint FROM contests WHERE id = %" PRId64,
             id);
    sch.starts_at = psql_int(sql);
    snprintf(sql, sizeof(sql),
             "SELECT (extract(epoch FROM ends_at) * 1000)::bigint FROM contests WHERE id = %" PRId64,
             id);
    sch.ends_at = psql_int(sql);
    ICHECK((int64_t)itest_num(c, "starts_at_ms") == sch.starts_at, "starts_at_ms");
    ICHECK((int64_t)itest_num(c, "ends_at_ms") == sch.ends_at, "ends_at_ms");
    /* The same computation at the server's own now_ms. */
    cst_state_at(&st, &sch, (int64_t)itest_num(c, "now_ms"));
    ICHECK(itest_str(c, "phase") && !strcmp(itest_str(c, "phase"), cst_phase_name(st.phase)) &&
               !strcmp(itest_str(c, "phase"), want_phase),
           "phase %s, want %s", itest_str(c, "phase"), want_phase);
    ICHECK((int64_t)itest_num(c, "next_change_in_ms") == st.next_change_in_ms,
           "next_change_in_ms %.0f, want %" PRId64, itest_num(c, "next_change_in_ms"),
           st.next_change_in_ms);
    ICHECK(llabs((long long)((int64_t)itest_num(c, "now_ms") - (int64_t)time(NULL) * 1000)) < 5000,
           "now_ms is not the wall clock");
    cJSON_Delete(r);
}

/* A contest's row and cell objects in a scoreboard JSON: the row of
 * `username`, or NULL. */
static const cJSON *board_row(const cJSON *board, const char *username)
{
    const cJSON *r;

    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(board, "rows"))
    {
        const char *u = itest_str(r, "username");
        if (u && !strcmp(u, username))
            return r;
    }
    return NULL;
}

/* The contest list, the board, announcements, and contest pushes reaching
 * a subscriber on the other process. `fd` is alice on A, registered for
 * `soon` (now running, one queued submission of hers); `org` is an
 * organizer on B. */
static void test_contest_live(int fd, int org, int64_t soon, int64_t live)
{
    char req[4400], id[DB_STREAM_ID_MAX];
    int bob = client_on(server_b, bob_token), anon = client_on(server_a, "");
    cJSON *r, *j;
    const cJSON *d, *row, *c;
    bool seen_live = false;

    itest_step = "contests.list";
    r = itest_rpc(anon, "{\"type\":\"contests.list\"}", "ok", NULL);
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(itest_data(r), "contests"))
    {
        if ((int64_t)itest_num(c, "id") != live)
            continue;
        seen_live = true;
        ICHECK(!strcmp(itest_str(c, "phase"), "running"), "live is %s", itest_str(c, "phase"));
        ICHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(c, "registered")),
               "anonymous is registered");
    }
    ICHECK(seen_live, "the running contest is listed");
    cJSON_Delete(r);

    itest_step = "contest.scoreboard";
    snprintf(req, sizeof(req), "{\"type\":\"contest.scoreboard\",\"contest\":%" PRId64 "}", soon);
    r = itest_rpc(anon, req, "ok", NULL);
    d = cJSON_GetObjectItemCaseSensitive(itest_data(r), "scoreboard");
    row = board_row(d, "alice");
    ICHECK(row, "alice is on the board");
    ICHECK(itest_num(row, "solved") == 0 && itest_num(row, "rank") == 1, "alice's row");
    c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(row, "cells"), 0);
    ICHECK(c && itest_num(c, "pending") == 1, "her queued submission is pending");
    ICHECK(!board_row(d, "bob"), "bob did not register");
    cJSON_Delete(r);
    itest_rpc_error(anon, "{\"type\":\"contest.scoreboard\",\"contest\":987654}",
                    "not_found");
    /* Anonymous callers read boards but never register or announce. */
    snprintf(req, sizeof(req), "{\"type\":\"contest.register\",\"contest\":%" PRId64 "}", soon);
    itest_rpc_error(anon, req, "unauthenticated");
    snprintf(req, sizeof(req),
             "{\"type\":\"contest.announce\",\"contest\":%" PRId64 ",\"text\":\"x\"}", soon);
    itest_rpc_error(anon, req, "unauthenticated");
    /* A contest yet to start: its board names no problem, except to the jury. */
    psql("INSERT INTO contests (slug, title, starts_at, ends_at) VALUES ('later', 'Later', "
         "now() + interval '1 day', now() + interval '2 days');"
         "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal, color) SELECT "
         "c.id, p.id, 'A', 1, '#1e88e5' FROM contests c, problems p WHERE c.slug = 'later' AND "
         "p.slug = 'pair-sum'");
    {
        int64_t later = psql_int("SELECT id FROM contests WHERE slug = 'later'");
        snprintf(req, sizeof(req), "{\"type\":\"contest.scoreboard\",\"contest\":%" PRId64 "}",
                 later);
        r = itest_rpc(fd, req, "ok", NULL);
        d = cJSON_GetObjectItemCaseSensitive(itest_data(r), "scoreboard");
        ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "problems")) == 0,
               "a contestant sees no problem of a contest yet to start");
        cJSON_Delete(r);
        r = itest_rpc(org, req, "ok", NULL);
        d = cJSON_GetObjectItemCaseSensitive(itest_data(r), "scoreboard");
        ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "problems")) == 1,
               "the jury sees its problems");
        /* With the colour the definition gave it, for the board's column. */
        c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "problems"), 0);
        ICHECK(itest_str(c, "color") && !strcmp(itest_str(c, "color"), "#1e88e5"),
               "the problem's colour");
        cJSON_Delete(r);
        /* Gone again: while it waits, pair-sum is hidden everywhere. */
        psql("DELETE FROM contests WHERE slug = 'later'");
    }
    {
        /* The same reads over HTTP, for scripts. */
        struct itest_http h;
        char path[96];

        itest_http_get(&h, http_port, "/api/contests");
        ICHECK(h.status == 200 && h.body && strstr(h.body, "\"slug\":\"soon\""),
               "GET /api/contests: %d", h.status);
        itest_http_release(&h);
        snprintf(path, sizeof(path), "/api/contests/%" PRId64 "/scoreboard", soon);
        itest_http_get(&h, http_port, path);
        ICHECK(h.status == 200 && h.body && strstr(h.body, "\"username\":\"alice\""),
               "GET %s: %d", path, h.status);
        itest_http_release(&h);
        itest_http_get(&h, http_port, "/api/contests/987654/scoreboard");
        ICHECK(h.status == 404, "an unknown contest's board over HTTP: %d", h.status);
        itest_http_release(&h);
        itest_http_get(&h, http_port, "/api/contests/x1/scoreboard");
        ICHECK(h.status == 404, "a malformed contest route: %d", h.status);
        itest_http_release(&h);
    }

    itest_step = "contest snapshot";
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}",
             soon);
    r = itest_rpc(fd, req, "ok", NULL);
    ICHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(itest_data(r), "registered")),
           "alice is registered");
    ICHECK(board_row(cJSON_GetObjectItemCaseSensitive(itest_data(r), "scoreboard"), "alice"),
           "the snapshot has the board");
    ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(itest_data(r), "announcements")) == 0,
           "no announcements yet");
    cJSON_Delete(r);
    r = itest_rpc(bob, req, "ok", NULL);
    ICHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(itest_data(r), "registered")),
           "bob is not registered");
    cJSON_Delete(r);

    itest_step = "contest.announce";
    snprintf(req, sizeof(req),
             "{\"type\":\"contest.announce\",\"contest\":%" PRId64 ",\"text\":\"x\"}", soon);
    ICHECK(strstr(itest_rpc_error(fd, req, "forbidden"), "organizer"), "contestants cannot announce");
    snprintf(req, sizeof(req),
             "{\"type\":\"contest.announce\",\"contest\":%" PRId64 ",\"text\":\"\"}", soon);
    itest_rpc_error(org, req, "invalid");
    {
        int n = snprintf(req, sizeof(req),
                         "{\"type\":\"contest.announce\",\"contest\":%" PRId64 ",\"text\":\"",
                         soon);
        memset(req + n, 'a', 2001);
        snprintf(req + n + 2001, sizeof(req) - (size_t)n - 2001, "\"}");
        itest_rpc_error(org, req, "invalid");
    }
    itest_rpc_error(org, "{\"type\":\"contest.announce\",\"contest\":987654,\"text\":\"x\"}",
                    "not_found");
    snprintf(req, sizeof(req),
             "{\"type\":\"contest.announce\",\"contest\":%" PRId64
             ",\"text\":\"Problem A: \\\"n\\\" may be 0.\"}",
             soon);
    r = itest_rpc(org, req, "ok", NULL);
    ICHECK(itest_str(itest_data(r), "event_id"), "the announcement went to the live stream");
    cJSON_Delete(r);
    /* Pushed to both subscribers: alice on A and bob on B. */
    for (int k = 0; k < 2; k++) {
        /* Alice may first get her own row (her submission is pending). */
        while ((j = next_push(k ? bob : fd, PUSH_WAIT_MS)) != NULL &&
               !strcmp(itest_str(j, "event"), "contest.scoreboard") && !k)
            cJSON_Delete(j);
        ICHECK(j && itest_str(j, "event") && !strcmp(itest_str(j, "event"), "contest.announcement"),
               "announcement push on %s", k ? "B" : "A");
        d = cJSON_GetObjectItemCaseSensitive(j, "data");
        ICHECK(!strcmp(itest_str(d, "text"), "Problem A: \"n\" may be 0.") &&
                   (int64_t)itest_num(d, "contest_id") == soon,
               "announcement text");
        cJSON_Delete(j);
    }
    /* A later subscriber finds it in the snapshot. */
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}",
             soon);
    r = itest_rpc(anon, req, "ok", NULL);
    c = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(itest_data(r), "announcements"), 0);
    ICHECK(c && !strcmp(itest_str(c, "text"), "Problem A: \"n\" may be 0."),
           "the snapshot lists the announcement");
    cJSON_Delete(r);

    itest_step = "unsubscribe";
    /* Alice leaves the contest's topic: the next announcement reaches bob
     * and not her; she subscribes again for the steps below. */
    snprintf(req, sizeof(req),
             "{\"type\":\"unsubscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}", soon);
    cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
    cJSON_Delete(itest_rpc(fd, req, "ok", NULL)); /* idempotent */
    snprintf(req, sizeof(req),
             "{\"type\":\"contest.announce\",\"contest\":%" PRId64 ",\"text\":\"second\"}", soon);
    cJSON_Delete(itest_rpc(org, req, "ok", NULL));
    j = next_push_past_phases(bob, PUSH_WAIT_MS);
    ICHECK(j && !strcmp(itest_str(j, "event"), "contest.announcement"),
           "bob, still subscribed, gets the announcement");
    cJSON_Delete(j);
    usleep(300 * 1000); /* as long as it could take to reach A as well */
    itest_ws_send(fd, "{\"type\":\"ping\",\"id\":\"q\"}");
    while ((j = itest_ws_recv(fd, PUSH_WAIT_MS)) && !itest_str(j, "event") &&
           strcmp(itest_str(j, "type"), "pong") != 0)
        cJSON_Delete(j);
    for (; j && itest_str(j, "event"); j = itest_ws_recv(fd, PUSH_WAIT_MS)) {
        ICHECK(strcmp(itest_str(j, "event"), "contest.announcement") != 0,
               "an announcement reached alice after she unsubscribed");
        cJSON_Delete(j);
    }
    ICHECK(j && !strcmp(itest_str(j, "type"), "pong"), "alice's pong");
    cJSON_Delete(j);
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}",
             soon);
    cJSON_Delete(itest_rpc(fd, req, "ok", NULL));

    itest_step = "contest.scoreboard pushes coalesce per row";
    /* What gavel-judge publishes after a contest verdict (jdg_worker.c):
     * two rows of alice back to back reach bob, the newest at least. */
    {
        struct cst_event_cell cell = {.label = "A", .solved = true, .tries = 1, .time_min = 3};
        struct cst_event ev;

        cst_event_init(&ev, CST_EVENT_CONTEST_ROW);
        ev.contest_id = soon;
        ev.user_id = alice_id;
        snprintf(ev.u.row.row.username, sizeof(ev.u.row.row.username), "alice");
        ev.u.row.row.solved = 1;
        ev.u.row.row.penalty = 3;
        ev.u.row.row.ncells = 1;
        ev.u.row.row.cells = &cell; /* borrowed: never released */
        live_publish(id, &ev);
    }
    j = next_push(bob, PUSH_WAIT_MS);
    ICHECK(j && !strcmp(itest_str(j, "event"), "contest.scoreboard") &&
               !strcmp(itest_str(j, "event_id"), id),
           "scoreboard row pushed to a subscriber on B");
    cJSON_Delete(j);
    expect_quiet(bob, "bob after the row");
    close(bob);
    close(anon);
}

static char *read_file(const char *path);

/* With the real gavel-judge: a contest verdict changes the author's
 * scoreboard row, which reaches a subscriber on the other process. */
static void test_contest_board_judge(void)
{
    int a1 = client_on(server_a, alice_token), b3 = client_on(server_b, bob_token);
    int64_t cid, sub;
    char req[256], path[1024], *src;
    cJSON *r, *j = NULL, *body;
    const cJSON *row = NULL;

    itest_step = "judged contest: setup";
    psql("INSERT INTO contests (slug, title, starts_at, ends_at) VALUES ('jc', 'Judged', "
         "now() - interval '5 minutes', now() + interval '1 hour');"
         "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) SELECT c.id, p.id, "
         "'A', 1 FROM contests c, problems p WHERE c.slug = 'jc' AND p.slug = 'pair-sum'");
    cid = psql_int("SELECT id FROM contests WHERE slug = 'jc'");
    snprintf(req, sizeof(req), "{\"type\":\"contest.register\",\"contest\":%" PRId64 "}", cid);
    cJSON_Delete(itest_rpc(a1, req, "ok", NULL));
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}",
             cid);
    cJSON_Delete(itest_rpc(b3, req, "ok", NULL));
    /* A window now builds the contest's board in Redis; the submission and
     * its verdict below then update it one row at a time. */
    itest_step = "judged contest: board window before";
    snprintf(req, sizeof(req), "{\"type\":\"contest.board_window\",\"contest\":%" PRId64 "}",
             cid);
    r = itest_rpc(b3, req, "ok", NULL);
    ICHECK(itest_num(itest_data(r), "total") == 1 &&
               itest_num(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(itest_data(r), "rows"),
                                            0), "solved") == 0,
           "the window before any submission");
    cJSON_Delete(r);

    itest_step = "judged contest: submit and watch the board";
    snprintf(path, sizeof(path), "%s/pair-sum/submissions/accepted/two_pointers.c", examples);
    src = read_file(path);
    body = cJSON_CreateObject();
    cJSON_AddStringToObject(body, "type", "submit");
    cJSON_AddStringToObject(body, "problem", "pair-sum");
    cJSON_AddStringToObject(body, "language", "c");
    cJSON_AddStringToObject(body, "source", src);
    cJSON_AddNumberToObject(body, "contest", (double)cid);
    free(src);
    {
        char *text = cJSON_PrintUnformatted(body);
        r = itest_rpc(a1, text, "ok", NULL);
        free(text);
    }
    cJSON_Delete(body);
    sub = (int64_t)itest_num(itest_data(r), "submission_id");
    cJSON_Delete(r);
    /* Bob sees no judging events of alice's, only her row: at once with one
     * pending attempt (published by the server that took the submission),
     * then solved once judged. The first may be coalesced away by the
     * second if bob reads late, so it is not required. */
    for (;;) {
        const cJSON *cell;
        j = next_push(b3, 90000);
        /* The contest was made started by hand: the clock announces it. */
        if (j && itest_str(j, "event") && !strcmp(itest_str(j, "event"), "contest.phase")) {
            cJSON_Delete(j);
            continue;
        }
        ICHECK(j && !strcmp(itest_str(j, "event"), "contest.scoreboard"),
               "bob gets only scoreboard rows, not %s", j ? itest_str(j, "event") : "nothing");
        row = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(j, "data"), "row");
        ICHECK(row && !strcmp(itest_str(row, "username"), "alice"), "alice's row");
        cell = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(row, "cells"), 0);
        if (itest_num(row, "solved") == 0) {
            ICHECK(cell && itest_num(cell, "pending") == 1, "her row while judging: one pending");
            cJSON_Delete(j);
            continue;
        }
        /* A live row has no rank: its writer reads only this contestant. */
        ICHECK(itest_num(row, "solved") == 1 && !cJSON_HasObjectItem(row, "rank") && cell &&
                   itest_num(cell, "pending") == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cell, "first")),
               "alice's row after her accepted submission %" PRId64, sub);
        cJSON_Delete(j);
        break;
    }
    expect_quiet(b3, "bob after the row");

    itest_step = "judged contest: board windows";
    {
        const cJSON *d, *w;
        snprintf(req, sizeof(req),
                 "{\"type\":\"contest.board_window\",\"contest\":%" PRId64 ",\"around\":%" PRId64
                 ",\"radius\":3}",
                 cid, alice_id);
        r = itest_rpc(b3, req, "ok", NULL);
        d = itest_data(r);
        w = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "rows"), 0);
        ICHECK(itest_num(d, "total") == 1 && itest_num(d, "from") == 0 && w &&
                   !strcmp(itest_str(w, "username"), "alice") && itest_num(w, "rank") == 1 &&
                   itest_num(w, "solved") == 1 &&
                   cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
                       cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(w, "cells"), 0),
                       "first")),
               "the window around alice after her verdict");
        cJSON_Delete(r);
    }
    /* Bad windows: each named. */
    {
        static const char *const bad[] = {
            "\"count\":0", "\"count\":501", "\"radius\":251", "\"from\":-1",
            "\"around\":\"alice\"",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            snprintf(req, sizeof(req),
                     "{\"type\":\"contest.board_window\",\"contest\":%" PRId64 ",%s}", cid,
                     bad[i]);
            itest_rpc_error(b3, req, "invalid");
        }
        snprintf(req, sizeof(req),
                 "{\"type\":\"contest.board_window\",\"contest\":%" PRId64 ",\"around\":%" PRId64
                 "}",
                 cid, bob_id);
        itest_rpc_error(b3, req, "not_found"); /* bob did not register */
        itest_rpc_error(b3, "{\"type\":\"contest.board_window\",\"contest\":987654}",
                        "not_found");
    }
    close(a1);
    close(b3);
}

/* A gavel-server killed outright mid-contest and started again: nothing
 * was lost. The contest's state is the same (derived from PostgreSQL), a
 * client that reconnects gets the contest events it missed by resuming from
 * its last event id, and its submission made before the crash is intact. */
static void test_server_restart_mid_contest(void)
{
    int64_t cid = psql_int("SELECT id FROM contests WHERE slug = 'soon'");
    char req[256], last[DB_STREAM_ID_MAX], missed[DB_STREAM_ID_MAX], sub_req[96];
    char before_phase[32];
    int alice, org = client_on(server_b, org_token);
    int64_t sub;
    cJSON *r, *j;
    bool got_missed = false;

    itest_step = "server restart: before the crash";
    alice = client_on(server_a, alice_token);
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}",
             cid);
    r = itest_rpc(alice, req, "ok", NULL);
    snprintf(before_phase, sizeof(before_phase), "%s",
             itest_str(cJSON_GetObjectItemCaseSensitive(itest_data(r), "contest"), "phase"));
    cJSON_Delete(r);
    sub = submit(alice, "pair-sum", "python", "print(0)");
    /* Her own submission's events aside, the last event she saw. */
    snprintf(req, sizeof(req),
             "{\"type\":\"contest.announce\",\"contest\":%" PRId64 ",\"text\":\"before\"}", cid);
    cJSON_Delete(itest_rpc(org, req, "ok", NULL));
    for (;;) {
        j = next_push(alice, PUSH_WAIT_MS);
        ICHECK(j, "the announcement before the crash reached alice");
        if (!strcmp(itest_str(j, "event"), "contest.announcement")) {
            snprintf(last, sizeof(last), "%s", itest_str(j, "event_id"));
            cJSON_Delete(j);
            break;
        }
        cJSON_Delete(j);
    }

    itest_step = "server restart: A is killed";
    itest_kill(server_a);
    ICHECK(!itest_ws_recv(alice, 5000), "alice's connection to A closed");
    close(alice);
    snprintf(req, sizeof(req),
             "{\"type\":\"contest.announce\",\"contest\":%" PRId64 ",\"text\":\"while A was down\"}",
             cid);
    r = itest_rpc(org, req, "ok", NULL);
    snprintf(missed, sizeof(missed), "%s", itest_str(itest_data(r), "event_id"));
    cJSON_Delete(r);
    server_a = start_server("server-a-restarted");

    itest_step = "server restart: reconnect and resume";
    alice = client_on(server_a, alice_token);
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}",
             cid);
    r = itest_rpc(alice, req, "ok", NULL);
    ICHECK(!strcmp(itest_str(cJSON_GetObjectItemCaseSensitive(itest_data(r), "contest"), "phase"),
                   before_phase),
           "the same phase after the restart");
    ICHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(itest_data(r), "registered")),
           "still registered");
    cJSON_Delete(r);
    snprintf(req, sizeof(req), "{\"type\":\"resume\",\"last_event_id\":\"%s\"}", last);
    r = itest_rpc(alice, req, "ok", NULL);
    ICHECK(itest_num(itest_data(r), "replayed") >= 1, "the missed announcement is replayed");
    cJSON_Delete(r);
    while ((j = next_push(alice, 2000)) != NULL) {
        if (itest_str(j, "event_id") && !strcmp(itest_str(j, "event_id"), missed))
            got_missed = true;
        cJSON_Delete(j);
    }
    ICHECK(got_missed, "alice got the announcement made while A was down (%s)", missed);
    snprintf(sub_req, sizeof(sub_req), "{\"type\":\"submission.get\",\"submission\":%" PRId64 "}",
             sub);
    r = itest_rpc(alice, sub_req, "ok", NULL);
    ICHECK(!strcmp(itest_str(itest_data(r), "problem"), "pair-sum"),
           "her submission from before the crash is intact");
    cJSON_Delete(r);
    close(alice);
    close(org);
}

/* --- Clarifications -------------------------------------------------------------- */

/* The next contest.clarification push on `fd` (other pushes skipped), or
 * NULL when none comes within `ms`. */
static cJSON *next_clar(int fd, int ms)
{
    int64_t deadline = itest_now_ms() + ms;

    while (itest_now_ms() < deadline) {
        cJSON *j = next_push(fd, (int)(deadline - itest_now_ms()) + 1);

        if (!j)
            return NULL;
        if (itest_str(j, "event") && !strcmp(itest_str(j, "event"), "contest.clarification"))
            return j;
        cJSON_Delete(j);
    }
    return NULL;
}

/* Whether `j` is the push of clarification `id`, answered or not. */
static bool is_clar(const cJSON *j, int64_t id, bool answered)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");

    return itest_str(j, "event") && !strcmp(itest_str(j, "event"), "contest.clarification") &&
           (int64_t)itest_num(d, "clarification_id") == id &&
           !answered == !cJSON_GetObjectItemCaseSensitive(d, "answer");
}

/* Clarification `id` reaches `fd` (answered or not), with its question
 * when `question`. */
static void expect_clar(int fd, int64_t id, bool question, bool answered, const char *who)
{
    cJSON *j = next_clar(fd, PUSH_WAIT_MS);
    const cJSON *d = j ? cJSON_GetObjectItemCaseSensitive(j, "data") : NULL;

    ICHECK(j, "%s: no clarification %" PRId64, who, id);
    ICHECK(is_clar(j, id, answered) && !question == !itest_str(d, "question"),
           "%s: clarification %" PRId64 " expected, got %g", who, id,
           itest_num(d, "clarification_id"));
    cJSON_Delete(j);
}

/* Nothing about clarifications waits for `fd`: a ping's pong comes before
 * any such push. */
static void expect_no_clar(int fd, const char *who)
{
    itest_ws_send(fd, "{\"type\":\"ping\",\"id\":\"nc\"}");
    for (;;) {
        cJSON *j = itest_ws_recv(fd, PUSH_WAIT_MS);
        const char *t = j ? itest_str(j, "type") : NULL;
        const char *e = j ? itest_str(j, "event") : NULL;
        bool pong = t && !strcmp(t, "pong");

        ICHECK(j, "%s: no pong", who);
        ICHECK(!e || strcmp(e, "contest.clarification"), "%s: got a clarification it may not see",
               who);
        cJSON_Delete(j);
        if (pong)
            return;
    }
}

/* Sends a clarification request; its id. The sender's own push of what
 * it did (answered or not) may come before the reply or after: it is
 * expected and taken either way. */
static int64_t clar_rpc(int fd, const char *req, bool answered)
{
    cJSON *pushes = cJSON_CreateArray(), *r = itest_rpc(fd, req, "ok", pushes), *p;
    int64_t id = (int64_t)itest_num(itest_data(r), "clarification_id");
    bool seen = false;

    cJSON_ArrayForEach(p, pushes) seen |= is_clar(p, id, answered);
    if (!seen) {
        cJSON *j = next_clar(fd, PUSH_WAIT_MS);

        ICHECK(j && is_clar(j, id, answered), "the sender's own push of clarification %" PRId64,
               id);
        cJSON_Delete(j);
    }
    cJSON_Delete(pushes);
    cJSON_Delete(r);
    return id;
}

static int clar_count(int fd, int64_t cid)
{
    char req[96];
    cJSON *r;
    int n;

    snprintf(req, sizeof(req), "{\"type\":\"clar.list\",\"contest\":%" PRId64 "}", cid);
    r = itest_rpc(fd, req, "ok", NULL);
    n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(itest_data(r), "clarifications"));
    cJSON_Delete(r);
    return n;
}

/* The clarifications in a subscribe's snapshot of contest `cid`. */
static int snapshot_clar_count(int fd, int64_t cid)
{
    char req[128];
    cJSON *r;
    int n;

    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}",
             cid);
    r = itest_rpc(fd, req, "ok", NULL);
    n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(itest_data(r), "clarifications"));
    cJSON_Delete(r);
    return n;
}

/* Whether `fd`'s list of contest `cid` names the asker of every question
 * (the jury's list) or of none (anyone else's). */
static bool clar_askers_named(int fd, int64_t cid, bool named)
{
    char req[96];
    const cJSON *c;
    cJSON *r;
    bool ok = true;

    snprintf(req, sizeof(req), "{\"type\":\"clar.list\",\"contest\":%" PRId64 "}", cid);
    r = itest_rpc(fd, req, "ok", NULL);
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(itest_data(r), "clarifications"))
    {
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(c, "question");
        const cJSON *u = cJSON_GetObjectItemCaseSensitive(c, "username");

        if (cJSON_IsString(q) && cJSON_IsString(u) != named)
            ok = false;
    }
    cJSON_Delete(r);
    return ok;
}

/* Two contestants on different servers and the jury: a question reaches
 * the jury only, a private answer its asker only, a public answer and a
 * broadcast everyone; the lists agree; a contestant cannot answer or
 * broadcast, an anonymous client cannot ask. */
static void test_clarifications(void)
{
    int alice = client_on(server_a, alice_token), bob = client_on(server_b, bob_token);
    int org = client_on(server_b, org_token), anon = client_on(server_a, "");
    int64_t cid, q1, q2, b1;
    char req[512];

    itest_step = "clarifications: setup";
    psql("INSERT INTO contests (slug, title, starts_at, ends_at, announced_phase) VALUES ('clar', "
         "'Clarified', now() - interval '1 minute', now() + interval '1 hour', 'running');"
         "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) SELECT c.id, p.id, "
         "'A', 1 FROM contests c, problems p WHERE c.slug = 'clar' AND p.slug = 'pair-sum'");
    cid = psql_int("SELECT id FROM contests WHERE slug = 'clar'");
    snprintf(req, sizeof(req), "{\"type\":\"contest.register\",\"contest\":%" PRId64 "}", cid);
    cJSON_Delete(itest_rpc(alice, req, "ok", NULL));
    cJSON_Delete(itest_rpc(bob, req, "ok", NULL));
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64
             "}", cid);
    cJSON_Delete(itest_rpc(alice, req, "ok", NULL));
    cJSON_Delete(itest_rpc(bob, req, "ok", NULL));
    cJSON_Delete(itest_rpc(org, req, "ok", NULL));

    itest_step = "clarifications: a question and a private answer";
    snprintf(req, sizeof(req), "{\"type\":\"clar.ask\",\"contest\":%" PRId64 ",\"problem\":\"A\","
             "\"text\":\"May n be 0?\"}", cid);
    q1 = clar_rpc(alice, req, false);
    expect_clar(org, q1, true, false, "the jury on B");
    expect_no_clar(bob, "bob");
    snprintf(req, sizeof(req), "{\"type\":\"clar.answer\",\"clarification\":%" PRId64 ",\"text\":"
             "\"No.\"}", q1);
    ICHECK(clar_rpc(org, req, true) == q1, "the answer names its clarification");
    expect_clar(alice, q1, true, true, "alice, answered privately");
    expect_no_clar(bob, "bob, after a private answer");

    itest_step = "clarifications: a public answer and a broadcast";
    snprintf(req, sizeof(req), "{\"type\":\"clar.ask\",\"contest\":%" PRId64 ",\"text\":"
             "\"Is the input one test per file?\"}", cid);
    q2 = clar_rpc(bob, req, false);
    expect_clar(org, q2, true, false, "the jury, bob's question");
    expect_no_clar(alice, "alice, bob's question");
    snprintf(req, sizeof(req), "{\"type\":\"clar.answer\",\"clarification\":%" PRId64 ",\"text\":"
             "\"Yes.\",\"public\":true}", q2);
    clar_rpc(org, req, true);
    expect_clar(alice, q2, true, true, "alice, a public answer with its question");
    expect_clar(bob, q2, true, true, "bob, a public answer");
    snprintf(req, sizeof(req), "{\"type\":\"clar.broadcast\",\"contest\":%" PRId64 ",\"text\":"
             "\"Problem A: the limits are as stated.\",\"problem\":\"A\"}", cid);
    b1 = clar_rpc(org, req, true);
    expect_clar(alice, b1, false, true, "alice, the broadcast");
    expect_clar(bob, b1, false, true, "bob, the broadcast");
    ICHECK(clar_count(alice, cid) == 3 && clar_count(bob, cid) == 2 && clar_count(org, cid) == 3,
           "lists: alice 3 (hers, public, broadcast), bob 2, the jury 3");
    /* Snapshots share the public ones (srv_cache.h); an asker's own
     * private question comes from a read of its own. */
    ICHECK(snapshot_clar_count(alice, cid) == 3 && snapshot_clar_count(bob, cid) == 2 &&
               snapshot_clar_count(anon, cid) == 2 && snapshot_clar_count(org, cid) == 3,
           "snapshots: alice 3 (her private question too), bob 2, a visitor 2, the jury 3");
    ICHECK(clar_askers_named(org, cid, true), "the jury's list names every asker");
    ICHECK(clar_askers_named(alice, cid, false) && clar_askers_named(bob, cid, false),
           "a contestant's list names no asker, not even of a public question");

    itest_step = "clarifications: what nobody else may do";
    snprintf(req, sizeof(req), "{\"type\":\"clar.answer\",\"clarification\":%" PRId64 ",\"text\":"
             "\"Yes, 0 is fine.\",\"public\":true}", q1);
    itest_rpc_error(bob, req, "forbidden");
    snprintf(req, sizeof(req), "{\"type\":\"clar.broadcast\",\"contest\":%" PRId64 ",\"text\":"
             "\"fake\"}", cid);
    itest_rpc_error(alice, req, "forbidden");
    snprintf(req, sizeof(req), "{\"type\":\"contest.announce\",\"contest\":%" PRId64 ",\"text\":"
             "\"fake\"}", cid);
    itest_rpc_error(alice, req, "forbidden");
    snprintf(req, sizeof(req), "{\"type\":\"clar.ask\",\"contest\":%" PRId64 ",\"text\":\"x\"}",
             cid);
    itest_rpc_error(anon, req, "unauthenticated");
    snprintf(req, sizeof(req), "{\"type\":\"clar.ask\",\"contest\":%" PRId64 ",\"problem\":\"Z\","
             "\"text\":\"x\"}", cid);
    itest_rpc_error(alice, req, "invalid");
    ICHECK(psql_int("SELECT count(*) FROM clarifications WHERE answer LIKE '%0 is fine%' OR "
                    "answer = 'fake'") == 0,
           "nothing a contestant sent as the jury was stored");
    ICHECK(clar_count(anon, cid) == 2, "an anonymous reader sees the public ones");
    close(alice);
    close(bob);
    close(org);
    close(anon);
}

/* --- Contest timers ---------------------------------------------------------- */

static int64_t real_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The phase changes of contest `cid` one client saw, in order. */
struct phases_seen {
    int fd;
    const char *who;
    bool live; /* connected at every change: each must arrive within a second */
    char order[128];                /* "running frozen ended" */
    char last_id[DB_STREAM_ID_MAX]; /* the stream id of the newest push */
    int count;
};

/* One push of `p`'s connection: a phase change of `cid` is recorded (and
 * timed against its stored time when live); others are skipped. */
static void take_push(struct phases_seen *p, int64_t cid)
{
    cJSON *j = next_push(p->fd, 1000);
    const cJSON *d = j ? cJSON_GetObjectItemCaseSensitive(j, "data") : NULL;

    ICHECK(j, "%s: the connection closed", p->who);
    if (itest_str(j, "event") && !strcmp(itest_str(j, "event"), "contest.phase") &&
        (int64_t)itest_num(d, "contest_id") == cid) {
        int64_t late = real_ms() - (int64_t)itest_num(d, "at_ms");

        ICHECK(!p->live || (late > -100 && late < 1000),
               "%s: %s arrived %" PRId64 " ms after its time", p->who, itest_str(d, "phase"),
               late);
        snprintf(p->order + strlen(p->order), sizeof(p->order) - strlen(p->order), "%s%s",
                 p->count ? " " : "", itest_str(d, "phase"));
        snprintf(p->last_id, sizeof(p->last_id), "%s", itest_str(j, "event_id"));
        p->count++;
    }
    cJSON_Delete(j);
}

/* Reads every client's pushes as they come (so that each is timed when it
 * arrives), until each saw `want` phase changes or `ms` passed. */
static void collect_phases(struct phases_seen *ps, int n, int64_t cid, int want, int ms)
{
    int64_t deadline = itest_now_ms() + ms;

    for (;;) {
        struct pollfd fds[4];
        int waiting = 0;

        for (int i = 0; i < n; i++)
            if (ps[i].count < want)
                fds[waiting++] = (struct pollfd){.fd = ps[i].fd, .events = POLLIN};
        if (!waiting || itest_now_ms() >= deadline)
            return;
        if (poll(fds, (nfds_t)waiting, (int)(deadline - itest_now_ms())) <= 0)
            continue;
        for (int k = 0; k < waiting; k++)
            for (int i = 0; i < n && fds[k].revents; i++)
                if (ps[i].fd == fds[k].fd)
                    take_push(&ps[i], cid);
    }
}

/* A contest 3 s ahead: start, freeze 2 s later, end 2 s after that, each
 * announced by the servers' clocks once, to subscribers on both processes
 * and to a watcher of the list; one process dies before the freeze and its
 * client resumes on the restarted one; then the final standings by hand. */
static void test_contest_timers(void)
{
    struct phases_seen ps[3] = {{.who = "alice on A", .live = true},
                                {.who = "bob on B", .live = true},
                                {.who = "the list's watcher on B", .live = true}};
    char path[160], when[CST_DEF_TIME_TEXT], req[160];
    int64_t start = (real_ms() / 1000 + 3) * 1000, cid;
    FILE *f;

    itest_step = "timers: create a contest 3 s ahead";
    cst_def_format_time(when, start);
    snprintf(path, sizeof(path), "%s/timers.yaml", work);
    f = fopen(path, "w");
    ICHECK(f, "cannot write %s", path);
    fprintf(f, "name: Timers\nstart_time: %s\nduration: 0:00:04\n"
               "scoreboard_freeze_duration: 0:00:02\nproblems: [{slug: pair-sum, label: A}]\n",
            when);
    fclose(f);
    {
        const char *args[] = {"contest", "create", path, NULL};
        ICHECK(run_cli(args) == 0, "gavel contest create %s", path);
    }
    cid = psql_int("SELECT id FROM contests WHERE slug = 'timers'");
    ps[0].fd = client_on(server_a, alice_token);
    ps[1].fd = client_on(server_b, bob_token);
    ps[2].fd = client_on(server_b, "");
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64
             "}", cid);
    cJSON_Delete(itest_rpc(ps[0].fd, req, "ok", NULL));
    cJSON_Delete(itest_rpc(ps[1].fd, req, "ok", NULL));
    cJSON_Delete(itest_rpc(ps[2].fd, "{\"type\":\"subscribe\",\"topic\":\"contests\"}", "ok", NULL));

    itest_step = "timers: the start";
    collect_phases(ps, 3, cid, 1, 6000);
    for (int i = 0; i < 3; i++)
        ICHECK(!strcmp(ps[i].order, "running"), "%s: the start once, got '%s'", ps[i].who,
               ps[i].order);

    itest_step = "timers: A dies before the freeze, alice resumes on it";
    itest_kill(server_a);
    close(ps[0].fd);
    server_a = start_server("server-a-timers");
    ps[0].fd = client_on(server_a, alice_token);
    ps[0].live = false; /* what she missed comes with the resume */
    cJSON_Delete(itest_rpc(ps[0].fd, req, "ok", NULL));
    snprintf(req, sizeof(req), "{\"type\":\"resume\",\"last_event_id\":\"%s\"}", ps[0].last_id);
    cJSON_Delete(itest_rpc(ps[0].fd, req, "ok", NULL));

    itest_step = "timers: the freeze and the end";
    collect_phases(ps, 3, cid, 3, 8000);
    for (int i = 0; i < 3; i++)
        ICHECK(!strcmp(ps[i].order, "running frozen ended"), "%s: every change once, in order, "
               "got '%s'", ps[i].who, ps[i].order);
    ICHECK(psql_int("SELECT count(*) FROM events WHERE type = 'contest.phase' AND "
                    "contest_id = (SELECT id FROM contests WHERE slug = 'timers')") == 3,
           "three changes logged, once each, by two servers");

    itest_step = "timers: the final standings";
    {
        char id[24];
        const char *args[] = {"contest", "unfreeze", id, NULL};

        snprintf(id, sizeof(id), "%" PRId64, cid);
        ICHECK(run_cli(args) == 0, "gavel contest unfreeze %s", id);
    }
    ps[0].live = true;
    collect_phases(ps, 3, cid, 4, 3000);
    for (int i = 0; i < 3; i++)
        ICHECK(!strcmp(ps[i].order, "running frozen ended finalized"), "%s: finalized once, got "
               "'%s'", ps[i].who, ps[i].order);
    expect_quiet(ps[0].fd, "alice after the contest");
    for (int i = 0; i < 3; i++)
        close(ps[i].fd);
}

static void test_contest(void)
{
    int fd, org;
    int64_t past, live, soon;
    struct itest_http h;
    cJSON *r;

    itest_step = "contest subscribe";
    /* circle-area is not public: it is visible only through its contest. */
    psql("INSERT INTO contests (slug, title, starts_at, ends_at) VALUES "
         "('past', 'Past', now() - interval '2 hours', now() - interval '1 hour'),"
         "('live', 'Live', now() - interval '1 hour', now() + interval '1 hour'),"
         "('soon', 'Soon', now() + interval '1 hour', now() + interval '3 hours');"
         "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) SELECT c.id, p.id, "
         "'A', 1 FROM contests c, problems p WHERE c.slug = 'soon' AND p.slug = 'circle-area'");
    past = psql_int("SELECT id FROM contests WHERE slug = 'past'");
    live = psql_int("SELECT id FROM contests WHERE slug = 'live'");
    soon = psql_int("SELECT id FROM contests WHERE slug = 'soon'");
    fd = client_on(server_a, alice_token);
    check_contest(fd, soon, "scheduled");
    check_contest(fd, live, "running");
    check_contest(fd, past, "ended");
    /* Anonymous callers may watch a contest's clock too. */
    {
        int anon = client_on(server_b, "");

        check_contest(anon, live, "running");
        close(anon);
    }
    itest_rpc_error(fd, "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":987654}",
                    "not_found");
    itest_rpc_error(fd, "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":\"x\"}",
                    "invalid");

    itest_step = "contest problem before the start";
    itest_rpc_error(fd, "{\"type\":\"problem.get\",\"slug\":\"circle-area\"}", "not_found");
    r = itest_rpc(fd, "{\"type\":\"problems.list\"}", "ok", NULL);
    {
        char *text = cJSON_PrintUnformatted(itest_data(r));

        ICHECK(text && !strstr(text, "circle-area"), "listed before the start");
        free(text);
    }
    cJSON_Delete(r);
    {
        char req[200];

        contest_submit_req(req, sizeof(req), "circle-area", soon);
        itest_rpc_error(fd, req, "forbidden");
        /* The same answer for a slug that is not in it: probing slugs
         * tells nothing about the problem set. */
        contest_submit_req(req, sizeof(req), "pair-sum", soon);
        itest_rpc_error(fd, req, "forbidden");
    }
    itest_rpc_error(fd, "{\"type\":\"submit\",\"problem\":\"circle-area\",\"language\":\"python\","
                        "\"source\":\"print(1)\"}",
                    "not_found");
    itest_http_get(&h, http_port, "/api/problems/circle-area");
    ICHECK(h.status == 404, "HTTP before the start: %d", h.status);
    itest_http_release(&h);
    /* Organizers prepare contests: they see it. */
    org = client_on(server_b, org_token);
    cJSON_Delete(itest_rpc(org, "{\"type\":\"problem.get\",\"slug\":\"circle-area\"}", "ok", NULL));

    itest_step = "contest problem after the start";
    psql("UPDATE contests SET starts_at = now() - interval '1 minute' WHERE slug = 'soon'");
    /* An edit behind the servers' back is announced only when the timers
     * next rescan the stored times; their phase event would invalidate the
     * contest's snapshots (srv_cache.h), as any event of the contest does:
     * here a row, by hand, so as not to wait for the rescan (which may
     * still come first). */
    {
        char id[DB_STREAM_ID_MAX];

        live_row(id, soon, alice_id, "alice");
        expect_push_past_phase(fd, id, "an event of the contest");
    }
    check_contest(fd, soon, "running");
    r = itest_rpc(fd, "{\"type\":\"problem.get\",\"slug\":\"circle-area\"}", "ok", NULL);
    ICHECK(itest_str(itest_data(r), "statement_md"), "statement");
    cJSON_Delete(r);
    {
        char req[200];

        contest_submit_req(req, sizeof(req), "circle-area", soon);
        /* Only participants submit: register first (once is enough). */
        ICHECK(strstr(itest_rpc_error(fd, req, "forbidden"), "register"),
               "the refusal says to register");
        snprintf(req, sizeof(req), "{\"type\":\"contest.register\",\"contest\":%" PRId64 "}",
                 soon);
        r = itest_rpc(fd, req, "ok", NULL);
        ICHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(itest_data(r), "already")),
               "a first registration");
        cJSON_Delete(r);
        r = itest_rpc(fd, req, "ok", NULL);
        ICHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(itest_data(r), "already")),
               "a second registration is not an error");
        cJSON_Delete(r);
        snprintf(req, sizeof(req), "{\"type\":\"contest.register\",\"contest\":%" PRId64 "}",
                 past);
        itest_rpc_error(fd, req, "forbidden");
        itest_rpc_error(fd, "{\"type\":\"contest.register\",\"contest\":987654}", "not_found");
        itest_rpc_error(fd, "{\"type\":\"contest.register\"}", "invalid");
        contest_submit_req(req, sizeof(req), "circle-area", soon);
        cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
        contest_submit_req(req, sizeof(req), "circle-area", past);
        itest_rpc_error(fd, req, "forbidden");
        contest_submit_req(req, sizeof(req), "pair-sum", soon);
        itest_rpc_error(fd, req, "invalid");
        itest_rpc_error(fd, "{\"type\":\"submit\",\"problem\":\"pair-sum\",\"language\":"
                            "\"python\",\"source\":\"print(1)\",\"contest\":987654}",
                        "not_found");
    }
    itest_http_get(&h, http_port, "/api/problems/circle-area");
    ICHECK(h.status == 200, "HTTP after the start: %d", h.status);
    itest_http_release(&h);
    test_contest_live(fd, org, soon, live);
    close(org);
    close(fd);
}

/* --- Fan-out across processes ----------------------------------------------------- */

/* Reads pushes on `fd` until the verdict of `sub`; checks the per-test
 * progress on the way. The verdict's event id into `vid`. */
static void collect_judging(int fd, int64_t sub, const char *who, char *vid, int *ntests,
                            const char **verdict)
{
    int last_test = 0;

    *ntests = 0;
    for (;;) {
        cJSON *j = next_push(fd, 90000);
        const cJSON *d;
        const char *ev;

        ICHECK(j, "%s: no verdict for submission %" PRId64, who, sub);
        ev = itest_str(j, "event");
        d = cJSON_GetObjectItemCaseSensitive(j, "data");
        ICHECK(ev && d, "%s: odd push", who);
        ICHECK((int64_t)itest_num(d, "submission_id") == sub, "%s: another submission", who);
        if (!strcmp(ev, "judging.test")) {
            int t = (int)itest_num(d, "test");

            ICHECK(t > last_test && t <= (int)itest_num(d, "tests"), "%s: test %d after %d", who,
                   t, last_test);
            last_test = t;
            (*ntests)++;
        } else if (!strcmp(ev, "judging.verdict")) {
            static char v[2][8];
            static int which;

            snprintf(vid, DB_STREAM_ID_MAX, "%s", itest_str(j, "event_id"));
            which ^= 1;
            snprintf(v[which], sizeof(v[which]), "%s", itest_str(d, "verdict"));
            *verdict = v[which];
            cJSON_Delete(j);
            return;
        }
        cJSON_Delete(j);
    }
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 1 << 16);
    size_t n;

    ICHECK(f && buf, "cannot read %s", path);
    n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_fanout(void)
{
    int a1, o2, b3, na = 0, no = 0;
    int64_t sub;
    char req[160], va[DB_STREAM_ID_MAX], vo[DB_STREAM_ID_MAX];
    const char *verdict_a, *verdict_o;

    itest_step = "fan-out: clients on both processes";
    a1 = client_on(server_a, alice_token);
    o2 = client_on(server_b, org_token);
    b3 = client_on(server_b, bob_token);

    itest_step = "fan-out: submit through A";
    if (judge_path) {
        char path[1024], *src;

        snprintf(path, sizeof(path), "%s/pair-sum/submissions/accepted/two_pointers.c", examples);
        src = read_file(path);
        sub = submit(a1, "pair-sum", "c", src);
        free(src);
    } else {
        sub = submit(a1, "pair-sum", "c", "int main(void) { return 0; }");
    }
    snprintf(req, sizeof(req),
             "{\"type\":\"subscribe\",\"topic\":\"submission\",\"submission\":%" PRId64 "}", sub);
    cJSON_Delete(itest_rpc(o2, req, "ok", NULL));
    itest_rpc_error(b3, req, "forbidden");

    if (judge_path) {
        itest_step = "fan-out: a real judge";
        start_judge();
        collect_judging(a1, sub, "submitter on A", va, &na, &verdict_a);
        collect_judging(o2, sub, "organizer on B", vo, &no, &verdict_o);
        ICHECK(!strcmp(verdict_a, "AC") && !strcmp(verdict_o, "AC"), "verdicts %s %s", verdict_a,
               verdict_o);
        ICHECK(na >= 1 && no >= 1, "per-test progress: %d on A, %d on B", na, no);
        snprintf(req, sizeof(req), "SELECT verdict FROM submissions WHERE id = %" PRId64, sub);
        {
            char *v = psql_value(req);

            ICHECK(v && !strcmp(v, "AC"), "stored verdict %s", v ? v : "(none)");
            free(v);
        }
    } else {
        /* One event at a time, each seen on both sides before the next, so
         * no progress is coalesced away and every step is checked. */
        char id[DB_STREAM_ID_MAX];

        itest_step = "fan-out: judge events";
        for (int i = 0; i < 5; i++) {
            if (i < 2)
                live_state(id, sub, alice_id, i ? CST_JUDGING_RUNNING : CST_JUDGING_COMPILING);
            else
                live_test(id, sub, alice_id, i - 1, 3, "AC");
            expect_push(a1, id, "submitter on A");
            expect_push(o2, id, "organizer on B");
        }
        live_verdict(id, sub, alice_id, 1, "AC");
        expect_push(a1, id, "submitter on A");
        expect_push(o2, id, "organizer on B");
    }
    itest_step = "fan-out: nothing for another contestant";
    expect_quiet(b3, "another contestant on B");
    expect_quiet(a1, "submitter");
    close(a1);
    close(o2);
    close(b3);
}

/* --- Resume --------------------------------------------------------------------- */

struct expected {
    char id[DB_STREAM_ID_MAX];
    char type[32];
    int64_t sub;
};

/* The stream's entries after `last` that belong to `user`: a resume
 * replays exactly these. */
static int expected_after(const char *last, int64_t user, struct expected *out, int cap)
{
    struct db_redis *r = redis_connect(5000);
    struct db_stream_batch b;
    char start[DB_STREAM_ID_MAX + 1];
    int n = 0;

    snprintf(start, sizeof(start), "(%s", last);
    ICHECK(db_stream_range(&b, r, db_stream_live_key(), start, "+", 10000) == 0, "XRANGE: %s",
           db_redis_last_error(r));
    for (size_t i = 0; i < b.count; i++) {
        const char *data = db_stream_entry_get(&b.entries[i], "data", NULL);
        const char *type = db_stream_entry_get(&b.entries[i], "type", NULL);
        cJSON *d = cJSON_Parse(data ? data : "");

        ICHECK(d && type, "stream entry %s", b.entries[i].id);
        if ((int64_t)itest_num(d, "user_id") == user) {
            ICHECK(n < cap, "too many events");
            snprintf(out[n].id, sizeof(out[n].id), "%s", b.entries[i].id);
            snprintf(out[n].type, sizeof(out[n].type), "%s", type);
            out[n].sub = (int64_t)itest_num(d, "submission_id");
            n++;
        }
        cJSON_Delete(d);
    }
    db_stream_batch_release(&b);
    db_redis_close(r);
    return n;
}

/* Resumes after `last` on `fd`, a connection logged in as `user` a moment
 * ago: each expected event arrives exactly once and in order, either live
 * (the login's subscription was made before the server's live thread
 * passed it: possibly even before the reply) or replayed after the reply,
 * which counts the replayed ones; nothing else follows. */
static void check_resume(int fd, const char *last, int64_t user)
{
    struct expected want[64];
    bool seen[64] = {false};
    int n = expected_after(last, user, want, 64), next = 0, live = 0, replayed;
    cJSON *pushes = cJSON_CreateArray(), *r;
    const cJSON *p;
    char req[128];

    ICHECK(n > 0, "the test missed no events: nothing to check");
    snprintf(req, sizeof(req), "{\"type\":\"resume\",\"id\":\"r\",\"last_event_id\":\"%s\"}", last);
    r = itest_rpc(fd, req, "ok", pushes);
    ICHECK(!cJSON_GetObjectItemCaseSensitive(itest_data(r), "resync"), "resync instead of replay");
    replayed = (int)itest_num(itest_data(r), "replayed");
    cJSON_Delete(r);
    /* Came live before the reply: expected ones, in order, once each. */
    cJSON_ArrayForEach(p, pushes) {
        const char *id = itest_str(p, "event_id");

        while (next < n && id && strcmp(want[next].id, id))
            next++;
        ICHECK(next < n, "a push before the reply that the stream does not explain: %s",
               id ? id : "(no id)");
        seen[next++] = true;
        live++;
    }
    cJSON_Delete(pushes);
    ICHECK(replayed >= 0 && replayed <= n - live, "replayed %d, the stream has %d, %d came live",
           replayed, n, live);
    /* The rest after the reply, in id order: the replayed ones, then live
     * ones the loop had not delivered yet. */
    for (int i = 0; i < n; i++)
        if (!seen[i])
            expect_push(fd, want[i].id, "resumed client");
    expect_quiet(fd, "resumed client (a duplicate)");
}

static void test_resume(void)
{
    char last[DB_STREAM_ID_MAX] = "", id[DB_STREAM_ID_MAX];
    int fd, other;
    int64_t sub;
    cJSON *j;

    itest_step = "resume: drop mid-judging";
    fd = client_on(server_a, alice_token);
    other = client_on(server_b, org_token);
    if (judge_path) {
        char path[1024], *src;

        snprintf(path, sizeof(path), "%s/pair-sum/submissions/wrong_answer/zero_based.c", examples);
        src = read_file(path);
        sub = submit(fd, "pair-sum", "c", src);
        free(src);
        /* The first progress event, then away: the rest happens without us. */
        j = next_push(fd, 60000);
        ICHECK(j && itest_str(j, "event") && strcmp(itest_str(j, "event"), "judging.verdict"),
               "no progress before the verdict");
        snprintf(last, sizeof(last), "%s", itest_str(j, "event_id"));
        cJSON_Delete(j);
        close(fd);
        /* The verdict is in the stream once it is committed and appended. */
        for (int64_t deadline = itest_now_ms() + 60000;;) {
            struct expected e[64];
            int n = expected_after(last, alice_id, e, 64);

            if (n && !strcmp(e[n - 1].type, "judging.verdict"))
                break;
            ICHECK(itest_now_ms() < deadline, "no verdict in the stream");
            itest_sleep_ms(100);
        }
    } else {
        sub = submit(fd, "pair-sum", "c", "int main(void) { return 1; }");
        live_state(id, sub, alice_id, CST_JUDGING_COMPILING);
        expect_push(fd, id, "before the drop");
        live_test(last, sub, alice_id, 1, 3, "AC");
        expect_push(fd, last, "before the drop");
        close(fd);
        /* While away: more progress, another user's event (not ours to
         * get), two more tests (the replay carries the later), the verdict. */
        live_state(id, sub, alice_id, CST_JUDGING_RUNNING);
        live_test(id, sub, bob_id, 1, 1, "AC");
        live_test(id, sub, alice_id, 2, 3, "AC");
        live_test(id, sub, alice_id, 3, 3, "WA");
        live_verdict(id, sub, alice_id, 2, "WA");
    }

    itest_step = "resume: on the other process";
    fd = client_on(server_b, alice_token);
    check_resume(fd, last, alice_id);

    itest_step = "resume: what came live is not replayed";
    {
        char e0[DB_STREAM_ID_MAX], e1[DB_STREAM_ID_MAX], x[DB_STREAM_ID_MAX], req[128];
        int fd2;
        cJSON *r;

        /* e1 reaches fd's process before the second login there, x after
         * it: a resume from e0 replays e1, and x, which came live, not
         * again. */
        live_state(e0, sub, alice_id, CST_JUDGING_RUNNING);
        live_test(e1, sub, alice_id, 1, 3, "AC");
        expect_push(fd, e0, "first connection");
        expect_push(fd, e1, "first connection");
        fd2 = client_on(server_b, alice_token);
        live_test(x, sub, alice_id, 2, 3, "AC");
        expect_push(fd, x, "first connection");
        expect_push(fd2, x, "second connection");
        snprintf(req, sizeof(req), "{\"type\":\"resume\",\"last_event_id\":\"%s\"}", e0);
        r = itest_rpc(fd2, req, "ok", NULL);
        ICHECK(itest_num(itest_data(r), "replayed") == 1, "replayed %.0f, want 1 (e1 only)",
               itest_num(itest_data(r), "replayed"));
        cJSON_Delete(r);
        expect_push(fd2, e1, "second connection");
        expect_quiet(fd2, "second connection (x again)");
        close(fd2);
    }

    itest_step = "resume: too old";
    {
        cJSON *r = itest_rpc(fd, "{\"type\":\"resume\",\"last_event_id\":\"1-0\"}", "ok", NULL);

        ICHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(itest_data(r), "resync")),
               "no resync for an id older than the stream");
        cJSON_Delete(r);
    }
    itest_rpc_error(fd, "{\"type\":\"resume\",\"last_event_id\":\"yesterday\"}", "invalid");
    close(fd);
    close(other);
}

/* --- Stores going away ------------------------------------------------------------ */

static void expect_unavailable(int fd, const char *req, const char *store)
{
    const char *msg = itest_rpc_error(fd, req, "unavailable");

    ICHECK(strstr(msg, store) && strstr(msg, "retry"), "unclear message: %s", msg);
}

/* Retries `req` until it succeeds; only `unavailable` may come meanwhile. */
static void wait_recovered(int fd, const char *req, int ms)
{
    int64_t deadline = itest_now_ms() + ms;

    for (;;) {
        cJSON *r;
        const char *t;

        itest_ws_send(fd, req);
        r = itest_ws_recv(fd, 10000);
        ICHECK(r, "connection lost while waiting for recovery");
        t = itest_str(r, "type");
        if (t && !strcmp(t, "ok")) {
            cJSON_Delete(r);
            return;
        }
        ICHECK(t && !strcmp(t, "error") && itest_str(r, "code") &&
                   !strcmp(itest_str(r, "code"), "unavailable"),
               "%s: %s", req, cJSON_PrintUnformatted(r));
        cJSON_Delete(r);
        ICHECK(itest_now_ms() < deadline, "%s: still unavailable after %d ms", req, ms);
        itest_sleep_ms(200);
    }
}

static const char submit_req[] =
    "{\"type\":\"submit\",\"problem\":\"pair-sum\",\"language\":\"c\",\"source\":\"int main(){}\"}";

/* --- Caches (srv_cache.h) ------------------------------------------------------ */

/* A fresh connection to process `pid` that says hello with `token`: its
 * user object (JSON null when the token is refused), as text. */
static char *hello_user(pid_t pid, const char *token)
{
    int fd = client_on(pid, "");
    char req[160], *user;
    cJSON *r;

    snprintf(req, sizeof(req), "{\"type\":\"hello\",\"token\":\"%s\"}", token);
    r = itest_rpc(fd, req, "ok", NULL);
    user = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(itest_data(r), "user"));
    cJSON_Delete(r);
    close(fd);
    return user;
}

/* Whether a subscribe's snapshot lists `username` on the board. */
static bool board_lists(const cJSON *snapshot, const char *username)
{
    const cJSON *board = cJSON_GetObjectItemCaseSensitive(snapshot, "scoreboard"), *row;

    cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(board, "rows"))
    {
        if (itest_str(row, "username") && !strcmp(itest_str(row, "username"), username))
            return true;
    }
    return false;
}

/* Whether `server`'s hello with `token` answers a user that contains
 * `want` ("null": none) within PUSH_WAIT_MS: another server's change has
 * reached this one. */
static bool hello_until(pid_t server, const char *token, const char *want)
{
    int64_t deadline = itest_now_ms() + PUSH_WAIT_MS;
    bool seen = false;

    while (!seen && itest_now_ms() < deadline) {
        char *user = hello_user(server, token);

        seen = user && (strcmp(want, "null") ? strstr(user, want) != NULL : !strcmp(user, "null"));
        free(user);
        if (!seen)
            itest_sleep_ms(20);
    }
    return seen;
}

/* Clarification asked by `fd` of contest `cid`. */
static int64_t ask(int fd, int64_t cid, const char *text)
{
    char req[256];

    snprintf(req, sizeof(req), "{\"type\":\"clar.ask\",\"contest\":%" PRId64 ",\"text\":\"%s\"}",
             cid, text);
    return clar_rpc(fd, req, false);
}

/* A role change reaches the live pushes of the user's open connections,
 * on every server, without a request of theirs: an organizer's
 * connection on B keeps the jury's pushes across a change of tier made
 * on A, and loses them with a demotion. */
static void test_demoted_connection(void)
{
    char admin_token[80], ivan_token[80], kate_token[80], req[256];
    int64_t cid = psql_int("SELECT id FROM contests WHERE slug = 'clar'"), q = 0, b;
    int64_t deadline;
    int admin, ivan, alice, kate, tries = 0;
    bool seen = false, leaked = false;

    itest_step = "demotion: an open connection's pushes";
    register_user("admin2", admin_token, NULL);
    register_user("ivan", ivan_token, NULL);
    register_user("kate", kate_token, NULL); /* 5 questions a minute: hers for the loop */
    psql("UPDATE users SET role = 'admin' WHERE username = 'admin2';"
         "UPDATE users SET role = 'organizer' WHERE username = 'ivan'");
    admin = client_on(server_a, admin_token);
    alice = client_on(server_a, alice_token);
    ivan = client_on(server_b, ivan_token);
    kate = client_on(server_a, kate_token);
    snprintf(req, sizeof(req), "{\"type\":\"contest.register\",\"contest\":%" PRId64 "}", cid);
    cJSON_Delete(itest_rpc(kate, req, "ok", NULL));
    snprintf(req, sizeof(req),
             "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}", cid);
    cJSON_Delete(itest_rpc(ivan, req, "ok", NULL));
    cJSON_Delete(itest_rpc(alice, req, "ok", NULL)); /* clar_rpc waits for its own push */
    cJSON_Delete(itest_rpc(admin, req, "ok", NULL));
    cJSON_Delete(itest_rpc(kate, req, "ok", NULL));
    q = ask(alice, cid, "Before any change?");
    expect_clar(ivan, q, true, false, "ivan, an organizer");

    /* Still an organizer: the jury's pushes come back by themselves (at
     * most the questions of one round trip are missed). */
    cJSON_Delete(itest_rpc(admin,
                           "{\"type\":\"user.set\",\"username\":\"ivan\",\"tier\":"
                           "\"paid\"}",
                           "ok", NULL));
    deadline = itest_now_ms() + PUSH_WAIT_MS;
    while (!seen && itest_now_ms() < deadline && tries++ < 5) {
        cJSON *j;

        q = ask(kate, cid, "After a change of tier?");
        j = next_clar(ivan, 1000);
        seen = j && is_clar(j, q, false);
        cJSON_Delete(j);
    }
    ICHECK(seen, "an organizer's connection lost the jury's pushes with a change of tier");

    /* Demoted on A: once B knows, no question reaches the connection (a
     * broadcast after it in the stream tells when to stop looking). */
    cJSON_Delete(itest_rpc(admin,
                           "{\"type\":\"user.set\",\"username\":\"ivan\",\"role\":"
                           "\"contestant\"}",
                           "ok", NULL));
    ICHECK(hello_until(server_b, ivan_token, "\"contestant\""), "B still has ivan as an organizer");
    q = ask(alice, cid, "After the demotion?");
    snprintf(req, sizeof(req),
             "{\"type\":\"clar.broadcast\",\"contest\":%" PRId64 ",\"text\":\"Stop.\"}", cid);
    b = clar_rpc(admin, req, true);
    for (;;) {
        cJSON *j = next_clar(ivan, PUSH_WAIT_MS);
        bool last = j && is_clar(j, b, true);

        ICHECK(j, "ivan: no broadcast %" PRId64, b);
        leaked |= is_clar(j, q, false);
        cJSON_Delete(j);
        if (last)
            break;
    }
    ICHECK(!leaked, "a demoted organizer's open connection got a question pushed");
    close(admin);
    close(alice);
    close(ivan);
    close(kate);
}

/* Each cache is dropped by what changes what it holds. The servers keep
 * entries for ten minutes here (start_server), so a test sees a change
 * only if the invalidation worked. */
static void test_caches(void)
{
    char carol_token[80], dave_token[80], root_token[80], req[200], id[DB_STREAM_ID_MAX], *user;
    int64_t dave_id, contest;
    int fd, root;
    cJSON *r;

    itest_step = "session cache: logout";
    register_user("carol", carol_token, NULL);
    fd = client_on(server_a, carol_token); /* A has looked it up, and keeps it */
    user = hello_user(server_a, carol_token);
    ICHECK(user && strstr(user, "\"carol\""), "carol's token: %s", user ? user : "?");
    free(user);
    cJSON_Delete(itest_rpc(fd, "{\"type\":\"logout\"}", "ok", NULL));
    close(fd);
    user = hello_user(server_a, carol_token);
    ICHECK(user && !strcmp(user, "null"), "a token logged out still logs in: %s",
           user ? user : "?");
    free(user);

    itest_step = "session cache: role change";
    register_user("root", root_token, NULL);
    psql("UPDATE users SET role = 'admin' WHERE username = 'root'");
    register_user("dave", dave_token, &dave_id);
    user = hello_user(server_a, dave_token);
    ICHECK(user && strstr(user, "\"contestant\""), "dave before: %s", user ? user : "?");
    free(user);
    root = client_on(server_a, root_token);
    cJSON_Delete(itest_rpc(
        root, "{\"type\":\"user.set\",\"username\":\"dave\",\"role\":\"organizer\"}", "ok",
        NULL));
    user = hello_user(server_a, dave_token);
    ICHECK(user && strstr(user, "\"organizer\""), "dave after user.set: %s", user ? user : "?");
    free(user);
    cJSON_Delete(itest_rpc(
        root, "{\"type\":\"user.set\",\"username\":\"dave\",\"role\":\"contestant\"}",
        "ok", NULL));
    close(root);

    itest_step = "session cache: a logout on another server";
    /* B has looked carol's new token up and would keep it ten minutes;
     * only the session.ended event of A's logout can end it sooner. */
    {
        char erin_token[80];
        int held;

        register_user("erin", erin_token, NULL);
        user = hello_user(server_b, erin_token);
        ICHECK(user && strstr(user, "\"erin\""), "erin's token on B: %s", user ? user : "?");
        free(user);
        /* A connection of erin's that stays open on B across the logout. */
        held = client_on(server_b, erin_token);
        cJSON_Delete(itest_rpc(held, "{\"type\":\"submissions.mine\"}", "ok", NULL));
        fd = client_on(server_a, erin_token);
        cJSON_Delete(itest_rpc(fd, "{\"type\":\"logout\"}", "ok", NULL));
        close(fd);
        ICHECK(hello_until(server_b, erin_token, "null"),
               "B still takes a token that A logged out");
        /* The open connection's next request checks its token again. */
        itest_rpc_error(held, "{\"type\":\"submissions.mine\"}", "unauthenticated");
        close(held);
    }

    itest_step = "session cache: a role change on another server";
    {
        user = hello_user(server_b, dave_token); /* B caches dave, a contestant */
        ICHECK(user && strstr(user, "\"contestant\""), "dave on B: %s", user ? user : "?");
        free(user);
        root = client_on(server_a, root_token);
        cJSON_Delete(
            itest_rpc(root, "{\"type\":\"user.set\",\"username\":\"dave\",\"role\":\"organizer\"}",
                      "ok", NULL));
        ICHECK(hello_until(server_b, dave_token, "\"organizer\""),
               "B still has dave as a contestant after user.set on A");
        cJSON_Delete(
            itest_rpc(root, "{\"type\":\"user.set\",\"username\":\"dave\",\"role\":\"contestant\"}",
                      "ok", NULL));
        close(root);
    }

    itest_step = "snapshot cache: a registration on another server";
    /* B's snapshot of the contest would last ten minutes: only the
     * contest.changed event of A's registration can refresh it. */
    {
        char grace_token[80];
        int64_t open_id, deadline;
        bool seen = false;
        int on_b;

        psql("INSERT INTO contests (slug, title, starts_at, ends_at, announced_phase) VALUES "
             "('open-reg', 'Open', now() - interval '1 hour', now() + interval '1 hour', "
             "'running')");
        open_id = psql_int("SELECT id FROM contests WHERE slug = 'open-reg'");
        register_user("grace", grace_token, NULL);
        snprintf(req, sizeof(req),
                 "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}", open_id);
        on_b = client_on(server_b, grace_token);
        r = itest_rpc(on_b, req, "ok", NULL);
        ICHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(itest_data(r), "registered")),
               "grace registered before registering");
        cJSON_Delete(r);
        fd = client_on(server_a, grace_token);
        snprintf(req, sizeof(req), "{\"type\":\"contest.register\",\"contest\":%" PRId64 "}",
                 open_id);
        cJSON_Delete(itest_rpc(fd, req, "ok", NULL));
        close(fd);
        snprintf(req, sizeof(req),
                 "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}", open_id);
        deadline = itest_now_ms() + PUSH_WAIT_MS;
        while (!seen && itest_now_ms() < deadline) {
            r = itest_rpc(on_b, req, "ok", NULL);
            seen = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(itest_data(r), "registered")) &&
                   board_lists(itest_data(r), "grace");
            cJSON_Delete(r);
            if (!seen)
                itest_sleep_ms(20);
        }
        ICHECK(seen, "B's snapshot misses a registration made on A");
        close(on_b);
    }

    itest_step = "snapshot cache: an event after the snapshot";
    /* Its start already announced: no phase event of the timers may
     * refresh the snapshot while this test looks. */
    psql("INSERT INTO contests (slug, title, starts_at, ends_at, announced_phase) VALUES "
         "('cached', 'Cached', now() - interval '1 hour', now() + interval '1 hour', 'running')");
    contest = psql_int("SELECT id FROM contests WHERE slug = 'cached'");
    snprintf(req, sizeof(req), "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}",
             contest);
    fd = client_on(server_a, alice_token);
    r = itest_rpc(fd, req, "ok", NULL);
    ICHECK(!board_lists(itest_data(r), "dave"), "dave on the board before registering");
    cJSON_Delete(r);
    /* What a verdict changes, behind the server's back: PostgreSQL first,
     * then the event (gavel-judge's order). */
    snprintf(req, sizeof(req),
             "INSERT INTO participants (contest_id, user_id) VALUES (%" PRId64 ", %" PRId64 ")",
             contest, dave_id);
    psql(req);
    {
        int again = client_on(server_a, dave_token);

        snprintf(req, sizeof(req),
                 "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64 "}",
                 contest);
        r = itest_rpc(again, req, "ok", NULL);
        /* Served from the cache: nothing told A yet. (This is what the
         * ten minutes make certain; the event below is what ends it.) */
        ICHECK(!board_lists(itest_data(r), "dave") &&
                   cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(itest_data(r), "registered")),
               "the snapshot was not cached");
        cJSON_Delete(r);
        live_row(id, contest, dave_id, "dave");
        expect_push(fd, id, "alice, subscribed");
        r = itest_rpc(again, req, "ok", NULL);
        ICHECK(board_lists(itest_data(r), "dave"), "a snapshot older than an event it follows");
        ICHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(itest_data(r), "registered")),
               "dave's registration missing after the event");
        cJSON_Delete(r);
        close(again);
    }

    itest_step = "subscribe with a window of the board";
    snprintf(req, sizeof(req),
             "INSERT INTO participants (contest_id, user_id) SELECT %" PRId64 ", id FROM users "
             "WHERE username IN ('alice', 'bob')",
             contest);
    psql(req);
    snprintf(req, sizeof(req),
             "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":%" PRId64
             ",\"window\":2,\"radius\":0}",
             contest);
    r = itest_rpc(fd, req, "ok", NULL);
    {
        const cJSON *d = itest_data(r), *b = cJSON_GetObjectItemCaseSensitive(d, "scoreboard"),
                    *mine = cJSON_GetObjectItemCaseSensitive(d, "my_rows");

        ICHECK(itest_num(b, "total") == 3 && itest_num(b, "from") == 0 &&
                   cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(b, "rows")) == 2,
               "the top 2 of 3 rows, with the total");
        ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(mine, "rows")) == 1,
               "my_rows: alice's row alone (radius 0)");
        ICHECK(!strcmp(itest_str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(mine, "rows"), 0),
                                 "username"),
                       "alice"),
               "my_rows is alice's");
    }
    cJSON_Delete(r);
    itest_rpc_error(fd, "{\"type\":\"subscribe\",\"topic\":\"contest\",\"contest\":1,\"window\":0}",
                    "invalid");
    close(fd);
}

static void test_redis_restart(void)
{
    char id[DB_STREAM_ID_MAX], resume_req[128];
    int a, b;

    itest_step = "redis down";
    a = client_on(server_a, alice_token);
    b = client_on(server_b, alice_token);
    live_state(id, 1, bob_id, CST_JUDGING_COMPILING);
    snprintf(resume_req, sizeof(resume_req), "{\"type\":\"resume\",\"last_event_id\":\"%s\"}", id);
    itest_stop(redis_pid);
    expect_unavailable(a, submit_req, "redis");
    expect_unavailable(b, submit_req, "redis");
    expect_unavailable(a, resume_req, "redis");
    /* The connection is still there, and what needs only PostgreSQL works. */
    expect_quiet(a, "A");
    cJSON_Delete(itest_rpc(b, "{\"type\":\"problems.list\"}", "ok", NULL));
    itest_wait_health(http_port, 503, "\"redis\":{\"up\":false", 10000);

    itest_step = "redis back";
    redis_start();
    wait_recovered(a, submit_req, RECOVER_MS);
    wait_recovered(b, submit_req, RECOVER_MS);
    wait_recovered(a, "{\"type\":\"resume\",\"last_event_id\":\"0-1\"}", RECOVER_MS);
    /* The live threads read the new stream: pushes reach both processes. */
    live_state(id, 1, alice_id, CST_JUDGING_COMPILING);
    expect_push(a, id, "A after the restart");
    expect_push(b, id, "B after the restart");
    close(a);
    close(b);
}

static void test_pg_restart(void)
{
    char id[DB_STREAM_ID_MAX];
    int a, b;

    itest_step = "postgres down";
    a = client_on(server_a, alice_token);
    b = client_on(server_b, alice_token);
    itest_kill(relay_pid);
    expect_unavailable(a, "{\"type\":\"problems.list\"}", "database");
    expect_unavailable(b, "{\"type\":\"problems.list\"}", "database");
    expect_unavailable(a, "{\"type\":\"problem.get\",\"slug\":\"pair-sum\"}", "database");
    {
        char req[160];
        cJSON *r;

        /* A token no process has seen needs PostgreSQL... */
        snprintf(req, sizeof(req), "{\"type\":\"hello\",\"token\":\"%064d\"}", 7);
        expect_unavailable(b, req, "database");
        /* ...while one that B checked before (client_on) is answered from
         * its session cache (srv_cache.h): a storm of reconnects does not
         * wait for the database. */
        snprintf(req, sizeof(req), "{\"type\":\"hello\",\"token\":\"%s\"}", alice_token);
        r = itest_rpc(b, req, "ok", NULL);
        ICHECK(!strcmp(itest_str(cJSON_GetObjectItem(itest_data(r), "user"), "username"),
                       "alice"),
               "a cached session while postgres is down");
        cJSON_Delete(r);
    }
    expect_quiet(a, "A");
    expect_quiet(b, "B");
    /* Live pushes do not need PostgreSQL. */
    live_state(id, 2, alice_id, CST_JUDGING_RUNNING);
    expect_push(a, id, "A while postgres is down");
    expect_push(b, id, "B while postgres is down");
    itest_wait_health(http_port, 503, "\"postgres\":{\"up\":false", 10000);

    itest_step = "postgres back";
    relay_start();
    wait_recovered(a, "{\"type\":\"problems.list\"}", RECOVER_MS);
    wait_recovered(b, "{\"type\":\"problems.list\"}", RECOVER_MS);
    wait_recovered(a, submit_req, RECOVER_MS);
    itest_wait_health(http_port, 200, NULL, RECOVER_MS);
    close(a);
    close(b);
}

/* --- Main ------------------------------------------------------------------------ */

static void stop_clean(pid_t pid, const char *name)
{
    int status;

    kill(pid, SIGTERM);
    status = itest_wait_exit(pid, 10000);
    ICHECK(status >= 0, "server %s ignored SIGTERM", name);
    ICHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "server %s exited with wait status %#x (see %s/server-%c.log)", name, status, work,
           name[0] == 'A' ? 'a' : 'b');
}

static void setup(void)
{
    char path[1024];

    itest_step = "setup";
    snprintf(work, sizeof(work), "/tmp/gavel-cluster-XXXXXX");
    ICHECK(mkdtemp(work), "mkdtemp");
    fprintf(stderr, "# server and judge logs in %s (removed when all passed)\n", work);
    redis_port = itest_free_port();
    relay_port = itest_free_port();
    http_port = itest_free_port();
    snprintf(redis_url, sizeof(redis_url), "redis://127.0.0.1:%d/0", redis_port);
    redis_start();
    itest_db_create(pg_url, sizeof(pg_url), "cluster");
    parse_pg_url();
    relay_start();
    ICHECK(run_cli((const char *[]){"db", "migrate", NULL}) == 0, "gavel db migrate");
    snprintf(path, sizeof(path), "%s/pair-sum", examples);
    ICHECK(run_cli((const char *[]){"problem", "import", "--public", "--difficulty", "1200", path,
                                    NULL}) == 0,
           "import pair-sum");
    if (!judge_path) {
        snprintf(path, sizeof(path), "%s/circle-area", examples);
        ICHECK(run_cli((const char *[]){"problem", "import", path, NULL}) == 0,
               "import circle-area");
    }

    server_a = start_server("server-a");
    itest_wait_health(http_port, 200, NULL, 20000);
    server_b = start_server("server-b");
    /* B is up when a connection lands on it. */
    itest_sleep_ms(200);

    register_user("alice", alice_token, &alice_id);
    register_user("bob", bob_token, &bob_id);
    register_user("org", org_token, NULL);
    psql("UPDATE users SET role = 'organizer' WHERE username = 'org'");
}

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: test_server_cluster GAVEL-SERVER GAVEL EXAMPLES [GAVEL-JUDGE]\n");
        return 2;
    }
    server_path = argv[1];
    gavel_path = argv[2];
    examples = argv[3];
    judge_path = argc == 5 ? argv[4] : NULL;
    if (!getenv("GAVEL_PG_URL") || !getenv("GAVEL_REDIS_URL")) {
        fprintf(stderr, "skip: GAVEL_PG_URL and GAVEL_REDIS_URL are not set\n");
        return ITEST_SKIP;
    }
    if (!itest_find_redis_server()) {
        fprintf(stderr, "skip: no redis-server\n");
        return ITEST_SKIP;
    }
    if (judge_path && geteuid() != 0) {
        fprintf(stderr, "skip: gavel-judge runs the sandbox, which needs root\n");
        return ITEST_SKIP;
    }
    srand((unsigned)getpid());
    itest_deadline(judge_path ? 240 : 120);

    setup();
    test_fanout();
    test_resume();
    if (judge_path)
        test_contest_board_judge();
    if (!judge_path) {
        test_contest();
        test_server_restart_mid_contest();
        test_contest_timers();
        test_clarifications();
        test_caches();
        test_demoted_connection();
        test_redis_restart();
        test_pg_restart();
    }
    /* A clean exit of both servers, after all of the above: under the
     * sanitizers that is also their leak check. */
    itest_step = "shutdown";
    stop_clean(server_a, "A");
    stop_clean(server_b, "B");
    itest_kill_all();
    itest_db_drop();
    {
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
        if (system(cmd) != 0)
            fprintf(stderr, "cannot remove %s\n", work);
    }
    printf("test_server_cluster%s: all passed\n", judge_path ? " (with gavel-judge)" : "");
    return 0;
}
