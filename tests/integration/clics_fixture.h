/* SPDX-License-Identifier: MIT
 * clics_fixture.h - what the CLICS Contest API tests (test_clics_*.c)
 * share: one gavel-server on a fresh database, the contests, users and
 * submissions they all read, and GETs of /api/clics as each kind of
 * caller.
 *
 * The fixture (ct_setup): a running contest past its freeze (`live`), with
 * two problems, two teams and a hidden jury account; submissions before
 * and after the freeze whose verdicts (judgings, per-test results and the
 * log's judging.verdict rows) are written as the judge writes them;
 * clarifications public and private; and a contest that has not started
 * (`future`). `org` is an organizer; everyone's password is "secret-pw". */
#ifndef GV_CLICS_FIXTURE_H
#define GV_CLICS_FIXTURE_H

#include <regex.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "db.h"
#include "itest.h"
#include "itest_ws.h"

struct ct_user {
    const char *name;
    char token[80]; /* its session */
    int64_t id;
};

struct ct_fixture {
    const char *server_path, *gavel_path, *examples;
    char pg_url[512];
    struct db_pg *pg;
    struct db_redis *redis;
    int port;
    pid_t server;
    regex_t re_time, re_reltime; /* a CLICS TIME, a RELTIME */
    struct ct_user org, alice, bob, tester;
    int64_t live, future;                        /* contests */
    int64_t s_wa, s_ac, s_late, s_bob, s_hidden; /* submissions of `live` */
};

extern struct ct_fixture ct;

/* Who calls: nobody; the organizer by cookie or basic auth; alice (a
 * contestant) by basic auth; wrong basic credentials; an Authorization
 * header of a scheme we do not take. */
enum ct_auth {
    CT_ANON,
    CT_COOKIE_ORG,
    CT_BASIC_ORG,
    CT_BASIC_ALICE,
    CT_BASIC_WRONG,
    CT_BASIC_MALFORMED
};

/* Parses `usage: NAME GAVEL-SERVER GAVEL EXAMPLES-DIR` (exits 2 on other
 * arguments, ITEST_SKIP without GAVEL_PG_URL and GAVEL_REDIS_URL), then
 * makes the fixture and starts the server. */
void ct_setup(int argc, char **argv, const char *name);
/* Stops the server (it must exit 0) and drops the database. */
void ct_teardown(void);
/* Stops the server (it must exit 0); ct_server_start starts it again on
 * the same port. */
void ct_server_stop(void);
void ct_server_start(void);
/* GAVEL_CLICS_KEEPALIVE_MS for the next ct_server_start (300 at first). */
void ct_server_keepalive(long ms);

/* A judged submission as the judge leaves it: the submission's verdict, a
 * valid judging and one per-test result, `minute` after the live
 * contest's start. */
int64_t ct_judged(const struct ct_user *u, const char *slug, int minute, const char *verdict);
/* The verdict's row of the event log and its live entry, as gavel-judge
 * records them (db_judging_finish, then db_event_publish). */
void ct_verdict_event(int64_t sid, const char *verdict);
/* The same for judging `jid` of it (0: its newest). */
void ct_verdict_event_of(int64_t sid, int64_t jid, const char *verdict);

/* The header lines (CRLF-ended, "" for CT_ANON) that authenticate as `a`. */
void ct_auth_header(char extra[256], enum ct_auth a);
/* GET /api/clics`path` as `a`, or with the header lines `extra`. */
void ct_get(struct itest_http *r, const char *path, enum ct_auth a);
void ct_get_with(struct itest_http *r, const char *path, const char *extra);
/* GET `path` as `a`: the JSON body of a 200. */
cJSON *ct_get_json(const char *path, enum ct_auth a);
/* GET `path` as `a`: the status; *www_auth whether it asked for basic
 * auth (WWW-Authenticate: Basic). */
int ct_get_status(const char *path, enum ct_auth a, bool *www_auth);
/* GET /contests/{live}/`name` as `a`: the JSON of a 200. */
cJSON *ct_coll(const char *name, enum ct_auth a);

/* Shapes: `o`'s `key`, which must be there; a string id; a string
 * matching `re` (or null when `nullable`). */
const cJSON *ct_field(const cJSON *o, const char *key);
void ct_is_id(const cJSON *o, const char *key);
void ct_is_re(const cJSON *o, const char *key, const regex_t *re, bool nullable);
/* Every element of `arr` has a string "id" and string ids `keys`
 * (NULL-terminated; a key ending in '?' may be null). */
void ct_ids_are_strings(const cJSON *arr, const char *const *keys);
/* The element of `arr` whose `key` is the string `want`, or NULL. */
const cJSON *ct_by_id(const cJSON *arr, const char *key, const char *want);
/* `id` as a string (one of four static buffers: four may be in use). */
char *ct_idstr(int64_t id);

#endif
