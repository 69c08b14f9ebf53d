/* SPDX-License-Identifier: MIT
 * test_server.c - gavel-server end to end: static files, /healthz, the /ws
 * protocol, /metrics, port sharing, clean shutdown, and recovery when Redis comes up
 * late.
 *
 * Usage: test_server PATH-TO-gavel-server. Needs GAVEL_PG_URL and
 * GAVEL_REDIS_URL (scripts/test sets them); exits 77 (skipped) without them.
 * The WebSocket client (itest_ws.h) is a minimal RFC 6455 client over a
 * plain socket, so the server is checked against the wire format, not
 * against lws itself.
 * Every process the test starts dies with it: each child has
 * PR_SET_PDEATHSIG, and a failure (itest_fail) kills them before exiting. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cst_event.h"
#include "db.h"
#include "db_event.h"
#include "itest.h"
#include "itest_ws.h"
#include "banned.h"

/* Every reply is due within this; no pushes are expected in between. */
/* How long a reply may take: a hang detector, not a speed test. A loaded CI
 * host (two cores, tests in parallel, argon2 on each register) took over
 * 5 s once. */
#define IO_TIMEOUT_MS 20000

static const char *server_path;
static const char *gavel_path; /* the CLI: migrations and problem imports */

/* --- Replies ---------------------------------------------------------------- */

static void expect_pong(int fd, const char *id_json)
{
    cJSON_Delete(itest_ws_expect(fd, "pong", id_json, IO_TIMEOUT_MS, "ping"));
}

static void expect_error(int fd, const char *code, const char *id_json)
{
    itest_ws_expect_error(fd, code, id_json, IO_TIMEOUT_MS, "request");
}

/* Sends `req` and returns the reply (caller deletes), checking its type. */
static cJSON *rpc(int fd, const char *req, const char *want_type)
{
    itest_ws_send(fd, req);
    return itest_ws_expect(fd, want_type, NULL, IO_TIMEOUT_MS, req);
}

static void rpc_error(int fd, const char *req, const char *code)
{
    itest_ws_send(fd, req);
    itest_ws_expect_error(fd, code, NULL, IO_TIMEOUT_MS, req);
}

/* itest_ws_open does not check the chosen subprotocol; this test does. */
static int ws_open(int port)
{
    int status, fd = itest_ws_connect(port, "/ws", "gavel.v1", NULL, &status);

    ICHECK(fd >= 0, "upgrade refused with %d", status);
    return fd;
}

/* An upgrade of /ws with extra header lines; the HTTP status. */
static int ws_status_with(int port, const char *extra)
{
    int status, fd = itest_ws_connect(port, "/ws", "gavel.v1", extra, &status);

    if (fd >= 0)
        close(fd);
    return status;
}

/* --- Server helpers ------------------------------------------------------- */

static pid_t start_server(int port, const char *redis_url, const char *errlog)
{
    static char port_env[64], redis_env[256];
    char *argv[] = {(char *)server_path, NULL};
    const char *env[3] = {port_env, NULL, NULL};

    snprintf(port_env, sizeof(port_env), "GAVEL_HTTP_PORT=%d", port);
    if (redis_url) {
        snprintf(redis_env, sizeof(redis_env), "GAVEL_REDIS_URL=%s", redis_url);
        env[1] = redis_env;
    }
    return itest_spawn(argv, env, errlog);
}

static bool store_up(const cJSON *health, const char *store)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(health, store);

    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(s, "up"));
}

/* --- /metrics -------------------------------------------------------------- */

/* The families a scrape declared (# TYPE), for the format check. */
struct family {
    char name[128], type[16];
};

static bool name_char(char c, bool first)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
           (!first && c >= '0' && c <= '9');
}

/* Parses a sample value ("+Inf", "NaN", or a float) ending at `end`. */
static bool parse_value(const char *s, const char *end, double *out)
{
    char buf[64], *stop;
    size_t n = (size_t)(end - s);

    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (!strcmp(buf, "+Inf") || !strcmp(buf, "-Inf") || !strcmp(buf, "NaN")) {
        *out = buf[0] == '-' ? -1e308 : 1e308;
        return true;
    }
    *out = strtod(buf, &stop);
    return *stop == '\0';
}

/* Checks every line of a scrape against the text format 0.0.4: comments
 * are "# HELP name text" or "# TYPE name type", declared once and before
 * the family's samples; every other line is name{label="value",...} value,
 * with only \\, \" and \n escaped in values; counters end in _total and
 * every name starts with gavel_; a histogram's buckets grow and its +Inf
 * bucket equals its _count. */
static void metrics_check_format(const char *text)
{
    struct family fams[64];
    size_t nfams = 0;
    double last_bucket = -1, inf_bucket = -1;

    ICHECK(*text && text[strlen(text) - 1] == '\n', "the text does not end with a newline");
    for (const char *line = text, *eol; *line; line = eol + 1) {
        char name[128], le[32] = "";
        const char *p = line, *base_end;
        struct family *fam = NULL;
        size_t n = 0;
        double v;

        eol = strchr(line, '\n');
        ICHECK(eol > line, "an empty line in:\n%s", text);
        if (!strncmp(line, "# HELP ", 7) || !strncmp(line, "# TYPE ", 7)) {
            bool type = line[2] == 'T';

            for (p = line + 7; p < eol && *p != ' '; p++)
                n++;
            ICHECK(n && n < sizeof(name) && p < eol, "bad comment: %.*s", (int)(eol - line), line);
            memcpy(name, line + 7, n);
            name[n] = '\0';
            ICHECK(!strncmp(name, "gavel_", 6), "%s is not prefixed gavel_", name);
            if (type) {
                for (size_t i = 0; i < nfams; i++)
                    ICHECK(strcmp(fams[i].name, name), "%s declared twice", name);
                ICHECK(nfams < 64 && (size_t)(eol - p - 1) < sizeof(fams[0].type), "TYPE %s", name);
                snprintf(fams[nfams].name, sizeof(fams[nfams].name), "%s", name);
                snprintf(fams[nfams].type, sizeof(fams[nfams].type), "%.*s", (int)(eol - p - 1),
                         p + 1);
                ICHECK(!strcmp(fams[nfams].type, "counter") || !strcmp(fams[nfams].type, "gauge") ||
                           !strcmp(fams[nfams].type, "histogram"),
                       "%s has type %s", name, fams[nfams].type);
                ICHECK(strcmp(fams[nfams].type, "counter") ||
                           (n > 6 && !strcmp(name + n - 6, "_total")),
                       "counter %s does not end in _total", name);
                nfams++;
            }
            continue;
        }
        ICHECK(line[0] != '#', "unexpected comment: %.*s", (int)(eol - line), line);
        for (p = line; p < eol && name_char(*p, p == line); p++)
            n++;
        ICHECK(n && n < sizeof(name), "no metric name: %.*s", (int)(eol - line), line);
        memcpy(name, line, n);
        name[n] = '\0';
        if (*p == '{') {
            for (p++; *p != '}';) {
                const char *lname = p;
                size_t ln = 0;
                bool is_le;

                while (name_char(*p, p == lname) && *p != ':')
                    p++;
                ICHECK(p > lname && p[0] == '=' && p[1] == '"', "bad label in: %.*s",
                       (int)(eol - line), line);
                is_le = p - lname == 2 && !strncmp(lname, "le", 2);

                for (p += 2; *p != '"'; p++) {
                    ICHECK(p < eol, "unterminated label value: %.*s", (int)(eol - line), line);
                    if (*p == '\\') {
                        p++;
                        ICHECK(*p == '\\' || *p == '"' || *p == 'n', "bad escape in: %.*s",
                               (int)(eol - line), line);
                    }
                    if (is_le && ln < sizeof(le) - 1)
                        le[ln++] = *p;
                }
                if (is_le)
                    le[ln] = '\0';
                p++;
                ICHECK(*p == ',' || *p == '}', "bad label list: %.*s", (int)(eol - line), line);
                if (*p == ',')
                    p++;
            }
            p++;
        }
        ICHECK(*p == ' ' && parse_value(p + 1, eol, &v), "bad sample: %.*s", (int)(eol - line),
               line);
        /* Its family: the name itself, or a histogram's without the suffix. */
        for (size_t i = 0; i < nfams && !fam; i++) {
            size_t fl = strlen(fams[i].name);

            base_end = name + fl;
            if (!strncmp(name, fams[i].name, fl) &&
                (!*base_end || (!strcmp(fams[i].type, "histogram") &&
                                (!strcmp(base_end, "_bucket") || !strcmp(base_end, "_sum") ||
                                 !strcmp(base_end, "_count")))))
                fam = &fams[i];
        }
        ICHECK(fam, "sample %s before its # TYPE", name);
        if (strcmp(fam->type, "histogram"))
            continue;
        if (strstr(name, "_bucket")) {
            ICHECK(le[0], "bucket without le: %.*s", (int)(eol - line), line);
            ICHECK(v >= last_bucket, "buckets of %s are not cumulative", fam->name);
            last_bucket = v;
            if (!strcmp(le, "+Inf"))
                inf_bucket = v;
        } else if (strstr(name, "_count")) {
            ICHECK(inf_bucket == v, "%s: +Inf bucket %g, count %g", fam->name, inf_bucket, v);
            last_bucket = inf_bucket = -1;
        }
    }
}

/* GET /metrics: checked for status, type and format; the body (caller frees). */
static char *metrics_get(int port)
{
    struct itest_http r;
    char ctype[128];
    char *body;

    itest_http_get(&r, port, "/metrics");
    ICHECK(r.status == 200, "GET /metrics -> %d", r.status);
    ICHECK(itest_header(r.head, "content-type", ctype, sizeof(ctype)) &&
               !strncmp(ctype, "text/plain; version=0.0.4", 25),
           "content-type %s", ctype);
    metrics_check_format(r.body);
    body = r.body;
    r.body = NULL;
    itest_http_release(&r);
    return body;
}

/* The value of `series` (name and labels exactly as written) in a scrape,
 * 0 when absent (a labelled series appears once it moved). */
static double metric(const char *text, const char *series)
{
    size_t n = strlen(series);

    for (const char *line = text; line; line = strchr(line, '\n')) {
        if (*line == '\n')
            line++;
        if (!strncmp(line, series, n) && line[n] == ' ')
            return strtod(line + n + 1, NULL);
    }
    return 0;
}

/* How much `series` moved between two scrapes. */
static double moved(const char *before, const char *after, const char *series)
{
    return metric(after, series) - metric(before, series);
}

/* What test_ws did, as the counters saw it: every message in and every
 * reply out, requests by type and code, and no connection left open. */
static void test_metrics(int port, const char *before)
{
    int64_t deadline = itest_now_ms() + 10000;
    char *after = metrics_get(port);

    itest_step = "metrics";
    /* test_ws: 207 pings (206 on one connection, one on another), four
     * messages that are not requests (not JSON, an array, no type, a
     * binary frame), one unknown type and one too large. */
    ICHECK(moved(before, after, "gavel_websocket_messages_received_total") == 213, "in: %g",
           moved(before, after, "gavel_websocket_messages_received_total"));
    ICHECK(moved(before, after, "gavel_websocket_messages_sent_total") == 213, "out: %g",
           moved(before, after, "gavel_websocket_messages_sent_total"));
    ICHECK(moved(before, after, "gavel_requests_total{type=\"ping\",code=\"ok\"}") == 207,
           "pings: %g", moved(before, after, "gavel_requests_total{type=\"ping\",code=\"ok\"}"));
    ICHECK(moved(before, after, "gavel_requests_total{type=\"unknown\",code=\"bad_request\"}") == 4,
           "bad requests:\n%s", after);
    ICHECK(moved(before, after, "gavel_requests_total{type=\"unknown\",code=\"unknown_type\"}") ==
               1,
           "unknown types:\n%s", after);
    ICHECK(moved(before, after, "gavel_requests_total{type=\"unknown\",code=\"too_large\"}") == 1,
           "too large:\n%s", after);
    /* Two WebSockets, four refused upgrades, and this scrape. */
    ICHECK(moved(before, after, "gavel_connections_accepted_total") == 7, "accepted: %g",
           moved(before, after, "gavel_connections_accepted_total"));
    ICHECK(metric(after, "gavel_store_up{store=\"postgres\"}") == 1 &&
               metric(after, "gavel_store_up{store=\"redis\"}") == 1,
           "stores:\n%s", after);
    ICHECK(strstr(after, "\ngavel_job_queue_length "), "no job queue gauge");
    ICHECK(strstr(after, "\ngavel_push_lag_seconds_bucket{le=\"+Inf\"} "), "no push lag");
    /* test_ws closed its connections; the server sees it soon. */
    while (metric(after, "gavel_websocket_connections") != 0) {
        ICHECK(itest_now_ms() < deadline, "%g connections still open",
               metric(after, "gavel_websocket_connections"));
        itest_sleep_ms(50);
        free(after);
        after = metrics_get(port);
    }
    free(after);
}

/* --- Tests ---------------------------------------------------------------- */

static void test_http(int port)
{
    struct itest_http r;
    char ctype[128];
    cJSON *h;

    itest_step = "healthz";
    itest_http_get(&r, port, "/healthz");
    ICHECK(r.status == 200, "status %d body %s", r.status, r.body);
    ICHECK(itest_header(r.head, "content-type", ctype, sizeof(ctype)) &&
               !strcmp(ctype, "application/json"),
           "content-type");
    h = cJSON_Parse(r.body);
    ICHECK(h, "not JSON: %s", r.body);
    ICHECK(itest_str(h, "status") && !strcmp(itest_str(h, "status"), "ok"), "%s", r.body);
    ICHECK(store_up(h, "postgres") && store_up(h, "redis"), "%s", r.body);
    ICHECK(itest_str(h, "version"), "%s", r.body);
    cJSON_Delete(h);
    itest_http_release(&r);

    itest_step = "static files";
    itest_http_get(&r, port, "/");
    ICHECK(r.status == 200, "GET / -> %d", r.status);
    ICHECK(strstr(r.body, "<title>Gavel</title>"), "GET / is not index.html");
    ICHECK(itest_header(r.head, "content-type", ctype, sizeof(ctype)) &&
               !strncmp(ctype, "text/html", 9),
           "content-type %s", ctype);
    itest_http_release(&r);
    itest_http_get(&r, port, "/app.js");
    ICHECK(r.status == 200, "GET /app.js -> %d", r.status);
    ICHECK(itest_header(r.head, "content-type", ctype, sizeof(ctype)) &&
               !strcmp(ctype, "text/javascript"),
           "app.js content-type %s", ctype);
    itest_http_release(&r);
    itest_http_get(&r, port, "/style.css");
    ICHECK(r.status == 200 && itest_header(r.head, "content-type", ctype, sizeof(ctype)) &&
               !strcmp(ctype, "text/css"),
           "style.css");
    itest_http_release(&r);
    /* A missing file gets the web client's own 404 page with a real 404
     * status (not lws's page and its missing error.css, nor a redirect to
     * a page served 200); so does a path under a route that has none. */
    {
        static const char *const missing[] = {"/no-such-file.html", "/js/nope.js",
                                              "/healthz/extra"};

        for (size_t i = 0; i < sizeof(missing) / sizeof(missing[0]); i++) {
            itest_http_get(&r, port, missing[i]);
            ICHECK(r.status == 404 && r.body && strstr(r.body, "Page not found") &&
                       itest_header(r.head, "content-type", ctype, sizeof(ctype)) &&
                       !strncmp(ctype, "text/html", 9),
                   "%s -> %d (%s)", missing[i], r.status, r.body ? r.body : "no body");
            itest_http_release(&r);
        }
    }
    itest_http_get(&r, port, "/404.html");
    ICHECK(r.status == 200 && r.body && strstr(r.body, "Page not found"), "/404.html -> %d",
           r.status);
    itest_http_release(&r);
    itest_http_get(&r, port, "/error.css");
    ICHECK(r.status == 200, "/error.css -> %d", r.status);
    itest_http_release(&r);

    /* The security headers (lws's best-practice set) on files, the API,
     * ops routes and the 404 page alike: a CSP without inline script,
     * nosniff, no framing. */
    itest_step = "security headers";
    {
        static const char *const paths[] = {"/", "/app.js", "/api/problems", "/healthz",
                                            "/no-such-file.html"};
        char csp[512], v[64];

        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
            itest_http_get(&r, port, paths[i]);
            ICHECK(itest_header(r.head, "content-security-policy", csp, sizeof(csp)) &&
                       strstr(csp, "script-src 'self'") && !strstr(csp, "unsafe-inline") &&
                       !strstr(csp, "unsafe-eval") && strstr(csp, "frame-ancestors 'none'"),
                   "%s: CSP %s", paths[i], r.head);
            ICHECK(itest_header(r.head, "x-content-type-options", v, sizeof(v)) &&
                       !strcmp(v, "nosniff"),
                   "%s: nosniff", paths[i]);
            itest_http_release(&r);
        }
    }

    /* Nothing outside the web root, however the path is spelled, and not
     * the build's npm packages under it (node_modules/ is in the source
     * tree's web-client/ when scripts/install-deps ran). */
    itest_step = "static traversal";
    {
        static const char *const paths[] = {
            "/../CMakeLists.txt",         "/%2e%2e/CMakeLists.txt",
            "/..%2fCMakeLists.txt",       "/js/../../CMakeLists.txt",
            "/js/%2e%2e/%2e%2e/server/src/srv_http.c", "/%2fetc%2fpasswd",
            "//etc/passwd",               "/..%5cCMakeLists.txt",
            "/node_modules/katex/package.json", "/node_modules/.package-lock.json",
            "/js/../node_modules/katex/package.json", "//node_modules/katex/package.json",
            "/js/",                       "/vendor/"};

        for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
            itest_http_get(&r, port, paths[i]);
            ICHECK(r.status == 404 || r.status == 403 || r.status == 400,
                   "%s -> %d", paths[i], r.status);
            ICHECK(!strstr(r.body, "cmake_minimum_required") && !strstr(r.body, "root:") &&
                       !strstr(r.body, "\"version\"") && !strstr(r.body, "#include"),
                   "%s served a file: %.200s", paths[i], r.body);
            itest_http_release(&r);
        }
    }
}

static void test_ws(int port)
{
    char *big;
    int fd, status;

    itest_step = "ws ping";
    fd = itest_ws_connect(port, "/ws", "gavel.v1", NULL, &status);
    ICHECK(fd >= 0, "upgrade to /ws refused with %d", status);
    itest_ws_send(fd, "{\"type\":\"ping\",\"id\":42}");
    expect_pong(fd, "42");
    itest_ws_send(fd, "{\"type\":\"ping\",\"id\":\"req-\\u00e9\"}");
    expect_pong(fd, "\"req-\\u00e9\"");
    itest_ws_send(fd, "{\"type\":\"ping\"}");
    expect_pong(fd, "null");

    itest_step = "ws bad input";
    itest_ws_send(fd, "this is {not json");
    expect_error(fd, "bad_request", "null");
    itest_ws_send(fd, "[1,2,3]");
    expect_error(fd, "bad_request", "null");
    itest_ws_send(fd, "{\"id\":5}");
    expect_error(fd, "bad_request", "5");
    itest_ws_send(fd, "{\"type\":\"launch_missiles\",\"id\":\"x\"}");
    expect_error(fd, "unknown_type", "\"x\"");
    itest_ws_send_frame(fd, 0x2, true, "\x01\x02", 2);
    expect_error(fd, "bad_request", "null");
    itest_ws_send(fd, "{\"type\":\"ping\",\"id\":7}");
    expect_pong(fd, "7"); /* the connection survived all of the above */

    itest_step = "ws size limit";
    big = malloc(70000);
    ICHECK(big, "malloc");
    memset(big, ' ', 70000);
    memcpy(big, "{\"type\":\"ping\",\"id\":1,\"pad\":\"", 29);
    memcpy(big + 70000 - 2, "\"}", 2);
    itest_ws_send_frame(fd, 0x1, true, big, 70000);
    free(big);
    expect_error(fd, "too_large", "null");
    itest_ws_send(fd, "{\"type\":\"ping\",\"id\":8}");
    expect_pong(fd, "8");

    itest_step = "ws fragments";
    itest_ws_send_frame(fd, 0x1, false, "{\"type\":\"pi", 11);
    itest_ws_send_frame(fd, 0x0, true, "ng\",\"id\":9}", 11);
    expect_pong(fd, "9");

    itest_step = "ws pipelined";
    /* Many requests in one write: the server pauses reading while replies
     * queue up, and answers every one in order. */
    {
        char msg[64];

        for (int i = 0; i < 200; i++) {
            snprintf(msg, sizeof(msg), "{\"type\":\"ping\",\"id\":%d}", 1000 + i);
            itest_ws_send(fd, msg);
        }
        for (int i = 0; i < 200; i++) {
            snprintf(msg, sizeof(msg), "%d", 1000 + i);
            expect_pong(fd, msg);
        }
    }
    close(fd);

    itest_step = "ws refused upgrades";
    ICHECK(itest_ws_connect(port, "/other", "gavel.v1", NULL, &status) < 0,
           "upgrade on /other accepted");
    ICHECK(status != 101, "status %d", status);
    ICHECK(itest_ws_connect(port, "/ws", NULL, NULL, &status) < 0,
           "upgrade without subprotocol accepted");
    ICHECK(itest_ws_connect(port, "/ws", "chat", NULL, &status) < 0,
           "upgrade with subprotocol chat accepted");
    ICHECK(itest_ws_connect(port, "/ws", "gavel-listen", NULL, &status) < 0,
           "internal protocol accepted");
    /* The server is still fine after refusing. */
    fd = itest_ws_connect(port, "/ws", "chat, gavel.v1", NULL, &status);
    ICHECK(fd >= 0, "gavel.v1 as a second choice refused with %d", status);
    itest_ws_send(fd, "{\"type\":\"ping\",\"id\":1}");
    expect_pong(fd, "1");
    close(fd);
}

static void test_shared_port_and_shutdown(int port, pid_t first)
{
    pid_t second;
    int status;

    itest_step = "shared port";
    second = start_server(port, NULL, NULL);
    itest_sleep_ms(500);
    ICHECK(waitpid(second, &status, WNOHANG) == 0, "a second gavel-server could not share port %d",
           port);
    itest_wait_health(port, 200, NULL, 10000);

    itest_step = "clean shutdown";
    kill(second, SIGTERM);
    status = itest_wait_exit(second, 5000);
    ICHECK(status >= 0, "gavel-server ignored SIGTERM");
    ICHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGTERM: wait status %#x", status);
    kill(first, SIGINT);
    status = itest_wait_exit(first, 5000);
    ICHECK(status >= 0, "gavel-server ignored SIGINT");
    ICHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "SIGINT: wait status %#x", status);
}

/* Reads and removes the log file `path` into text (NUL-terminated). */
static void log_take(const char *path, char *text, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, text, size - 1) : -1;

    if (fd >= 0)
        close(fd);
    unlink(path);
    ICHECK(n > 0, "no error message");
    text[n] = '\0';
}

static void test_port_taken(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_ANY)};
    char log[] = "/tmp/gavel-test-server-XXXXXX", text[4096] = "", want[64];
    int lfd, port, status, fd;
    pid_t pid;

    itest_step = "port taken";
    fd = mkstemp(log);
    ICHECK(fd >= 0, "mkstemp");
    close(fd);
    /* A listener of another program, without SO_REUSEPORT. */
    lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    port = itest_free_port();
    a.sin_port = htons((uint16_t)port);
    ICHECK(bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0 && listen(lfd, 1) == 0, "listen");
    pid = start_server(port, NULL, log);
    status = itest_wait_exit(pid, 10000);
    close(lfd);
    ICHECK(status >= 0, "gavel-server did not exit when its port was taken");
    ICHECK(WIFEXITED(status) && WEXITSTATUS(status) != 0, "exit status %#x", status);
    log_take(log, text, sizeof(text));
    snprintf(want, sizeof(want), "port %d", port);
    ICHECK(strstr(text, want) && strstr(text, "GAVEL_HTTP_PORT"), "unclear message: %s", text);
}

/* A setting out of its range: no start (exit 2), and a message that names
 * the setting, the value and what it takes. */
static void test_bad_setting(const char *setting, const char *want)
{
    char log[] = "/tmp/gavel-test-server-XXXXXX", text[4096] = "", port_env[64];
    char *argv[] = {(char *)server_path, NULL};
    const char *env[] = {port_env, setting, NULL};
    int status, fd;
    pid_t pid;

    itest_step = "bad setting";
    fd = mkstemp(log);
    ICHECK(fd >= 0, "mkstemp");
    close(fd);
    snprintf(port_env, sizeof(port_env), "GAVEL_HTTP_PORT=%d", itest_free_port());
    pid = itest_spawn(argv, env, log);
    status = itest_wait_exit(pid, 10000);
    ICHECK(status >= 0, "gavel-server started with %s", setting);
    ICHECK(WIFEXITED(status) && WEXITSTATUS(status) == 2, "%s: exit status %#x", setting, status);
    log_take(log, text, sizeof(text));
    ICHECK(strstr(text, want), "%s: unclear message: %s", setting, text);
}

/* GET `path` on the keep-alive connection `fd`; returns the status and
 * reads the whole body (Content-Length) so the connection can be reused. */
static int http_on(int fd, const char *path)
{
    char req[256], buf[65536];
    size_t got = 0, need;
    const char *cl, *end;
    int status = 0;

    snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", path);
    ICHECK(send(fd, req, strlen(req), MSG_NOSIGNAL) == (ssize_t)strlen(req), "send");
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;

        ICHECK(poll(&pfd, 1, 5000) == 1, "no answer to GET %s", path);
        n = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
        ICHECK(n > 0, "GET %s: connection closed", path);
        got += (size_t)n;
        buf[got] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (!end)
            continue;
        sscanf(buf, "HTTP/1.1 %d", &status);
        cl = strcasestr(buf, "\r\ncontent-length:");
        ICHECK(cl && cl < end, "GET %s: no content-length: %.200s", path, buf);
        need = (size_t)(end + 4 - buf) + strtoul(cl + 17, NULL, 10);
        ICHECK(need < sizeof(buf), "GET %s: body too big for this helper", path);
        if (got >= need)
            return status;
    }
}

/* A connection flood against a server whose RLIMIT_NOFILE is low: the
 * descriptors it keeps back still serve the clients already connected (a
 * static file, a request), and the flood's extra connections get a 503
 * at once instead of waiting in the backlog with no answer. */
static void test_fd_reserve(void)
{
    enum { FLOOD = 200 };
    int port = itest_free_port(), flood[FLOOD], nflood = 0, ws, ka, fd, n;
    struct rlimit old, low;
    struct pollfd pfd;
    char buf[256] = "";
    pid_t server;

    itest_step = "fd reserve";
    ICHECK(getrlimit(RLIMIT_NOFILE, &old) == 0, "getrlimit");
    if (old.rlim_max != RLIM_INFINITY && old.rlim_max < 512) {
        fprintf(stderr, "skip [fd reserve]: RLIMIT_NOFILE hard limit %lu\n",
                (unsigned long)old.rlim_max);
        return;
    }
    low = old;
    low.rlim_cur = 128; /* the server inherits it; ours is restored at once */
    ICHECK(setrlimit(RLIMIT_NOFILE, &low) == 0, "setrlimit");
    server = start_server(port, NULL, NULL);
    ICHECK(setrlimit(RLIMIT_NOFILE, &old) == 0, "setrlimit");
    itest_wait_health(port, 200, NULL, 15000);

    /* This server's database may be unmigrated (test_api makes its own):
     * the WebSocket checks are pings, answered by the loop. */
    ws = itest_ws_open(port);
    itest_ws_send(ws, "{\"type\":\"ping\",\"id\":1}");
    expect_pong(ws, "1");
    ka = itest_tcp_connect(port);
    ICHECK(ka >= 0, "connect");
    ICHECK(http_on(ka, "/index.html") == 200, "static file before the flood");

    for (nflood = 0; nflood < FLOOD; nflood++) {
        flood[nflood] = itest_tcp_connect(port);
        if (flood[nflood] < 0)
            break;
    }
    itest_sleep_ms(500); /* the server takes them in */

    n = http_on(ka, "/index.html");
    ICHECK(n == 200, "static file on an open connection during the flood: %d", n);
    itest_ws_send(ws, "{\"type\":\"ping\",\"id\":2}");
    expect_pong(ws, "2");
    /* One more: refused at once, with a 503 if it arrives in time. */
    fd = itest_tcp_connect(port);
    ICHECK(fd >= 0, "connect");
    pfd = (struct pollfd){.fd = fd, .events = POLLIN};
    ICHECK(poll(&pfd, 1, 3000) == 1, "a connection over the limit got no answer in 3 s");
    n = (int)recv(fd, buf, sizeof(buf) - 1, 0);
    ICHECK(n <= 0 || !strncmp(buf, "HTTP/1.1 503", 12), "over the limit: %.100s", buf);
    close(fd);

    for (int i = 0; i < nflood; i++)
        close(flood[i]);
    itest_wait_health(port, 200, NULL, 5000); /* and new clients are served again */
    close(ka);
    close(ws);
    itest_stop(server);
}

static void test_redis_late(void)
{
    const char *redis = itest_find_redis_server();
    char url[64], rport[16];
    int port = itest_free_port(), redis_port = itest_free_port();
    struct itest_http r;
    pid_t server, rs;
    cJSON *h;

    itest_step = "redis late";
    if (!redis) {
        fprintf(stderr, "skip [redis late]: no redis-server\n");
        return;
    }
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d/0", redis_port);
    server = start_server(port, url, NULL);
    /* Down, with a reason, while PostgreSQL is up. */
    itest_wait_health(port, 503, "\"postgres\":{\"up\":true", 15000);
    itest_http_get(&r, port, "/healthz");
    h = cJSON_Parse(r.body);
    ICHECK(r.status == 503 && h, "%d %s", r.status, r.body);
    ICHECK(itest_str(h, "status") && !strcmp(itest_str(h, "status"), "degraded"), "%s", r.body);
    ICHECK(!store_up(h, "redis"), "%s", r.body);
    ICHECK(itest_str(cJSON_GetObjectItemCaseSensitive(h, "redis"), "error"), "no error: %s",
           r.body);
    cJSON_Delete(h);
    itest_http_release(&r);

    /* Redis comes up: the backoff tops out at 5 s, so 10 s is plenty. */
    snprintf(rport, sizeof(rport), "%d", redis_port);
    {
        char *argv[] = {(char *)redis, "--port", rport,          "--bind", "127.0.0.1",
                        "--save",      "",       "--appendonly", "no",     NULL};

        rs = itest_spawn(argv, NULL, "/dev/null");
    }
    itest_wait_health(port, 200, NULL, 10000);

    /* And goes away again: the next ping notices. */
    itest_stop(rs);
    itest_wait_health(port, 503, "\"redis\":{\"up\":false", 5000);
    itest_stop(server);
}

/* --- The protocol against a fresh database ------------------------------- */

static char api_pg_env[600], api_queue_env[96], api_rate_env[96], api_live_env[96];

static int run_cli(const char *const args[])
{
    char *argv[12];
    const char *env[] = {api_pg_env, NULL};
    pid_t pid;
    int n = 0, status;

    argv[n++] = (char *)gavel_path;
    for (int i = 0; args[i] && n < 11; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    pid = itest_spawn(argv, env, "/dev/null");
    status = itest_wait_exit(pid, 60000);
    return status;
}

static pid_t start_api_server(int port)
{
    static char port_env[64];
    char *argv[] = {(char *)server_path, NULL};
    /* A low login limit for "api login throttle"; alice's logins here stay
     * under it (a success starts her count again). */
    const char *env[] = {port_env,     api_pg_env,           api_queue_env, api_rate_env,
                         api_live_env, "GAVEL_LOGIN_RATE=4", NULL};

    snprintf(port_env, sizeof(port_env), "GAVEL_HTTP_PORT=%d", port);
    return itest_spawn(argv, env, NULL);
}

/* A problems.list whose page holds `slug` alone. */
static void expect_one_problem(int fd, const char *req, const char *slug, const char *what)
{
    cJSON *j = rpc(fd, req, "ok");
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(itest_data(j), "problems");

    ICHECK(cJSON_GetArraySize(arr) == 1 &&
               !strcmp(itest_str(cJSON_GetArrayItem(arr, 0), "slug"), slug),
           "%s", what);
    cJSON_Delete(j);
}

static void psql(const char *sql)
{
    struct db_pg *pg;
    char why[256];

    ICHECK(db_pg_open(&pg, api_pg_env + strlen("GAVEL_PG_URL="), 5, why, sizeof(why)) == 0, "%s",
           why);
    ICHECK(db_pg_exec_script(pg, sql) == 0, "%s: %s", sql, db_pg_last_error(pg));
    db_pg_close(pg);
}

static char *psql_value(const char *sql)
{
    struct db_pg *pg;
    char why[256], *v = NULL;

    ICHECK(db_pg_open(&pg, api_pg_env + strlen("GAVEL_PG_URL="), 5, why, sizeof(why)) == 0, "%s",
           why);
    ICHECK(db_pg_query_value(&v, pg, sql, 0, NULL) == 0, "%s", sql);
    db_pg_close(pg);
    return v;
}

static void test_api(const char *examples)
{
    char url[512], path[1024], req[1024], token[80], other_token[80], id_json[32];
    struct itest_http r;
    int port = itest_free_port(), fd, fd2;
    pid_t server;
    cJSON *j;
    const cJSON *d;
    double sub_id;

    itest_step = "api setup";
    itest_db_create(url, sizeof(url), "server_api");
    snprintf(api_pg_env, sizeof(api_pg_env), "GAVEL_PG_URL=%s", url);
    snprintf(api_queue_env, sizeof(api_queue_env), "GAVEL_QUEUE_PREFIX=itest:%d:queue",
             (int)getpid());
    snprintf(api_rate_env, sizeof(api_rate_env), "GAVEL_RATE_PREFIX=itest:%d:rl", (int)getpid());
    /* A live stream of its own: the test publishes an event on it (api
     * push), which no other test's server must see. db_event_publish reads
     * the same setting here. */
    snprintf(api_live_env, sizeof(api_live_env), "GAVEL_LIVE_STREAM=itest:%d:live", (int)getpid());
    setenv("GAVEL_LIVE_STREAM", api_live_env + strlen("GAVEL_LIVE_STREAM="), 1);
    ICHECK(run_cli((const char *[]){"db", "migrate", NULL}) == 0, "gavel db migrate failed");
    snprintf(path, sizeof(path), "%s/pair-sum", examples);
    ICHECK(run_cli((const char *[]){"problem", "import", "--public", "--difficulty", "1200", path,
                                    NULL}) == 0,
           "import pair-sum");
    snprintf(path, sizeof(path), "%s/circle-area", examples);
    ICHECK(run_cli((const char *[]){"problem", "import", "--public", "--difficulty", "800", path,
                                    NULL}) == 0,
           "import circle-area");
    snprintf(path, sizeof(path), "%s/distinct-count", examples);
    ICHECK(run_cli((const char *[]){"problem", "import", "--public", path, NULL}) == 0,
           "import distinct-count");
    /* distinct-count belongs to a contest that starts tomorrow: hidden. */
    psql("INSERT INTO contests (slug, title, starts_at, ends_at) VALUES ('future', 'Future', "
         "now() + interval '1 day', now() + interval '2 days');"
         "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal) SELECT c.id, p.id, "
         "'A', 1 FROM contests c, problems p WHERE c.slug = 'future' AND p.slug = "
         "'distinct-count'");
    server = start_api_server(port);
    itest_wait_health(port, 200, NULL, 15000);
    fd = ws_open(port);

    itest_step = "api register/login";
    j = rpc(fd,
            "{\"type\":\"register\",\"id\":1,\"username\":\"alice\",\"password\":\"secret-pw\"}",
            "ok");
    ICHECK(itest_str(itest_data(j), "token") && strlen(itest_str(itest_data(j), "token")) == 64,
           "token");
    cJSON_Delete(j);
    rpc_error(fd, "{\"type\":\"register\",\"username\":\"ALICE\",\"password\":\"secret-pw\"}",
              "conflict");
    rpc_error(fd, "{\"type\":\"register\",\"username\":\"a b\",\"password\":\"secret-pw\"}",
              "invalid");
    rpc_error(fd, "{\"type\":\"register\",\"username\":\"bob\",\"password\":\"short\"}", "invalid");
    rpc_error(fd, "{\"type\":\"login\",\"username\":\"alice\",\"password\":\"wrong-pw\"}",
              "unauthenticated");
    rpc_error(fd, "{\"type\":\"login\",\"username\":\"nobody\",\"password\":\"wrong-pw\"}",
              "unauthenticated");
    j = rpc(fd, "{\"type\":\"login\",\"username\":\"alice\",\"password\":\"secret-pw\"}", "ok");
    snprintf(token, sizeof(token), "%s", itest_str(itest_data(j), "token"));
    cJSON_Delete(j);
    close(fd);

    itest_step = "api hello";
    fd = ws_open(port);
    rpc_error(fd,
              "{\"type\":\"submit\",\"problem\":\"pair-sum\",\"language\":\"c\",\"source\":\"x\"}",
              "unauthenticated");
    j = rpc(fd, "{\"type\":\"hello\",\"token\":\"0000\"}", "ok");
    ICHECK(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(itest_data(j), "user")), "bad token user");
    cJSON_Delete(j);
    snprintf(req, sizeof(req), "{\"type\":\"hello\",\"id\":\"h\",\"token\":\"%s\"}", token);
    j = rpc(fd, req, "ok");
    ICHECK(
        itest_str(cJSON_GetObjectItemCaseSensitive(itest_data(j), "user"), "username") &&
            !strcmp(itest_str(cJSON_GetObjectItemCaseSensitive(itest_data(j), "user"), "username"),
                    "alice"),
        "hello user");
    cJSON_Delete(j);

    itest_step = "api problems.list";
    j = rpc(fd, "{\"type\":\"problems.list\"}", "ok");
    ICHECK(itest_num(itest_data(j), "total") == 2, "total (the contest problem is hidden)");
    cJSON_Delete(j);
    expect_one_problem(fd,
                       "{\"type\":\"problems.list\",\"sort\":\"difficulty\",\"order\":"
                       "\"desc\",\"page_size\":1}",
                       "pair-sum", "sort desc");
    expect_one_problem(
        fd, "{\"type\":\"problems.list\",\"sort\":\"difficulty\",\"page\":2,\"page_size\":1}",
        "pair-sum", "page 2");
    j = rpc(fd, "{\"type\":\"problems.list\",\"difficulty_max\":1000}", "ok");
    ICHECK(itest_num(itest_data(j), "total") == 1, "difficulty filter");
    cJSON_Delete(j);
    rpc_error(fd, "{\"type\":\"problems.list\",\"page_size\":1000}", "invalid");
    rpc_error(fd, "{\"type\":\"problems.list\",\"sort\":7}", "invalid");

    itest_step = "api problem.get";
    j = rpc(fd, "{\"type\":\"problem.get\",\"slug\":\"pair-sum\"}", "ok");
    d = itest_data(j);
    ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(d, "samples")) >= 1, "samples");
    ICHECK(
        itest_str(cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(d, "samples"), 0), "input"),
        "sample input");
    ICHECK(itest_num(d, "time_limit_ms") > 0 && itest_str(d, "statement_md"), "limits/statement");
    cJSON_Delete(j);
    rpc_error(fd, "{\"type\":\"problem.get\",\"slug\":\"distinct-count\"}", "not_found");
    rpc_error(fd, "{\"type\":\"problem.get\"}", "invalid");

    itest_step = "api like";
    j = rpc(fd, "{\"type\":\"problem.like\",\"slug\":\"pair-sum\",\"like\":true}", "ok");
    ICHECK(itest_num(itest_data(j), "likes") == 1, "like");
    cJSON_Delete(j);
    j = rpc(fd, "{\"type\":\"problem.like\",\"slug\":\"pair-sum\",\"like\":true}", "ok");
    ICHECK(itest_num(itest_data(j), "likes") == 1, "like twice");
    cJSON_Delete(j);
    j = rpc(fd, "{\"type\":\"problem.get\",\"slug\":\"pair-sum\"}", "ok");
    ICHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(itest_data(j), "liked")), "liked");
    cJSON_Delete(j);
    j = rpc(fd, "{\"type\":\"problem.like\",\"slug\":\"pair-sum\",\"like\":false}", "ok");
    ICHECK(itest_num(itest_data(j), "likes") == 0, "unlike");
    cJSON_Delete(j);
    rpc_error(fd, "{\"type\":\"problem.like\",\"slug\":\"pair-sum\",\"like\":\"yes\"}", "invalid");

    itest_step = "api submit";
    j = rpc(fd,
            "{\"type\":\"submit\",\"id\":9,\"problem\":\"pair-sum\",\"language\":\"c\","
            "\"source\":\"int main(void){return 0;}\"}",
            "ok");
    sub_id = itest_num(itest_data(j), "submission_id");
    ICHECK(itest_str(itest_data(j), "status") &&
               !strcmp(itest_str(itest_data(j), "status"), "queued"),
           "status");
    cJSON_Delete(j);
    {
        char sql[128], *v;

        snprintf(sql, sizeof(sql), "SELECT status FROM submissions WHERE id = %.0f", sub_id);
        v = psql_value(sql);
        ICHECK(v && !strcmp(v, "queued"), "row status %s", v ? v : "(none)");
        free(v);
    }
    rpc_error(fd,
              "{\"type\":\"submit\",\"problem\":\"pair-sum\",\"language\":\"cobol\","
              "\"source\":\"x\"}",
              "invalid");
    rpc_error(fd,
              "{\"type\":\"submit\",\"problem\":\"pair-sum\",\"language\":\"c\",\"source\":\"\"}",
              "invalid");
    rpc_error(fd,
              "{\"type\":\"submit\",\"problem\":\"distinct-count\",\"language\":\"c\","
              "\"source\":\"x\"}",
              "not_found");
    {
        /* A source over the cap inside a message under the cap is not
         * possible; over the message cap it is too_large. */
        static const char head[] =
            "{\"type\":\"submit\",\"problem\":\"pair-sum\",\"language\":\"c\",\"source\":\"";
        size_t n = 70000, h = sizeof(head) - 1;
        char *big = malloc(n + h + 8);

        ICHECK(big, "malloc");
        memcpy(big, head, h);
        memset(big + h, 'x', n);
        memcpy(big + h + n, "\"}", 3);
        itest_ws_send(fd, big);
        free(big);
        expect_error(fd, "too_large", "null");
    }
    j = rpc(fd, "{\"type\":\"submissions.mine\"}", "ok");
    ICHECK(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(itest_data(j), "submissions")) == 1,
           "mine");
    cJSON_Delete(j);
    /* The client's own request id; the submission in "submission". */
    snprintf(req, sizeof(req), "{\"type\":\"submission.get\",\"id\":\"get\",\"submission\":%.0f}",
             sub_id);
    itest_ws_send(fd, req);
    j = itest_ws_expect(fd, "ok", "\"get\"", IO_TIMEOUT_MS, req);
    ICHECK(itest_str(itest_data(j), "source") &&
               !strcmp(itest_str(itest_data(j), "source"), "int main(void){return 0;}"),
           "source");
    ICHECK(itest_num(itest_data(j), "id") == sub_id, "the submission asked for");
    cJSON_Delete(j);
    /* The deprecated form still works in 0.1.x: "id" is the submission and
     * the echoed id at once. */
    snprintf(req, sizeof(req), "{\"type\":\"submission.get\",\"id\":%.0f}", sub_id);
    itest_ws_send(fd, req);
    snprintf(id_json, sizeof(id_json), "%.0f", sub_id);
    j = itest_ws_expect(fd, "ok", id_json, IO_TIMEOUT_MS, req);
    ICHECK(itest_num(itest_data(j), "id") == sub_id, "the old form's submission");
    cJSON_Delete(j);
    {
        /* A judging as gavel-judge records it (no judge runs here): the rows
         * come back in test order with the compiler's output, each saying
         * whether it is a sample; no test's data rides along. */
        char sql[1024];
        const cJSON *tests, *t0, *tl;

        snprintf(
            sql, sizeof(sql),
            "UPDATE submissions SET compile_output = 'warning: unused' WHERE id = %.0f;"
            "WITH jg AS (INSERT INTO judgings (submission_id, judge_host) VALUES (%.0f, "
            "'itest') RETURNING id) INSERT INTO judging_tests (judging_id, test_case_id, "
            "verdict, cpu_ms, wall_ms, memory_kb) SELECT jg.id, tc.id, 'AC', tc.ordinal, "
            "tc.ordinal + 1, 1000 + tc.ordinal FROM jg, test_cases tc JOIN problem_versions pv "
            "ON pv.id = tc.problem_version_id JOIN problems p ON p.id = pv.problem_id AND "
            "pv.version = p.current_version WHERE p.slug = 'pair-sum' AND (tc.ordinal = 1 "
            "OR NOT tc.is_sample)",
            sub_id, sub_id);
        psql(sql);
        snprintf(req, sizeof(req),
                 "{\"type\":\"submission.get\",\"id\":\"rows\",\"submission\":%.0f}", sub_id);
        itest_ws_send(fd, req);
        j = itest_ws_expect(fd, "ok", "\"rows\"", IO_TIMEOUT_MS, req);
        ICHECK(itest_str(itest_data(j), "compile_output") &&
                   !strcmp(itest_str(itest_data(j), "compile_output"), "warning: unused"),
               "compile_output");
        tests = cJSON_GetObjectItemCaseSensitive(itest_data(j), "tests");
        ICHECK(cJSON_GetArraySize(tests) >= 2, "per-test rows: %d", cJSON_GetArraySize(tests));
        t0 = cJSON_GetArrayItem(tests, 0);
        tl = cJSON_GetArrayItem(tests, cJSON_GetArraySize(tests) - 1);
        ICHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t0, "sample")) &&
                   itest_num(t0, "test") == 1 && itest_num(t0, "cpu_ms") == 1 &&
                   itest_num(t0, "memory_kb") == 1001 && itest_str(t0, "verdict"),
               "the first row is sample test 1 with its time and memory");
        ICHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(tl, "sample")) &&
                   itest_num(tl, "test") > 1,
               "the last row is a secret test");
        for (int i = 0; i < cJSON_GetArraySize(tests); i++)
            ICHECK(!cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(tests, i), "input") &&
                       !cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(tests, i), "answer"),
                   "no test data in the rows");
        cJSON_Delete(j);
    }

    itest_step = "api rate limit";
    for (int i = 1; i < 6; i++)
        cJSON_Delete(rpc(fd,
                         "{\"type\":\"submit\",\"problem\":\"circle-area\",\"language\":"
                         "\"python\",\"source\":\"print(1)\"}",
                         "ok"));
    j = rpc(fd,
            "{\"type\":\"submit\",\"id\":\"rl\",\"problem\":\"circle-area\",\"language\":"
            "\"python\",\"source\":\"print(1)\"}",
            "error");
    ICHECK(itest_str(j, "code") && !strcmp(itest_str(j, "code"), "rate_limited"), "rate_limited");
    ICHECK(itest_num(j, "retry_after_ms") > 0 && itest_num(j, "retry_after_ms") <= 60000,
           "retry_after_ms");
    cJSON_Delete(j);

    itest_step = "api another user";
    fd2 = ws_open(port);
    j = rpc(fd2, "{\"type\":\"register\",\"username\":\"mallory\",\"password\":\"secret-pw\"}",
            "ok");
    snprintf(other_token, sizeof(other_token), "%s", itest_str(itest_data(j), "token"));
    cJSON_Delete(j);
    snprintf(req, sizeof(req), "{\"type\":\"submission.get\",\"submission\":%.0f}", sub_id);
    rpc_error(fd2, req, "forbidden");
    snprintf(req, sizeof(req),
             "{\"type\":\"subscribe\",\"topic\":\"submission\",\"submission\":%.0f}", sub_id);
    rpc_error(fd2, req, "forbidden");
    j = rpc(fd, req, "ok");
    ICHECK(cJSON_GetObjectItemCaseSensitive(itest_data(j), "snapshot"), "snapshot");
    cJSON_Delete(j);
    {
        /* A logout publishes session.ended (for every server's caches):
         * read from the live stream before the next step counts its own
         * event, or that count would be two (CI saw it). */
        char *m0 = metrics_get(port), *m;
        int64_t deadline = itest_now_ms() + IO_TIMEOUT_MS;
        bool read = false;

        cJSON_Delete(rpc(fd2, "{\"type\":\"logout\"}", "ok"));
        while (!read && itest_now_ms() < deadline) {
            m = metrics_get(port);
            read = moved(m0, m, "gavel_live_events_received_total") >= 1;
            free(m);
            if (!read)
                itest_sleep_ms(20);
        }
        ICHECK(read, "the logout's session.ended never came back on the live stream");
        free(m0);
    }
    rpc_error(fd2, "{\"type\":\"submissions.mine\"}", "unauthenticated");
    close(fd2);

    itest_step = "api push metrics";
    {
        /* What gavel-judge publishes when it starts running the tests: the
         * subscriber gets it, and the live, push and lag counters move by
         * exactly one. */
        char *before = metrics_get(port), *after, why[256], sql[128], *uid;
        const char *del[] = {"DEL", api_live_env + strlen("GAVEL_LIVE_STREAM=")};
        struct db_redis *rd;
        struct cst_event ev;
        char id[64];

        snprintf(sql, sizeof(sql), "SELECT user_id FROM submissions WHERE id = %.0f", sub_id);
        uid = psql_value(sql);
        ICHECK(db_redis_open(&rd, getenv("GAVEL_REDIS_URL"), 2000, why, sizeof(why)) == 0,
               "redis: %s", why);
        cst_event_init(&ev, CST_EVENT_JUDGING_STATE);
        ev.submission_id = (int64_t)sub_id;
        ev.user_id = strtoll(uid, NULL, 10);
        ev.u.state.state = CST_JUDGING_RUNNING;
        ICHECK(db_event_publish(id, rd, &ev) == 0, "publish: %s", db_redis_last_error(rd));
        cJSON_Delete(itest_ws_expect(fd, "event", NULL, IO_TIMEOUT_MS, "the judging.state push"));
        after = metrics_get(port);
        ICHECK(moved(before, after, "gavel_live_events_received_total") == 1, "live events:\n%s",
               after);
        ICHECK(moved(before, after, "gavel_pushes_sent_total") == 1, "pushes:\n%s", after);
        ICHECK(moved(before, after, "gavel_push_lag_seconds_count") == 1 &&
                   moved(before, after, "gavel_push_lag_seconds_bucket{le=\"+Inf\"}") == 1,
               "push lag:\n%s", after);
        /* Published and pushed within this step: not a minute late. */
        ICHECK(moved(before, after, "gavel_push_lag_seconds_sum") < 60, "push lag:\n%s", after);
        db_redis_command(rd, 2, del);
        db_redis_close(rd);
        cst_event_release(&ev);
        free(uid);
        free(before);
        free(after);
    }

    itest_step = "api hostile input";
    rpc_error(fd, "{\"type\":\"submit\",\"problem\":5,\"language\":\"c\",\"source\":\"x\"}",
              "invalid");
    rpc_error(fd, "{\"type\":\"submission.get\",\"submission\":\"7\"}", "invalid");
    rpc_error(fd, "{\"type\":\"submission.get\",\"submission\":1.5}", "invalid");
    rpc_error(fd, "{\"type\":\"submission.get\",\"id\":\"7\"}", "invalid");
    rpc_error(fd, "{\"type\":\"login\"}", "invalid");
    rpc_error(fd, "{\"type\":\"problems.list\"", "bad_request");
    itest_ws_send(fd, "{\"type\":\"ping\",\"id\":3}");
    expect_pong(fd, "3");
    close(fd);

    itest_step = "api origin";
    ICHECK(ws_status_with(port, "Origin: http://evil.example\r\n") != 101, "foreign origin");
    {
        char hdr[128];

        snprintf(hdr, sizeof(hdr), "Origin: http://127.0.0.1:%d\r\n", port);
        ICHECK(ws_status_with(port, hdr) == 101, "own origin refused");
    }

    itest_step = "api cookie";
    {
        char hdr[160];

        snprintf(hdr, sizeof(hdr), "Cookie: gavel_session=%s\r\n", token);
        ICHECK(ws_status_with(port, hdr) == 101, "cookie upgrade");
    }

    itest_step = "api http";
    itest_http_get(&r, port, "/api/problems?sort=difficulty&order=desc");
    ICHECK(r.status == 200 && strstr(r.body, "pair-sum"), "%d %s", r.status, r.body);
    j = cJSON_Parse(r.body);
    ICHECK(j && itest_num(j, "total") == 2, "%s", r.body);
    cJSON_Delete(j);
    itest_http_release(&r);
    itest_http_get(&r, port, "/api/problems/pair-sum");
    ICHECK(r.status == 200 && strstr(r.body, "samples"), "%d %s", r.status, r.body);
    itest_http_release(&r);
    itest_http_get(&r, port, "/api/problems/distinct-count");
    ICHECK(r.status == 404, "hidden over HTTP: %d", r.status);
    itest_http_release(&r);
    /* A request the codec refuses: its status by code, its message as the
     * codec wrote it (quotes and all), in valid JSON. */
    itest_http_get(&r, port, "/api/problems?page_size=1000");
    j = cJSON_Parse(r.body);
    ICHECK(r.status == 400 && j && itest_str(j, "code") &&
               !strcmp(itest_str(j, "code"), "invalid") && itest_str(j, "message") &&
               strstr(itest_str(j, "message"), "\"page_size\" must be"),
           "%d %s", r.status, r.body);
    cJSON_Delete(j);
    itest_http_release(&r);
    {
        /* Under the body limit, but over the message limit once the codec
         * sees it (the API hands it a re-printed body): each 1e9 comes out
         * as 1000000000. */
        static const char login[] = "{\"username\":\"alice\",\"password\":\"secret-pw\",\"pad\":[";
        size_t n = 10000, h = sizeof(login) - 1;
        char *big = malloc(h + 4 * n + 3);

        ICHECK(big, "malloc");
        memcpy(big, login, h);
        for (size_t i = 0; i < n; i++)
            memcpy(big + h + 4 * i, "1e9,", 4);
        memcpy(big + h + 4 * n - 1, "]}", 3);
        itest_http_post(&r, port, "/api/login", big);
        free(big);
        j = cJSON_Parse(r.body);
        ICHECK(r.status == 413 && j && itest_str(j, "code") &&
                   !strcmp(itest_str(j, "code"), "too_large"),
               "%d %s", r.status, r.body);
        cJSON_Delete(j);
        itest_http_release(&r);
    }
    itest_http_post(&r, port, "/api/login", "{\"username\":\"alice\",\"password\":\"nope-nope\"}");
    ICHECK(r.status == 401, "bad login over HTTP: %d %s", r.status, r.body);
    itest_http_release(&r);
    itest_http_post(&r, port, "/api/login", "{\"username\":\"alice\",\"password\":\"secret-pw\"}");
    {
        char cookie[256];

        ICHECK(r.status == 200, "login over HTTP: %d %s", r.status, r.body);
        ICHECK(itest_header(r.head, "set-cookie", cookie, sizeof(cookie)) &&
                   !strncmp(cookie, "gavel_session=", 14) && strstr(cookie, "HttpOnly") &&
                   strstr(cookie, "SameSite=Strict"),
               "cookie: %s", r.head);
        ICHECK(!strstr(cookie, "Secure"), "Secure cookie without https: %s", cookie);
    }
    itest_http_release(&r);

    /* Login CSRF: another site's page (a form posting text/plain that
     * looks like JSON, or fetch no-cors) must not log the visitor in as
     * someone else; the cookie would be set by its top-level navigation.
     * The POST routes check Origin as the upgrade does. */
    itest_step = "api http origin";
    {
        static const char creds[] = "{\"username\":\"alice\",\"password\":\"secret-pw\"}";
        static const char *const routes[] = {"/api/login", "/api/register", "/api/logout"};
        char hdr[128], cookie[256];

        for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
            itest_http_post_with(&r, port, routes[i], creds, "Origin: http://evil.example\r\n");
            ICHECK(r.status == 403 && !itest_header(r.head, "set-cookie", cookie, sizeof(cookie)),
                   "cross-site POST %s: %d %s", routes[i], r.status, r.head);
            itest_http_release(&r);
        }
        itest_http_post_with(&r, port, "/api/login", creds, "Origin: null\r\n");
        ICHECK(r.status == 403, "POST from Origin null: %d", r.status);
        itest_http_release(&r);
        snprintf(hdr, sizeof(hdr), "Origin: http://127.0.0.1:%d\r\n", port);
        itest_http_post_with(&r, port, "/api/login", creds, hdr);
        ICHECK(r.status == 200 && itest_header(r.head, "set-cookie", cookie, sizeof(cookie)) &&
                   !strstr(cookie, "Secure"),
               "own origin: %d %s", r.status, r.head);
        itest_http_release(&r);
        /* A page served over https (TLS ends at the proxy): the cookie is
         * Secure, so a plain-http request never carries it. */
        snprintf(hdr, sizeof(hdr), "Origin: https://127.0.0.1:%d\r\n", port);
        itest_http_post_with(&r, port, "/api/login", creds, hdr);
        ICHECK(r.status == 200 && itest_header(r.head, "set-cookie", cookie, sizeof(cookie)) &&
                   strstr(cookie, "; Secure"),
               "https origin: %d %s", r.status, r.head);
        itest_http_release(&r);
    }

    /* Online guessing: a name gets GAVEL_LOGIN_RATE attempts a window,
     * then rate_limited before any password is checked, the right one
     * too, in any case, over HTTP basic auth (CLICS) as well. */
    itest_step = "api login throttle";
    {
        static const char wrong[] = "{\"username\":\"target\",\"password\":\"guess-guess\"}";

        itest_http_post(&r, port, "/api/register",
                        "{\"username\":\"target\",\"password\":\"target-pw\"}");
        ICHECK(r.status == 200, "register target: %d %s", r.status, r.body);
        itest_http_release(&r);
        for (int i = 0; i < 4; i++) {
            itest_http_post(&r, port, "/api/login", wrong);
            ICHECK(r.status == 401, "guess %d: %d %s", i + 1, r.status, r.body);
            itest_http_release(&r);
        }
        itest_http_post(&r, port, "/api/login", wrong);
        j = cJSON_Parse(r.body);
        ICHECK(r.status == 429 && j && itest_str(j, "code") &&
                   !strcmp(itest_str(j, "code"), "rate_limited") &&
                   itest_num(j, "retry_after_ms") > 0,
               "fifth guess: %d %s", r.status, r.body);
        cJSON_Delete(j);
        itest_http_release(&r);
        itest_http_post(&r, port, "/api/login",
                        "{\"username\":\"TARGET\",\"password\":\"target-pw\"}");
        ICHECK(r.status == 429, "locked name, right password: %d %s", r.status, r.body);
        itest_http_release(&r);
        /* target:guess-guess */
        itest_http_get_with(&r, port, "/api/clics/contests",
                            "Authorization: Basic dGFyZ2V0Omd1ZXNzLWd1ZXNz\r\n");
        ICHECK(r.status == 429, "basic auth on a locked name: %d %s", r.status, r.body);
        itest_http_release(&r);
    }

    itest_stop(server);
    itest_db_drop();
}

int main(int argc, char **argv)
{
    char *before;
    pid_t server;
    int port;

    if (argc != 2 && argc != 4) {
        fprintf(stderr, "usage: test_server PATH-TO-gavel-server [PATH-TO-gavel EXAMPLES-DIR]\n");
        return 2;
    }
    server_path = argv[1];
    gavel_path = argc == 4 ? argv[2] : NULL;
    if (!getenv("GAVEL_PG_URL") || !getenv("GAVEL_REDIS_URL")) {
        fprintf(stderr, "skip: GAVEL_PG_URL and GAVEL_REDIS_URL are not set\n");
        return 77;
    }
    srand((unsigned)getpid());
    itest_deadline(120); /* never a hang, whatever the server does */

    port = itest_free_port();
    server = start_server(port, NULL, NULL);
    itest_step = "startup";
    itest_wait_health(port, 200, NULL, 15000);
    test_http(port);
    before = metrics_get(port);
    test_ws(port);
    test_metrics(port, before);
    free(before);
    test_shared_port_and_shutdown(port, server);
    test_port_taken();
    test_bad_setting("GAVEL_CLICS_BATCH_MS=fast",
                     "invalid GAVEL_CLICS_BATCH_MS 'fast': expected an integer in [0, 10000]");
    test_bad_setting("GAVEL_CLICS_YIELD_MS=-1",
                     "invalid GAVEL_CLICS_YIELD_MS '-1': expected an integer in [0, 60000]");
    test_bad_setting("GAVEL_CLICS_WRITER_NICE=20",
                     "invalid GAVEL_CLICS_WRITER_NICE '20': expected an integer in [0, 19]");
    test_bad_setting("GAVEL_CLICS_STALL_MS=10",
                     "invalid GAVEL_CLICS_STALL_MS '10': expected an integer in [100, 3600000]");
    test_bad_setting("GAVEL_CLICS_BATCH_MS=20000",
                     "invalid GAVEL_CLICS_BATCH_MS '20000': expected an integer in [0, 10000]");
    test_redis_late();
    test_fd_reserve();
    if (gavel_path)
        test_api(argv[3]);
    itest_kill_all();
    printf("test_server: all passed\n");
    return 0;
}
