/* SPDX-License-Identifier: MIT
 * itest_ws.h - processes, sockets and a minimal RFC 6455 client for the
 * gavel-server integration tests.
 *
 * Every process started with itest_spawn dies with the test (each child has
 * PR_SET_PDEATHSIG; itest_fail kills them first), and a failed check ends
 * the test with the name of the step that was running (itest_step). */
#ifndef GAVEL_ITEST_WS_H
#define GAVEL_ITEST_WS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

/* --- Failing ---------------------------------------------------------------- */

extern const char *itest_step; /* named in failure messages */

__attribute__((format(printf, 1, 2), noreturn)) void itest_fail(const char *fmt, ...);
__attribute__((format(printf, 4, 5), noreturn)) void
itest_check_failed(const char *file, int line, const char *cond, const char *fmt, ...);

#define ICHECK(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            itest_check_failed(__FILE__, __LINE__, #cond, __VA_ARGS__);                            \
    } while (0)

struct db_pg;

/* SQL for a test's own set-up and checks (printf-style, no parameters):
 * itest_sqlf runs a script, itest_sql_int returns the first column of the
 * first row as a number. A failure, or no value, fails the test naming
 * the query and the server's message. */
__attribute__((format(printf, 2, 3))) void itest_sqlf(struct db_pg *pg, const char *fmt, ...);
__attribute__((format(printf, 2, 3))) int64_t itest_sql_int(struct db_pg *pg, const char *fmt, ...);

/* SIGALRM after `seconds` kills every child and fails: never a hang. */
void itest_deadline(unsigned seconds);

/* --- Processes -------------------------------------------------------------- */

int64_t itest_now_ms(void); /* monotonic */
void itest_sleep_ms(int ms);
/* Starts argv[0] with `env` ("K=V", NULL-terminated; may be NULL) added to
 * ours; output to `log` when given (appended), else inherited. */
pid_t itest_spawn(char *const argv[], const char *const env[], const char *log);
/* Forks a child that runs fn(arg) and exits; dies with the test. */
pid_t itest_fork(void (*fn)(void *arg), void *arg);
/* SIGTERM, then SIGKILL after 5 s; reaps it. */
void itest_stop(pid_t pid);
/* SIGKILL and reap. */
void itest_kill(pid_t pid);
/* Waits up to `ms` for `pid`: its wait status, or -1 on timeout. */
int itest_wait_exit(pid_t pid, int ms);
void itest_kill_all(void);
/* A `submit` request's JSON (malloc'd; fails the test when out of memory). */
char *itest_submit_json(const char *problem, const char *language, const char *source);
/* Daemons a test starts (pg_ctl, redis-server --daemonize) would outlive
 * it, unlike itest_spawn's children. So their cleanup is a process of its
 * own, forked before anything starts, that waits for the test to go away by
 * whatever path (passing, itest_fail's exit, the deadline, a signal,
 * ctest's SIGKILL: each closes a pipe) and then runs `stop_cmd` and removes
 * `work`. Unless itest_janitor_finish said all passed, it first runs
 * `logs_cmd` (may be NULL) to show the logs before they go. Commands are
 * sh -c strings, copied at the fork. One janitor per test. */
void itest_janitor_start(const char *work, const char *stop_cmd, const char *logs_cmd);
/* The success path: hands over, waits up to `ms` for the cleanup and fails
 * unless it stopped everything and removed `work`. */
void itest_janitor_finish(int ms);
/* redis-server's path, or NULL when it is not installed (tests skip then). */
const char *itest_find_redis_server(void);

/* --- Sockets and HTTP ------------------------------------------------------- */

int itest_free_port(void);
int itest_tcp_connect(int port); /* -1 when refused */

struct itest_http {
    int status; /* -1 when no response */
    char head[4096];
    char *body; /* malloc'd, NUL-terminated */
};
void itest_http_get(struct itest_http *r, int port, const char *path);
/* A GET with `extra` header lines ("Name: value\r\n" each), a cookie say. */
void itest_http_get_with(struct itest_http *r, int port, const char *path, const char *extra);
/* POSTs `json` as application/json; otherwise as itest_http_get. */
void itest_http_post(struct itest_http *r, int port, const char *path, const char *json);
/* itest_http_post with `extra` header lines, an Origin say. */
void itest_http_post_with(struct itest_http *r, int port, const char *path, const char *json,
                          const char *extra);
void itest_http_release(struct itest_http *r);
/* Header `name` (any case) of a response head: its value, truncated to
 * `cap`, into `out`; false when absent. */
bool itest_header(const char *head, const char *name, char *out, size_t cap);
/* Polls /healthz until it answers `status` (and contains `text` when given). */
void itest_wait_health(int port, int status, const char *text, int ms);

/* --- WebSocket (gavel.v1 on /ws) -------------------------------------------- */

/* Upgrades and checks the handshake; the fd. Fails the test when refused. */
int itest_ws_open(int port);
/* Upgrades `path` offering `protocol` (no Sec-WebSocket-Protocol when NULL)
 * with `extra` header lines ("Name: value\r\n" each; may be NULL), for
 * upgrades that may be refused. *status is the HTTP status (-1 when the
 * server closed without one). On 101 checks the accept key and that the
 * server chose gavel.v1, and returns the fd; otherwise closes it, -1. */
int itest_ws_connect(int port, const char *path, const char *protocol, const char *extra,
                     int *status);
void itest_ws_send(int fd, const char *text);
/* One masked client frame with any opcode; `fin` false leaves the message
 * open for continuation frames (opcode 0). For hostile-client checks:
 * binary frames, fragments, oversized messages. */
void itest_ws_send_frame(int fd, int opcode, bool fin, const void *data, size_t len);
/* The next text frame as JSON (caller deletes), or NULL after `ms` without
 * one or when the server closed. */
cJSON *itest_ws_recv(int fd, int ms);
/* The very next frame, due within `ms`, must be JSON of type `want_type`
 * and, when `id_json` is given, carry that "id" ("42", "\"x\"", "null"
 * for an explicit null). Unlike itest_rpc no push is skipped: for checks
 * that the reply comes first. `what` (the request, say) names it in
 * failure messages. Caller deletes. */
cJSON *itest_ws_expect(int fd, const char *want_type, const char *id_json, int ms,
                       const char *what);
/* itest_ws_expect of an error with `code` and a non-empty message; returns
 * the message (static buffer). */
const char *itest_ws_expect_error(int fd, const char *code, const char *id_json, int ms,
                                  const char *what);

const char *itest_str(const cJSON *o, const char *key);
double itest_num(const cJSON *o, const char *key); /* fails when not a number */
const cJSON *itest_data(const cJSON *reply);
/* Sends `req`, skips pushes ({"type":"event"} and resync, handed to `pushes`
 * when not NULL, else dropped) and returns the reply; checks its type. */
cJSON *itest_rpc(int fd, const char *req, const char *want_type, cJSON *pushes);
/* An error reply with `code` and a non-empty message; returns the message
 * (static buffer). */
const char *itest_rpc_error(int fd, const char *req, const char *code);

/* Registers `name` with `password` over a WebSocket of its own: the new
 * user's id; its session token into `token` (`cap` bytes). */
int64_t itest_register(int port, const char *name, const char *password, char *token, size_t cap);

#endif
