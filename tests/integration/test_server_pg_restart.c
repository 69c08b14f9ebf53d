/* SPDX-License-Identifier: MIT
 * test_server_pg_restart.c - a real PostgreSQL restart under a running
 * gavel-server.
 *
 * The test owns a whole stack: a PostgreSQL cluster and a Redis made by
 * scripts/services in a temporary GAVEL_VAR on free ports (never the shared
 * test services, which other tests use in parallel), the migrations, the
 * pair-sum example and one gavel-server. Then, twice — once stopped like a
 * crash (pg_ctl -m immediate: backends vanish without a word), once like an
 * operator's restart (-m fast: backends say "terminating connection due to
 * administrator command" first) — PostgreSQL goes away for real and comes
 * back on the same port and data directory:
 *
 *   - while it is down, every DB-backed request (problems.list,
 *     submission.get, submit; hello on a new connection) gets `unavailable`
 *     naming the database, the WebSocket stays open (ping), and /healthz is
 *     503 with postgres down and Redis up;
 *   - once it is back, the same requests succeed again on the SAME
 *     connection and on a new one, /healthz is 200, and the server process
 *     is the one started at the beginning;
 *   - nothing was lost or half-made: the session, the account and the
 *     submissions committed before each outage are all there, unchanged,
 *     and the submits refused during it left no rows.
 *
 * Then once more while no request comes (idle_restart): with PostgreSQL back,
 * no request fails: a job thread checks its idle connection (db_pg_usable)
 * before a job uses it.
 *
 * The cluster runs in GAVEL_SERVICES_MODE=run (fsync, synchronous commit):
 * in test mode a commit acknowledged just before an immediate stop may
 * legitimately be lost, which is not what this test is about.
 *
 * Usage: test_server_pg_restart GAVEL-SERVER GAVEL EXAMPLES SERVICES
 * (SERVICES: scripts/services). Exit 77 when not root (PostgreSQL runs as
 * the postgres user) or without PostgreSQL's server binaries or
 * redis-server. tests/integration/test_server_cluster.c covers the same
 * outage across two server processes, with a TCP relay in place of the
 * restart. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "itest.h"
#include "itest_ws.h"
#include "banned.h"

#define RECOVER_MS 20000 /* the job threads' backoff tops out at 5 s */
#define SERVICES_MS 90000
#define DB_THREADS 2 /* the server's job threads, each with its own connection */

static const char *server_path, *gavel_path, *examples, *services_path;
static char pg_ctl[256];
static char work[64], pg_data[128], log_services[128], log_server[128], log_gavel[128];
static char e_var[128], e_pg_port[40], e_redis_port[40];
static const char *services_env[] = {e_var, e_pg_port, e_redis_port, "GAVEL_SERVICES_MODE=run",
                                     NULL};
static int pg_port, redis_port, http_port;
static pid_t server_pid;

static char token[80];
static const char source[] = "int main(void) { return 0; }";
static int64_t subs[8]; /* every submission the server said "ok" to */
static int n_subs;

/* --- Cleanup ------------------------------------------------------------------- */

/* PostgreSQL and Redis are daemons; itest_janitor stops them however the
 * test ends. The variables are on the stop's command line, not inherited:
 * a stop that fell back to the defaults would stop the project's own
 * services. */
static void janitor_start(void)
{
    static char stop[1024], logs[1024];

    snprintf(stop, sizeof(stop), "env '%s' '%s' '%s' '%s' stop >>'%s' 2>&1", e_var, e_pg_port,
             e_redis_port, services_path, log_services);
    snprintf(logs, sizeof(logs), "tail -n 40 '%s' '%s' '%s' >&2 2>/dev/null", log_server,
             log_services, log_gavel);
    itest_janitor_start(work, stop, logs);
}

/* The success path: hands over, waits for the cleanup and checks it. */
static void janitor_finish(void)
{
    itest_janitor_finish(SERVICES_MS);
    ICHECK(access(work, F_OK) != 0, "%s is still there", work);
    ICHECK(itest_tcp_connect(pg_port) < 0, "PostgreSQL still listens on %d", pg_port);
    ICHECK(itest_tcp_connect(redis_port) < 0, "Redis still listens on %d", redis_port);
}

/* --- Processes ------------------------------------------------------------------ */

/* Runs argv to completion; fails unless it exits 0. `env` as itest_spawn. */
static void run(char *const argv[], const char *const env[], const char *log, const char *what)
{
    int status = itest_wait_exit(itest_spawn(argv, env, log), SERVICES_MS);

    ICHECK(status >= 0, "%s did not finish", what);
    ICHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed (status %#x); see %s", what,
           status, log);
}

/* scripts/services start: on first use initdb and the gavel role and
 * database; after a stop, the same cluster on the same port. */
static void services_start(void)
{
    char *argv[] = {(char *)services_path, "start", NULL};

    run(argv, services_env, log_services, "scripts/services start");
}

/* Stops this test's PostgreSQL only (scripts/services stop would take Redis
 * with it). -w: it returns once the postmaster is gone. */
static void pg_stop(const char *mode)
{
    char *argv[] = {"/usr/sbin/runuser", "-u", "postgres", "--", pg_ctl, "-D", pg_data, "-m",
                    (char *)mode,        "-w", "-t",       "30", "stop", NULL};

    run(argv, NULL, log_services, "pg_ctl stop");
}

/* GAVEL_PG_URL and GAVEL_REDIS_URL as `scripts/services env` prints them,
 * exported to every process the test starts from here on. */
static void services_urls(void)
{
    char cmd[1024], line[700];
    FILE *f;
    int found = 0;

    snprintf(cmd, sizeof(cmd), "env '%s' '%s' '%s' '%s' env", e_var, e_pg_port, e_redis_port,
             services_path);
    f = popen(cmd, "r");
    ICHECK(f, "popen: %s", strerror(errno));
    while (fgets(line, sizeof(line), f)) {
        char *eq = strchr(line, '='), *name = line;

        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(name, "export ", 7))
            name += 7;
        if (!eq)
            continue;
        *eq = '\0';
        if (!strcmp(name, "GAVEL_PG_URL") || !strcmp(name, "GAVEL_REDIS_URL")) {
            ICHECK(setenv(name, eq + 1, 1) == 0, "setenv");
            found++;
        }
    }
    ICHECK(pclose(f) == 0 && found == 2, "scripts/services env");
}

static void gavel(const char *const args[], const char *what)
{
    char *argv[12];
    int n = 0;

    argv[n++] = (char *)gavel_path;
    for (int i = 0; args[i] && n < 11; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    run(argv, NULL, log_gavel, what);
}

static void server_start(void)
{
    static char e_port[40], e_threads[48];
    /* No session cache: a hello must need the database here (a cached
     * token answered while PostgreSQL is down is test_server_cluster's). */
    const char *env[] = {e_port,
                         e_threads,
                         "GAVEL_HTTP_ADDR=127.0.0.1",
                         "GAVEL_SUBMIT_RATE_FREE=1000",
                         "GAVEL_SESSION_CACHE_MS=0",
                         NULL};
    char *argv[] = {(char *)server_path, NULL};

    snprintf(e_port, sizeof(e_port), "GAVEL_HTTP_PORT=%d", http_port);
    snprintf(e_threads, sizeof(e_threads), "GAVEL_SERVER_DB_THREADS=%d", DB_THREADS);
    server_pid = itest_spawn(argv, env, log_server);
    itest_wait_health(http_port, 200, NULL, 20000);
}

/* The server that started at the beginning still runs: recovery is its own
 * doing, not a restart's. */
static void server_alive(void)
{
    ICHECK(waitpid(server_pid, NULL, WNOHANG) == 0, "gavel-server exited; see %s", log_server);
}

/* The latest PostgreSQL server binaries, as scripts/services picks them. */
static bool find_pg_ctl(void)
{
    glob_t g;

    pg_ctl[0] = '\0';
    if (glob("/usr/lib/postgresql/*/bin/pg_ctl", 0, NULL, &g) != 0)
        return false;
    for (size_t i = 0; i < g.gl_pathc; i++)
        if (!pg_ctl[0] || strverscmp(g.gl_pathv[i], pg_ctl) > 0)
            snprintf(pg_ctl, sizeof(pg_ctl), "%s", g.gl_pathv[i]);
    globfree(&g);
    return access(pg_ctl, X_OK) == 0;
}

/* --- Requests -------------------------------------------------------------------- */

static void expect_unavailable(int fd, const char *req)
{
    const char *msg = itest_rpc_error(fd, req, "unavailable");

    ICHECK(!strcmp(msg, "the database is unavailable; retry shortly"), "%s: unclear message: %s",
           req, msg);
}

/* A ping is answered by the loop itself: the connection is still open. */
static void expect_open(int fd, const char *who)
{
    cJSON *r;

    itest_ws_send(fd, "{\"type\":\"ping\",\"id\":\"p\"}");
    r = itest_ws_recv(fd, 10000);
    ICHECK(r && itest_str(r, "type") && !strcmp(itest_str(r, "type"), "pong"),
           "%s: no pong; the connection is gone", who);
    cJSON_Delete(r);
}

/* The reply to `req` once it succeeds (caller deletes), retried while it is
 * `unavailable` (nothing else may come) for at most RECOVER_MS. After a
 * restart every request goes through here: which job thread serves it, and
 * whether that thread's connection broke while idle, is not the client's
 * to know (idle_restart checks that no request pays for it). */
static cJSON *rpc_ok(int fd, const char *req, int64_t *took_ms)
{
    int64_t start = itest_now_ms(), deadline = start + RECOVER_MS;

    for (;;) {
        cJSON *r;
        const char *t;
        char *got;

        itest_ws_send(fd, req);
        r = itest_ws_recv(fd, 10000);
        ICHECK(r, "%s: no reply; the connection is gone?", req);
        t = itest_str(r, "type");
        if (t && !strcmp(t, "ok")) {
            if (took_ms)
                *took_ms = itest_now_ms() - start;
            return r;
        }
        got = cJSON_PrintUnformatted(r);
        ICHECK(t && !strcmp(t, "error") && itest_str(r, "code") &&
                   !strcmp(itest_str(r, "code"), "unavailable"),
               "%s -> %s", req, got);
        free(got);
        cJSON_Delete(r);
        ICHECK(itest_now_ms() < deadline, "%s: still unavailable after %d ms", req, RECOVER_MS);
        itest_sleep_ms(100);
    }
}

static char *submit_req(void)
{
    return itest_submit_json("pair-sum", "c", source);
}

static void submit(int fd)
{
    char *req = submit_req();
    cJSON *r = rpc_ok(fd, req, NULL);

    ICHECK(n_subs < (int)(sizeof(subs) / sizeof(subs[0])), "too many submissions");
    subs[n_subs++] = (int64_t)itest_num(itest_data(r), "submission_id");
    cJSON_Delete(r);
    free(req);
}

static void submission_get_req(char *req, size_t len, int64_t id)
{
    snprintf(req, len, "{\"type\":\"submission.get\",\"submission\":%" PRId64 "}", id);
}

static void check_submission(const cJSON *reply, int64_t id)
{
    const cJSON *d = itest_data(reply);

    ICHECK((int64_t)itest_num(d, "id") == id, "submission %" PRId64 ": another id", id);
    ICHECK(itest_str(d, "source") && !strcmp(itest_str(d, "source"), source),
           "submission %" PRId64 ": its source changed", id);
    ICHECK(itest_str(d, "problem") && !strcmp(itest_str(d, "problem"), "pair-sum"),
           "submission %" PRId64 ": its problem changed", id);
}

/* Every submission the server accepted is there, unchanged, and nothing
 * else: a submit refused during the outage left no row. */
static void check_submissions(int fd)
{
    char req[96];
    cJSON *r = rpc_ok(fd, "{\"type\":\"submissions.mine\"}", NULL);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(itest_data(r), "submissions"), *s;
    int n = 0;

    ICHECK(cJSON_IsArray(list), "no submissions array");
    cJSON_ArrayForEach(s, list)
    {
        int64_t id = (int64_t)itest_num(s, "id");
        bool known = false;

        for (int i = 0; i < n_subs; i++)
            known |= subs[i] == id;
        ICHECK(known, "submission %" PRId64 " was never accepted", id);
        n++;
    }
    ICHECK(n == n_subs, "%d submissions listed, %d accepted", n, n_subs);
    cJSON_Delete(r);
    for (int i = 0; i < n_subs; i++) {
        submission_get_req(req, sizeof(req), subs[i]);
        r = rpc_ok(fd, req, NULL);
        check_submission(r, subs[i]);
        cJSON_Delete(r);
    }
}

/* A new connection, logged in with the token from before the outages. */
static int client_hello(void)
{
    char req[160];
    int fd = itest_ws_open(http_port);
    cJSON *r;
    const cJSON *user;

    snprintf(req, sizeof(req), "{\"type\":\"hello\",\"token\":\"%s\"}", token);
    r = rpc_ok(fd, req, NULL);
    user = cJSON_GetObjectItemCaseSensitive(itest_data(r), "user");
    ICHECK(cJSON_IsObject(user) && itest_str(user, "username") &&
               !strcmp(itest_str(user, "username"), "alice"),
           "the session from before did not log in");
    ICHECK((pid_t)itest_num(cJSON_GetObjectItemCaseSensitive(itest_data(r), "server"), "pid") ==
               server_pid,
           "served by another process");
    cJSON_Delete(r);
    return fd;
}

/* --- The outage ------------------------------------------------------------------ */

static void outage(int fd, const char *mode)
{
    static const char list_req[] = "{\"type\":\"problems.list\"}";
    char get_req[96], hello_req[160], *sub_req = submit_req();
    int64_t t0, took, took_get, took_new;
    struct itest_http h;
    cJSON *r;
    int other;

    snprintf(hello_req, sizeof(hello_req), "{\"type\":\"hello\",\"token\":\"%s\"}", token);
    submission_get_req(get_req, sizeof(get_req), subs[n_subs - 1]);

    itest_step = mode;
    t0 = itest_now_ms();
    pg_stop(mode);
    fprintf(stderr, "# pg_ctl stop -m %s: %" PRId64 " ms\n", mode, itest_now_ms() - t0);

    itest_step = "postgres down: requests";
    /* Each fails at once, whichever it meets: the dead connection, a
     * refused connect or the backoff after one. */
    expect_unavailable(fd, list_req);
    expect_unavailable(fd, get_req);
    expect_unavailable(fd, sub_req);
    expect_unavailable(fd, list_req);
    expect_open(fd, "the old connection");
    /* A connection made during the outage: the upgrade needs no store, its
     * login does. */
    other = itest_ws_open(http_port);
    expect_unavailable(other, hello_req);
    expect_open(other, "a new connection");
    close(other);

    itest_step = "postgres down: /healthz";
    itest_wait_health(http_port, 503, "\"postgres\":{\"up\":false", 10000);
    itest_http_get(&h, http_port, "/healthz");
    ICHECK(h.status == 503 && strstr(h.body, "\"status\":\"degraded\"") &&
               strstr(h.body, "\"redis\":{\"up\":true"),
           "/healthz: %d %s", h.status, h.body);
    itest_http_release(&h);
    server_alive();

    itest_step = "postgres back";
    t0 = itest_now_ms();
    services_start();
    fprintf(stderr, "# scripts/services start: %" PRId64 " ms\n", itest_now_ms() - t0);

    itest_step = "postgres back: the same connection";
    cJSON_Delete(rpc_ok(fd, list_req, &took));
    r = rpc_ok(fd, get_req, &took_get);
    check_submission(r, subs[n_subs - 1]);
    cJSON_Delete(r);

    itest_step = "postgres back: a new connection";
    t0 = itest_now_ms();
    other = client_hello();
    took_new = itest_now_ms() - t0;
    cJSON_Delete(rpc_ok(other, list_req, NULL));
    /* The account survived: a password login checks its hash and writes a
     * session. */
    cJSON_Delete(rpc_ok(
        other, "{\"type\":\"login\",\"username\":\"alice\",\"password\":\"correct horse\"}", NULL));
    check_submissions(other);
    close(other);

    itest_step = "postgres back: /healthz";
    itest_wait_health(http_port, 200, NULL, RECOVER_MS);
    server_alive();

    itest_step = "postgres back: writes";
    submit(fd);
    check_submissions(fd);
    fprintf(stderr,
            "# -m %s: recovered after %" PRId64 " ms (problems.list), then %" PRId64
            " ms (submission.get), new connection %" PRId64 " ms\n",
            mode, took, took_get, took_new);
    free(sub_req);
}

/* A restart that no request notices while it happens (at night, say): the
 * job threads still hold connections to the PostgreSQL that went away. Once
 * it is back and /healthz says so, every request succeeds: a thread sees
 * that the server closed its idle connection (the socket has its EOF) and
 * reconnects before running the job. (It once was every request for a
 * backoff step, then one per thread: the one that found the break.) */
static void idle_restart(void)
{
    enum { BURST = 6, AFTER = 20 };
    static const char list_req[] = "{\"type\":\"problems.list\"}";
    int c[BURST], bad = 0;

    itest_step = "restart while idle: every job thread connected";
    /* Requests from several connections at once keep both threads busy,
     * so each opens its connection. */
    for (int i = 0; i < BURST; i++) {
        c[i] = itest_ws_open(http_port);
        itest_ws_send(c[i], list_req);
    }
    for (int i = 0; i < BURST; i++) {
        cJSON *r = itest_ws_recv(c[i], 10000);

        ICHECK(r && itest_str(r, "type") && !strcmp(itest_str(r, "type"), "ok"),
               "the burst before the restart failed");
        cJSON_Delete(r);
        close(c[i]);
    }

    itest_step = "restart while idle";
    pg_stop("immediate");
    services_start();
    itest_wait_health(http_port, 200, NULL, RECOVER_MS);

    itest_step = "restart while idle: requests after it";
    for (int i = 0; i < AFTER; i++) {
        int fd = itest_ws_open(http_port);
        cJSON *r;
        const char *t;

        itest_ws_send(fd, list_req);
        r = itest_ws_recv(fd, 10000);
        ICHECK(r, "no reply");
        t = itest_str(r, "type");
        if (!t || strcmp(t, "ok")) {
            char *got = cJSON_PrintUnformatted(r);

            ICHECK(t && !strcmp(t, "error") && itest_str(r, "code") &&
                       !strcmp(itest_str(r, "code"), "unavailable"),
                   "%s", got);
            fprintf(stderr, "# request %d after the idle restart: %s\n", i + 1, got);
            free(got);
            bad++;
        }
        cJSON_Delete(r);
        close(fd);
    }
    ICHECK(bad == 0, "%d of %d requests failed with PostgreSQL up", bad, AFTER);
    server_alive();
}

/* --- Main ------------------------------------------------------------------------- */

static void setup(void)
{
    char path[1024];
    int64_t t0 = itest_now_ms();

    itest_step = "setup";
    snprintf(work, sizeof(work), "/tmp/gavel-pgr-XXXXXX");
    ICHECK(mkdtemp(work), "mkdtemp: %s", strerror(errno));
    /* The postgres user must reach the data directory inside. */
    ICHECK(chmod(work, 0755) == 0, "chmod: %s", strerror(errno));
    snprintf(log_services, sizeof(log_services), "%s/services.log", work);
    snprintf(log_server, sizeof(log_server), "%s/server.log", work);
    snprintf(log_gavel, sizeof(log_gavel), "%s/gavel.log", work);
    snprintf(pg_data, sizeof(pg_data), "%s/var/pg/data", work);
    pg_port = itest_free_port();
    redis_port = itest_free_port();
    http_port = itest_free_port();
    snprintf(e_var, sizeof(e_var), "GAVEL_VAR=%s/var", work);
    snprintf(e_pg_port, sizeof(e_pg_port), "GAVEL_PG_PORT=%d", pg_port);
    snprintf(e_redis_port, sizeof(e_redis_port), "GAVEL_REDIS_PORT=%d", redis_port);
    janitor_start();
    fprintf(stderr, "# PostgreSQL :%d and Redis :%d in %s (removed at the end)\n", pg_port,
            redis_port, work);

    services_start();
    services_urls();
    gavel((const char *[]){"db", "migrate", NULL}, "gavel db migrate");
    snprintf(path, sizeof(path), "%s/pair-sum", examples);
    gavel((const char *[]){"problem", "import", "--public", "--difficulty", "1200", path, NULL},
          "gavel problem import");
    server_start();
    fprintf(stderr, "# setup: %" PRId64 " ms\n", itest_now_ms() - t0);
}

int main(int argc, char **argv)
{
    int fd;
    cJSON *r;

    if (argc != 5) {
        fprintf(stderr, "usage: test_server_pg_restart GAVEL-SERVER GAVEL EXAMPLES SERVICES\n");
        return 2;
    }
    server_path = argv[1];
    gavel_path = argv[2];
    examples = argv[3];
    services_path = argv[4];
    if (geteuid() != 0) {
        fprintf(stderr, "skip: scripts/services needs root (PostgreSQL runs as postgres)\n");
        return ITEST_SKIP;
    }
    if (!find_pg_ctl() || (access("/usr/bin/redis-server", X_OK) != 0 &&
                           access("/usr/local/bin/redis-server", X_OK) != 0)) {
        fprintf(stderr, "skip: no PostgreSQL server binaries or redis-server\n");
        return ITEST_SKIP;
    }
    srand((unsigned)getpid());
    itest_deadline(150);
    setup();

    itest_step = "before the outage";
    fd = itest_ws_open(http_port);
    r = itest_rpc(fd,
                  "{\"type\":\"register\",\"username\":\"alice\",\"password\":\"correct horse\"}",
                  "ok", NULL);
    snprintf(token, sizeof(token), "%s", itest_str(itest_data(r), "token"));
    cJSON_Delete(r);
    r = itest_rpc(fd, "{\"type\":\"problems.list\"}", "ok", NULL);
    ICHECK(itest_num(itest_data(r), "total") == 1, "pair-sum is not listed");
    cJSON_Delete(r);
    submit(fd);
    check_submissions(fd);

    outage(fd, "immediate");
    outage(fd, "fast");
    idle_restart();
    check_submissions(fd);

    itest_step = "shutdown";
    close(fd);
    /* A clean exit after all of the above: under the sanitizers it is also
     * the server's leak check. */
    kill(server_pid, SIGTERM);
    {
        int status = itest_wait_exit(server_pid, 10000);

        ICHECK(status >= 0, "gavel-server ignored SIGTERM");
        ICHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
               "gavel-server exited with wait status %#x; see %s", status, log_server);
    }
    janitor_finish();
    printf("test_server_pg_restart: all passed\n");
    return 0;
}
