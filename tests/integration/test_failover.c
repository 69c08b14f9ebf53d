/* SPDX-License-Identifier: MIT
 * test_failover.c - the stores fail over with their own mechanisms under a
 * running gavel-server and gavel-judge.
 *
 *   pg:    a PostgreSQL primary and a streaming standby (pg_basebackup -R,
 *          synchronous: an acknowledged commit is on both), every binary
 *          on the multi-host URL
 *          postgresql://gavel@127.0.0.1:P1,127.0.0.1:P2/gavel?target_session_attrs=read-write.
 *          The primary crashes (pg_ctl stop -m immediate); while the
 *          standby is read-only every DB-backed request is `unavailable`
 *          and /healthz says postgres is down; the standby is promoted
 *          (pg_ctl promote) and the same requests succeed on the same
 *          WebSocket, every submission acknowledged before the crash is
 *          there, and judging resumes (the one submitted just before the
 *          crash and one submitted after the promotion get their verdicts).
 *
 *   redis: a Redis master, a replica and three sentinels; every binary
 *          finds the master through GAVEL_REDIS_SENTINELS (GAVEL_REDIS_URL
 *          names a port where nothing listens). The test makes the master
 *          hold a write its replica never gets (the replica is stopped and
 *          its link cut, as a lagging replica's would be) — a queued
 *          submission, acknowledged to its author — then kills the master;
 *          the sentinels promote the replica, which does not have that
 *          entry. The judge, which was stopped meanwhile, comes back,
 *          finds the new master and re-queues the submission from
 *          PostgreSQL; its verdict and that of a submission made after the
 *          failover are pushed live to the author's WebSocket, which the
 *          server kept open throughout.
 *
 * The stores are daemons started by ha_stores.sh under a directory of the
 * test's own (ports from the kernel, never the shared ones). The cleanup is
 * a process forked before anything starts (itest_janitor_start):
 * it waits for the test to go away by whatever path and then stops them
 * (ha_stores.sh stop-all) and removes the directory.
 *
 * Usage: test_failover pg|redis GAVEL-SERVER GAVEL GAVEL-JUDGE EXAMPLES HA-STORES.
 * Exit 77 when not root (PostgreSQL runs as postgres, the judge's sandbox
 * needs root) or without PostgreSQL's server binaries or redis-server. */
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

#include "db.h"
#include "db_queue.h"
#include "itest.h"
#include "itest_ws.h"
#include "banned.h"

#define RECOVER_MS 30000 /* the stores' backoff tops out at 5 s */
#define VERDICT_MS 60000 /* a compile and a run on a loaded host, after a reclaim */
#define STORES_MS 90000

static const char *mode, *server_path, *gavel_path, *judge_path, *examples, *stores_path;
static char work[64], log_stores[128], log_server[128], log_judge[128], log_gavel[128];
static int http_port;
static pid_t server_pid, judge_pid;
static char *accepted_source;

/* Every submission the server said "ok" to, and the verdicts pushed. */
static struct {
    int64_t id;
    char verdict[8];
} subs[8];
static int n_subs;

/* --- Cleanup ------------------------------------------------------------------- */

/* The stores are daemons; itest_janitor stops them however the test ends. */
static void janitor_start(void)
{
    static char stop[1024], logs[1024];

    snprintf(stop, sizeof(stop), "bash '%s' '%s' stop-all >>'%s' 2>&1", stores_path, work,
             log_stores);
    snprintf(logs, sizeof(logs),
             "tail -n 30 '%s' '%s' '%s' '%s' >&2 2>/dev/null;"
             " tail -n 15 '%s'/*.log '%s'/pg?/postgres.log >&2 2>/dev/null",
             log_server, log_judge, log_stores, log_gavel, work, work);
    itest_janitor_start(work, stop, logs);
}

static void janitor_finish(void)
{
    itest_janitor_finish(STORES_MS);
    ICHECK(access(work, F_OK) != 0, "%s is still there", work);
}

/* --- Processes ------------------------------------------------------------------ */

static void run(char *const argv[], const char *log, const char *what)
{
    int status = itest_wait_exit(itest_spawn(argv, NULL, log), STORES_MS);

    ICHECK(status >= 0, "%s did not finish", what);
    ICHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s failed (status %#x); see %s", what,
           status, log);
}

/* ha_stores.sh WORK args... */
static void stores(const char *const args[])
{
    char *argv[16], what[128] = "ha_stores.sh";
    int64_t t0;
    int n = 0;

    argv[n++] = "/bin/bash";
    argv[n++] = (char *)stores_path;
    argv[n++] = work;
    for (int i = 0; args[i] && n < 15; i++) {
        argv[n++] = (char *)args[i];
        snprintf(what + strlen(what), sizeof(what) - strlen(what), " %s", args[i]);
    }
    argv[n] = NULL;
    t0 = itest_now_ms();
    run(argv, log_stores, what);
    fprintf(stderr, "# %s: %" PRId64 " ms\n", what, itest_now_ms() - t0);
}

static void gavel(const char *const args[], const char *what)
{
    char *argv[12];
    int n = 0;

    argv[n++] = (char *)gavel_path;
    for (int i = 0; args[i] && n < 11; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    run(argv, log_gavel, what);
}

static void server_start(void)
{
    static char e_port[40];
    const char *env[] = {e_port, "GAVEL_HTTP_ADDR=127.0.0.1", "GAVEL_SUBMIT_RATE_FREE=1000", NULL};
    char *argv[] = {(char *)server_path, NULL};

    snprintf(e_port, sizeof(e_port), "GAVEL_HTTP_PORT=%d", http_port);
    server_pid = itest_spawn(argv, env, log_server);
    itest_wait_health(http_port, 200, NULL, 20000);
}

static void judge_start(void)
{
    static char e_cache[128];
    /* A judging cut short by the outage is left pending; with the default
     * (60 s) its reclaim would outlast the test. */
    const char *env[] = {e_cache, "GAVEL_JUDGE_RECLAIM_MS=3000", NULL};
    char *argv[] = {(char *)judge_path, NULL};

    snprintf(e_cache, sizeof(e_cache), "GAVEL_JUDGE_CACHE=%s/judge-cache", work);
    judge_pid = itest_spawn(argv, env, log_judge);
}

/* Both processes started at the beginning still run: recovery is their own
 * doing, not a restart's. */
static void processes_alive(void)
{
    ICHECK(waitpid(server_pid, NULL, WNOHANG) == 0, "gavel-server exited; see %s", log_server);
    ICHECK(waitpid(judge_pid, NULL, WNOHANG) == 0, "gavel-judge exited; see %s", log_judge);
}

static void stop_cleanly(pid_t pid, const char *name, const char *log)
{
    int status;

    kill(pid, SIGTERM);
    status = itest_wait_exit(pid, 20000);
    ICHECK(status >= 0, "%s ignored SIGTERM", name);
    ICHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s exited with wait status %#x; see %s",
           name, status, log);
}

static bool find_pg_ctl(void)
{
    glob_t g;
    bool found = glob("/usr/lib/postgresql/*/bin/pg_basebackup", 0, NULL, &g) == 0;

    if (found)
        globfree(&g);
    return found;
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

static int port_arg(char *buf, size_t len, int port)
{
    snprintf(buf, len, "%d", port);
    return port;
}

/* --- Requests -------------------------------------------------------------------- */

/* Remembers a verdict push for one of ours; other pushes are dropped. */
static void note_push(const cJSON *j)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "data");
    const char *ev = itest_str(j, "event");

    if (!ev || strcmp(ev, "judging.verdict") || !cJSON_IsObject(d))
        return;
    for (int i = 0; i < n_subs; i++)
        if (subs[i].id == (int64_t)itest_num(d, "submission_id")) {
            ICHECK(!subs[i].verdict[0], "submission %" PRId64 ": a second verdict push",
                   subs[i].id);
            snprintf(subs[i].verdict, sizeof(subs[i].verdict), "%s",
                     itest_str(d, "verdict") ? itest_str(d, "verdict") : "?");
        }
}

/* The next reply on fd (caller deletes), pushes noted on the way. */
static cJSON *next_reply(int fd, const char *req)
{
    for (;;) {
        cJSON *r = itest_ws_recv(fd, 15000);
        const char *t;

        ICHECK(r, "%s: no reply; the connection is gone?", req);
        t = itest_str(r, "type");
        if (t && (!strcmp(t, "event") || !strcmp(t, "resync"))) {
            note_push(r);
            cJSON_Delete(r);
            continue;
        }
        return r;
    }
}

static bool is_error(const cJSON *r, const char *code)
{
    const char *t = itest_str(r, "type"), *c = itest_str(r, "code");

    return t && !strcmp(t, "error") && c && !strcmp(c, code);
}

static void expect_unavailable(int fd, const char *req, const char *message)
{
    cJSON *r;
    char *got;

    itest_ws_send(fd, req);
    r = next_reply(fd, req);
    got = cJSON_PrintUnformatted(r);
    ICHECK(is_error(r, "unavailable"), "%s -> %s, not unavailable", req, got);
    ICHECK(!message || (itest_str(r, "message") && !strcmp(itest_str(r, "message"), message)),
           "%s: unclear message: %s", req, got);
    free(got);
    cJSON_Delete(r);
}

/* The reply to `req` once it succeeds, retried while it is `unavailable`
 * (nothing else may come) for at most RECOVER_MS. */
static cJSON *rpc_ok(int fd, const char *req, int64_t *took_ms)
{
    int64_t start = itest_now_ms(), deadline = start + RECOVER_MS;

    for (;;) {
        cJSON *r;
        char *got;

        itest_ws_send(fd, req);
        r = next_reply(fd, req);
        if (itest_str(r, "type") && !strcmp(itest_str(r, "type"), "ok")) {
            if (took_ms)
                *took_ms = itest_now_ms() - start;
            return r;
        }
        got = cJSON_PrintUnformatted(r);
        ICHECK(is_error(r, "unavailable"), "%s -> %s", req, got);
        free(got);
        cJSON_Delete(r);
        ICHECK(itest_now_ms() < deadline, "%s: still unavailable after %d ms", req, RECOVER_MS);
        itest_sleep_ms(100);
    }
}

static char *submit_req(void)
{
    return itest_submit_json("pair-sum", "c", accepted_source);
}

/* A submission the server acknowledged: its id is remembered. */
static int submit(int fd)
{
    char *req = submit_req();
    cJSON *r = rpc_ok(fd, req, NULL);

    ICHECK(n_subs < (int)(sizeof(subs) / sizeof(subs[0])), "too many submissions");
    subs[n_subs].id = (int64_t)itest_num(itest_data(r), "submission_id");
    subs[n_subs].verdict[0] = '\0';
    cJSON_Delete(r);
    free(req);
    return n_subs++;
}

/* Waits for submission i's verdict push (the author's connection gets it
 * unasked); fails unless it is AC. */
static void wait_verdict(int fd, int i, const char *why)
{
    int64_t deadline = itest_now_ms() + VERDICT_MS;

    while (!subs[i].verdict[0]) {
        cJSON *j;
        const char *t;

        ICHECK(itest_now_ms() < deadline, "%s: no verdict for submission %" PRId64 " in %d ms", why,
               subs[i].id, VERDICT_MS);
        j = itest_ws_recv(fd, 1000);
        if (!j)
            continue;
        t = itest_str(j, "type");
        ICHECK(t && (!strcmp(t, "event") || !strcmp(t, "resync")), "not a push: %s", t ? t : "?");
        note_push(j);
        cJSON_Delete(j);
    }
    ICHECK(!strcmp(subs[i].verdict, "AC"), "%s: submission %" PRId64 " got %s", why, subs[i].id,
           subs[i].verdict);
}

/* Every acknowledged submission is stored, unchanged, with its verdict
 * when it has one; and nothing else is listed. */
static void check_submissions(int fd)
{
    cJSON *r = rpc_ok(fd, "{\"type\":\"submissions.mine\"}", NULL);
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(itest_data(r), "submissions"), *s;
    int n = 0;

    ICHECK(cJSON_IsArray(list), "no submissions array");
    cJSON_ArrayForEach(s, list)
    {
        int64_t id = (int64_t)itest_num(s, "id");
        bool known = false;

        for (int i = 0; i < n_subs; i++)
            if (subs[i].id == id) {
                known = true;
                ICHECK(!subs[i].verdict[0] || (itest_str(s, "verdict") &&
                                               !strcmp(itest_str(s, "verdict"), subs[i].verdict)),
                       "submission %" PRId64 ": stored verdict %s, pushed %s", id,
                       itest_str(s, "verdict") ? itest_str(s, "verdict") : "(none)",
                       subs[i].verdict);
            }
        ICHECK(known, "submission %" PRId64 " was never acknowledged", id);
        n++;
    }
    ICHECK(n == n_subs, "%d submissions listed, %d acknowledged", n, n_subs);
    cJSON_Delete(r);
}

static int client_login(void)
{
    int fd = itest_ws_open(http_port);
    cJSON *r = rpc_ok(
        fd, "{\"type\":\"register\",\"username\":\"alice\",\"password\":\"correct horse\"}", NULL);

    cJSON_Delete(r);
    return fd;
}

/* --- PostgreSQL ---------------------------------------------------------------- */

static void pg_setup(void)
{
    char p1[16], p2[16], rp[16], url[256], path[1024];
    int pg1 = port_arg(p1, sizeof(p1), itest_free_port());
    int pg2 = port_arg(p2, sizeof(p2), itest_free_port());
    int redis = port_arg(rp, sizeof(rp), itest_free_port());

    itest_step = "setup: primary and standby";
    stores((const char *[]){"pg-primary", p1, NULL});
    stores((const char *[]){"pg-standby", p2, p1, NULL});
    stores((const char *[]){"pg-sync", NULL});
    stores((const char *[]){"redis", "redis", rp, NULL});
    snprintf(url, sizeof(url),
             "postgresql://gavel@127.0.0.1:%d,127.0.0.1:%d/gavel?target_session_attrs=read-write",
             pg1, pg2);
    ICHECK(setenv("GAVEL_PG_URL", url, 1) == 0, "setenv");
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", redis);
    ICHECK(setenv("GAVEL_REDIS_URL", url, 1) == 0, "setenv");
    fprintf(stderr, "# primary :%d, standby :%d, Redis :%d in %s\n", pg1, pg2, redis, work);

    itest_step = "setup: schema, problem, processes";
    gavel((const char *[]){"db", "migrate", NULL}, "gavel db migrate");
    snprintf(path, sizeof(path), "%s/pair-sum", examples);
    gavel((const char *[]){"problem", "import", "--public", path, NULL}, "gavel problem import");
    server_start();
    judge_start();
}

static void pg_failover(void)
{
    static const char list_req[] = "{\"type\":\"problems.list\"}";
    static const char db_down[] = "the database is unavailable; retry shortly";
    char *sub_req = submit_req();
    int64_t t0, took;
    struct itest_http h;
    cJSON *r;
    int fd, before, last, after, other;

    itest_step = "before the failover";
    fd = client_login();
    before = submit(fd);
    wait_verdict(fd, before, "before the failover");
    /* Acknowledged just before the crash: on the standby too (synchronous
     * replication), whether or not the judge has started on it. */
    last = submit(fd);

    itest_step = "the primary crashes";
    t0 = itest_now_ms();
    stores((const char *[]){"pg-kill", "pg1", NULL});
    fprintf(stderr, "# pg_ctl stop -m immediate: %" PRId64 " ms\n", itest_now_ms() - t0);

    itest_step = "no primary: requests";
    /* The standby is up but read-only: target_session_attrs=read-write
     * passes it over, so there is nothing to connect to. */
    expect_unavailable(fd, list_req, db_down);
    expect_unavailable(fd, sub_req, db_down);
    other = itest_ws_open(http_port);
    expect_unavailable(other, list_req, db_down);
    close(other);
    itest_step = "no primary: /healthz";
    itest_wait_health(http_port, 503, "\"postgres\":{\"up\":false", 10000);
    itest_http_get(&h, http_port, "/healthz");
    ICHECK(h.status == 503 && strstr(h.body, "\"redis\":{\"up\":true"), "/healthz: %d %s", h.status,
           h.body);
    itest_http_release(&h);
    processes_alive();

    itest_step = "the standby is promoted";
    t0 = itest_now_ms();
    stores((const char *[]){"pg-promote", "pg2", NULL});
    fprintf(stderr, "# pg_ctl promote: %" PRId64 " ms\n", itest_now_ms() - t0);

    itest_step = "after the failover: the same connection";
    r = rpc_ok(fd, list_req, &took);
    ICHECK(itest_num(itest_data(r), "total") == 1, "pair-sum is not listed");
    cJSON_Delete(r);
    fprintf(stderr, "# requests succeed %" PRId64 " ms after the promotion\n", took);
    check_submissions(fd);

    itest_step = "after the failover: judging resumes";
    after = submit(fd);
    wait_verdict(fd, last, "submitted just before the crash");
    wait_verdict(fd, after, "submitted after the failover");
    check_submissions(fd);
    itest_wait_health(http_port, 200, NULL, RECOVER_MS);
    processes_alive();
    close(fd);
    free(sub_req);
}

/* --- Redis Sentinel -------------------------------------------------------------- */

static int redis_ports[2], sentinel_ports[3];

static pid_t pid_of(const char *name)
{
    char path[160], *text;
    pid_t pid;

    snprintf(path, sizeof(path), "%s/%s.pid", work, name);
    text = read_file(path);
    pid = (pid_t)strtol(text, NULL, 10);
    free(text);
    ICHECK(pid > 0, "no pid in %s", path);
    return pid;
}

static struct db_redis *redis_at(int port)
{
    char url[64], why[256], *saved = NULL;
    const char *sentinels = getenv("GAVEL_REDIS_SENTINELS");
    struct db_redis *r = NULL;
    int err;

    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", port);
    /* Straight to that server, not through the sentinels (the processes
     * started later inherit the setting: it is put back). */
    if (sentinels) {
        saved = strdup(sentinels);
        ICHECK(saved, "out of memory");
        unsetenv("GAVEL_REDIS_SENTINELS");
    }
    err = db_redis_open(&r, url, 2000, why, sizeof(why));
    if (saved) {
        ICHECK(setenv("GAVEL_REDIS_SENTINELS", saved, 1) == 0, "setenv");
        free(saved);
    }
    ICHECK(err == 0, "redis :%d: %s", port, why);
    return r;
}

/* redis-cli -p PORT ARGS: its output (caller frees), "" on failure. */
static char *redis_cli(int port, const char *args)
{
    char cmd[256], *out = calloc(1, 1 << 16);
    size_t n = 0, got;
    FILE *f;

    ICHECK(out, "out of memory");
    snprintf(cmd, sizeof(cmd), "redis-cli -p %d %s 2>/dev/null", port, args);
    f = popen(cmd, "r");
    ICHECK(f, "popen: %s", strerror(errno));
    while (n + 1 < (1 << 16) && (got = fread(out + n, 1, (1 << 16) - 1 - n, f)) > 0)
        n += got;
    out[n] = '\0';
    pclose(f);
    return out;
}

/* The port the sentinel on `sentinel` names for master "gavel" (the second
 * line of get-master-addr-by-name), -1 when it does not answer. */
static int sentinel_master_port(int sentinel)
{
    char *out = redis_cli(sentinel, "sentinel get-master-addr-by-name gavel");
    char *nl = strchr(out, '\n');
    int port = nl ? (int)strtol(nl + 1, NULL, 10) : -1;

    free(out);
    return port > 0 ? port : -1;
}

/* Closes every connection `program` has open to the Redis on `port`
 * (db_redis_open names them program:pid), counting them. */
static int kill_connections(int port, const char *program, pid_t pid)
{
    char *list = redis_cli(port, "client list"), name[64], args[64], *line, *save = NULL;
    int n = 0;

    snprintf(name, sizeof(name), " name=%s:%d ", program, (int)pid);
    for (line = strtok_r(list, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        long long id;

        if (!strstr(line, name) || sscanf(line, "id=%lld", &id) != 1)
            continue;
        snprintf(args, sizeof(args), "client kill id %lld", id);
        free(redis_cli(port, args));
        n++;
    }
    free(list);
    return n;
}

/* Jobs waiting to be taken on the Redis at `port` (the default queue
 * prefix). Not the pending ones: the judge publishes a verdict before it
 * acknowledges the job, so the job before the outage may still be. */
static long queue_waiting(int port)
{
    struct db_redis *r = redis_at(port);
    struct db_queue *q = NULL;
    struct db_queue_opts o = {0};
    struct db_queue_stats st;
    long n = 0;

    ICHECK(db_queue_open(&q, r, &o) == 0 && db_queue_stats(&st, q) == 0, "queue stats on :%d",
           port);
    for (int i = 0; i < DB_QUEUE_LEVELS; i++)
        n += (long)st.waiting[i];
    db_queue_close(q);
    db_redis_close(r);
    return n;
}

static char sentinels_env[128];

static void redis_setup(void)
{
    char pp[16], m[16], rep[16], s[3][16], url[256], path[1024];
    int pg = port_arg(pp, sizeof(pp), itest_free_port());

    redis_ports[0] = port_arg(m, sizeof(m), itest_free_port());
    redis_ports[1] = port_arg(rep, sizeof(rep), itest_free_port());
    for (int i = 0; i < 3; i++)
        sentinel_ports[i] = port_arg(s[i], sizeof(s[i]), itest_free_port());

    itest_step = "setup: PostgreSQL, master, replica, sentinels";
    stores((const char *[]){"pg-primary", pp, NULL});
    stores((const char *[]){"redis", "master", m, NULL});
    stores((const char *[]){"redis", "replica", rep, m, NULL});
    stores((const char *[]){"redis-synced", rep, NULL});
    for (int i = 0; i < 3; i++) {
        char name[16];

        snprintf(name, sizeof(name), "sentinel%d", i + 1);
        stores((const char *[]){"sentinel", name, s[i], m, NULL});
    }
    stores((const char *[]){"sentinels-ready", s[0], s[1], s[2], NULL});
    snprintf(url, sizeof(url), "postgresql://gavel@127.0.0.1:%d/gavel", pg);
    ICHECK(setenv("GAVEL_PG_URL", url, 1) == 0, "setenv");
    /* Nothing listens there: the master's address must come from the
     * sentinels. */
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", itest_free_port());
    ICHECK(setenv("GAVEL_REDIS_URL", url, 1) == 0, "setenv");
    snprintf(sentinels_env, sizeof(sentinels_env), "127.0.0.1:%d,127.0.0.1:%d,127.0.0.1:%d",
             sentinel_ports[0], sentinel_ports[1], sentinel_ports[2]);
    ICHECK(setenv("GAVEL_REDIS_SENTINELS", sentinels_env, 1) == 0, "setenv");
    ICHECK(setenv("GAVEL_REDIS_MASTER", "gavel", 1) == 0, "setenv");
    fprintf(stderr, "# PostgreSQL :%d, master :%d, replica :%d, sentinels %s in %s\n", pg,
            redis_ports[0], redis_ports[1], sentinels_env, work);

    itest_step = "setup: schema, problem, processes";
    gavel((const char *[]){"db", "migrate", NULL}, "gavel db migrate");
    snprintf(path, sizeof(path), "%s/pair-sum", examples);
    gavel((const char *[]){"problem", "import", "--public", path, NULL}, "gavel problem import");
    server_start();
    judge_start();
}

/* Waits until `log` has a line saying the sentinels moved master "gavel"
 * to :port (db_redis's +switch-master subscription). */
static void wait_move_logged(const char *log, const char *who, int port)
{
    char want[64];
    int64_t t0 = itest_now_ms();

    snprintf(want, sizeof(want), "to 127.0.0.1:%d;", port);
    for (;;) {
        FILE *f = fopen(log, "r");
        char line[1024];
        bool seen = false;

        while (f && !seen && fgets(line, sizeof(line), f))
            seen = strstr(line, "moved master 'gavel'") && strstr(line, want);
        if (f)
            fclose(f);
        if (seen)
            break;
        ICHECK(itest_now_ms() - t0 < RECOVER_MS, "%s did not log the move to :%d (see %s)", who,
               port, log);
        itest_sleep_ms(100);
    }
}

/* A planned switchover back (maintenance on the second host, say): the
 * first host returns as a replica and the sentinels are asked to fail
 * over (SENTINEL FAILOVER). Unlike a crash, the old master stays up; the
 * sentinels demote it and close its clients' connections, and the
 * processes must find the new master rather than write to a replica. */
static void switchover(int fd)
{
    char m[16], rep[16];
    int64_t t0;
    int after;

    itest_step = "switchover: the first host back as a replica";
    snprintf(m, sizeof(m), "%d", redis_ports[0]);
    snprintf(rep, sizeof(rep), "%d", redis_ports[1]);
    stores((const char *[]){"redis", "master", m, rep, NULL});
    stores((const char *[]){"redis-synced", m, NULL});

    itest_step = "switchover: SENTINEL FAILOVER";
    t0 = itest_now_ms();
    for (;;) {
        /* -NOGOODSLAVE until the sentinels have seen the replica up and
         * in sync (they look every second or so). */
        char *out = redis_cli(sentinel_ports[1], "sentinel failover gavel");
        bool started = !strncmp(out, "OK", 2) || strstr(out, "INPROG");

        free(out);
        if (started)
            break;
        ICHECK(itest_now_ms() - t0 < RECOVER_MS, "the sentinels would not fail over");
        itest_sleep_ms(500);
    }
    while (sentinel_master_port(sentinel_ports[0]) != redis_ports[0]) {
        ICHECK(itest_now_ms() - t0 < RECOVER_MS, "no switchover within %d ms", RECOVER_MS);
        itest_sleep_ms(200);
    }
    fprintf(stderr,
            "# switchover: the first host is the master again %" PRId64 " ms after "
            "SENTINEL FAILOVER was first tried\n",
            itest_now_ms() - t0);

    itest_step = "switchover: both processes heard +switch-master";
    wait_move_logged(log_server, "gavel-server", redis_ports[0]);
    wait_move_logged(log_judge, "gavel-judge", redis_ports[0]);

    itest_step = "switchover: queue and pushes";
    after = submit(fd);
    wait_verdict(fd, after, "submitted after the switchover");
}

static void redis_failover(void)
{
    const char *kill_link[] = {"CLIENT", "KILL", "TYPE", "replica"};
    pid_t master = pid_of("master"), replica = pid_of("replica");
    struct db_redis *r;
    int64_t t0, took;
    int fd, before, lost, after, port;
    long n;

    itest_step = "before the failover";
    fd = client_login();
    before = submit(fd);
    wait_verdict(fd, before, "before the failover");

    itest_step = "a write the replica never gets";
    /* The judge stops taking jobs, and its connections are closed (a take
     * blocked on one would receive the entry below into the stopped
     * process's socket), so the entry stays in Redis only. The replica
     * stops reading and its link is cut, as a lagging replica's would be
     * when the master dies. */
    ICHECK(kill(judge_pid, SIGSTOP) == 0, "SIGSTOP judge");
    ICHECK(kill_connections(redis_ports[0], "gavel-judge", judge_pid) >= 1,
           "the judge has no connection to the master");
    ICHECK(kill(replica, SIGSTOP) == 0, "SIGSTOP replica");
    r = redis_at(redis_ports[0]);
    ICHECK(db_redis_command(r, 4, kill_link) == 0, "CLIENT KILL TYPE replica: %s",
           db_redis_last_error(r));
    db_redis_close(r);
    lost = submit(fd);
    n = queue_waiting(redis_ports[0]);
    ICHECK(n == 1, "the master holds %ld waiting submissions, not 1", n);

    itest_step = "the master dies";
    ICHECK(kill(master, SIGKILL) == 0, "SIGKILL master");
    ICHECK(kill(replica, SIGCONT) == 0, "SIGCONT replica");
    t0 = itest_now_ms();
    for (;;) {
        port = sentinel_master_port(sentinel_ports[0]);
        if (port == redis_ports[1])
            break;
        ICHECK(itest_now_ms() - t0 < RECOVER_MS, "no failover within %d ms (master :%d)",
               RECOVER_MS, port);
        itest_sleep_ms(200);
    }
    fprintf(stderr, "# the sentinels promoted the replica %" PRId64 " ms after the kill\n",
            itest_now_ms() - t0);
    /* What Redis lost: the new master never had the entry. */
    ICHECK(queue_waiting(redis_ports[1]) == 0, "the new master has the queue entry after all");
    itest_step = "the server heard +switch-master";
    wait_move_logged(log_server, "gavel-server", redis_ports[1]);

    itest_step = "after the failover: recovered from PostgreSQL";
    ICHECK(kill(judge_pid, SIGCONT) == 0, "SIGCONT judge");
    t0 = itest_now_ms();
    wait_verdict(fd, lost, "queued on the master that died");
    fprintf(stderr,
            "# the lost submission's verdict was pushed %" PRId64 " ms after the judge "
            "resumed\n",
            itest_now_ms() - t0);

    itest_step = "after the failover: queue and pushes";
    t0 = itest_now_ms();
    after = submit(fd);
    took = itest_now_ms() - t0;
    wait_verdict(fd, after, "submitted after the failover");
    fprintf(stderr, "# a submit after the failover took %" PRId64 " ms\n", took);
    check_submissions(fd);

    switchover(fd);
    check_submissions(fd);
    itest_wait_health(http_port, 200, NULL, RECOVER_MS);
    processes_alive();
    close(fd);
}

/* --- Main ------------------------------------------------------------------------- */

static void setup(void)
{
    char path[1024];

    itest_step = "setup";
    snprintf(work, sizeof(work), "/tmp/gavel-ha-XXXXXX");
    ICHECK(mkdtemp(work), "mkdtemp: %s", strerror(errno));
    /* The postgres user must reach the data directories inside. */
    ICHECK(chmod(work, 0755) == 0, "chmod: %s", strerror(errno));
    snprintf(log_stores, sizeof(log_stores), "%s/stores.log", work);
    snprintf(log_server, sizeof(log_server), "%s/server.log", work);
    snprintf(log_judge, sizeof(log_judge), "%s/judge.log", work);
    snprintf(log_gavel, sizeof(log_gavel), "%s/gavel.log", work);
    http_port = itest_free_port();
    janitor_start();
    snprintf(path, sizeof(path), "%s/pair-sum/submissions/accepted/two_pointers.c", examples);
    accepted_source = read_file(path);
}

int main(int argc, char **argv)
{
    int64_t t0;

    if (argc != 7 || (strcmp(argv[1], "pg") && strcmp(argv[1], "redis"))) {
        fprintf(stderr, "usage: test_failover pg|redis GAVEL-SERVER GAVEL GAVEL-JUDGE EXAMPLES "
                        "HA-STORES\n");
        return 2;
    }
    mode = argv[1];
    server_path = argv[2];
    gavel_path = argv[3];
    judge_path = argv[4];
    examples = argv[5];
    stores_path = argv[6];
    if (geteuid() != 0) {
        fprintf(stderr, "skip: PostgreSQL runs as postgres and the judge's sandbox needs root\n");
        return ITEST_SKIP;
    }
    if (!find_pg_ctl() || !itest_find_redis_server()) {
        fprintf(stderr, "skip: no PostgreSQL server binaries or redis-server\n");
        return ITEST_SKIP;
    }
    /* Settings from the caller's environment would point the processes at
     * other stores. */
    unsetenv("GAVEL_REDIS_SENTINELS");
    unsetenv("GAVEL_REDIS_MASTER");
    unsetenv("GAVEL_CONFIG");
    unsetenv("GAVEL_QUEUE_PREFIX");
    unsetenv("GAVEL_LIVE_STREAM");
    srand((unsigned)getpid());
    itest_deadline(170);
    t0 = itest_now_ms();
    setup();
    if (!strcmp(mode, "pg")) {
        pg_setup();
        fprintf(stderr, "# setup: %" PRId64 " ms\n", itest_now_ms() - t0);
        pg_failover();
    } else {
        redis_setup();
        fprintf(stderr, "# setup: %" PRId64 " ms\n", itest_now_ms() - t0);
        redis_failover();
    }
    itest_step = "shutdown";
    /* Clean exits after all of the above: under the sanitizers they are
     * also the processes' leak checks. */
    stop_cleanly(judge_pid, "gavel-judge", log_judge);
    stop_cleanly(server_pid, "gavel-server", log_server);
    janitor_finish();
    printf("test_failover %s: all passed in %" PRId64 " ms\n", mode, itest_now_ms() - t0);
    return 0;
}
