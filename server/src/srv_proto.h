/* SPDX-License-Identifier: MIT
 * srv_proto.h - what each gavel.v1 request does (on a job thread).
 *
 * The loop decodes and validates a request (srv_codec), checks that a user
 * is logged in where one is needed, and submits a srv_req_job (made by
 * srv_proto_job_new) carrying the request and a snapshot of the caller. The
 * job's run function (srv_proto.c, which hands most requests to their
 * family's file: see srv_proto_internal.h) does the work on a job thread
 * and leaves the outcome in the job: a reply (data JSON or an error code
 * and message) and what the loop must change in the session afterwards
 * (its user, a subscription, events to replay). The same jobs serve the
 * HTTP JSON API, which only encodes the outcome differently. */
#ifndef SRV_PROTO_H
#define SRV_PROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "db_session.h"
#include "db_token.h"
#include "srv_codec.h"
#include "srv_jobs.h"
#include "srv_subs.h"

struct srv_live_event;
struct srv_cache;

struct srv_proto_cfg {
    const char *version;     /* hello's server.version */
    const char *rate_prefix; /* Redis key prefix of the submit counters */
    int64_t rate_free;       /* submissions per minute, tier free */
    int64_t rate_paid;       /* tier paid */
    int64_t login_rate;      /* login attempts per name and window (srv__login_throttle) */
    struct srv_cache *cache; /* sessions and contest snapshots (srv_cache.h) */
};

/* A jury feed's credentials, as its reads recheck them. */
struct srv_feed_cred {
    uint64_t feed_id;
    int64_t user_id;
    char token[DB_API_TOKEN_LEN + 1]; /* srv_req_job.feed_token */
    bool ok;
};

struct srv_req_job {
    struct srv_job base; /* first: a srv_job * is a srv_req_job * */
    const struct srv_proto_cfg *cfg;
    struct srv_request req;
    bool http;                          /* from the HTTP API: no session to change */
    struct db_user_info user;           /* the caller; id 0: nobody */
    char token[DB_TOKEN_HEX_LEN + 1];   /* the session's token, "" when none */
    bool token_unchecked;               /* token came from a cookie: look it up first */
    bool role_fresh;                    /* `user` was read from PostgreSQL by this job */
    bool quiet; /* the server's own recheck of the session (srv_session.c): no reply */
    struct srv_subs filter;             /* resume: a copy of the subscriptions */

    /* Outcome. */
    const char *err_code; /* NULL: success, `data` holds the reply's data */
    char err_message[200];
    int64_t retry_after_ms; /* rate_limited; -1 otherwise */
    int64_t login_failures; /* failed logins counted for the name, read by srv__login_throttle */
    char *data;             /* JSON text, gv_malloc'd */
    size_t data_len;          /* 0: strlen(data); else its length (a zip has NULs) */
    const char *content_type; /* HTTP: NULL for application/json */
    bool set_user, clear_user;
    struct db_user_info new_user;
    char new_token[DB_TOKEN_HEX_LEN + 1];
    int64_t new_expires_at_ms;
    int64_t subscribe_submission, subscribe_contest; /* 0: none */
    /* A contest's snapshot was read at this generation (srv_cache.h); the
     * session runs the subscribe again when an event came in between. */
    uint64_t snapshot_gen;
    unsigned snapshot_tries;
    bool subscribe_contests_list;                    /* watch the list of contests */
    struct srv_live_event *replay;                   /* resume: events to push */

    /* The CLICS event feed (srv_proto_clics.c, srv_feed.c). srv_http.c
     * sets `feed` when the client wants the feed streamed; the job leaves
     * it set only when it served a feed. The connection then asks for the
     * log rows after `feed_pos` with jobs that set `feed_next` (no login,
     * no snapshot: the first job's `feed_jury` stands, and a jury read
     * rechecks the credentials in `feed_creds`). */
    bool feed;          /* request: stream; outcome: a streamed feed is served */
    bool feed_next;     /* request: the rows after feed_pos, for feed_jury */
    bool feed_jury;     /* the caller's view: the jury's */
    bool feed_more;     /* outcome: a read stopped at its limit: read on */
    int64_t feed_pos;   /* the last log row read (request and outcome) */
    int64_t feed_contest;
    int64_t feed_user_id; /* outcome: the caller, whose role a jury feed rechecks */
    /* Outcome: the token that showed the caller, which a jury feed
     * rechecks too: the API token, else the session's (a cookie's); ""
     * for basic auth, whose password is checked at the open only. */
    char feed_token[DB_API_TOKEN_LEN + 1];
    /* Request: a jury read checks these feeds' credentials (srv_feed.c);
     * outcome: `ok` for each that still has the jury's view. gv_malloc'd. */
    struct srv_feed_cred *feed_creds;
    size_t feed_ncreds;
    /* Outcome, streamed jury feeds (gv_time_mono_us): when the read of the
     * log had returned, and when the newest check of the credentials
     * began. A feed gets a read's lines only when its credentials were
     * checked after the read returned (srv_feed.c): an event committed
     * after a revocation or a demotion never reaches the old credentials'
     * feed, whatever the timing of the job's two queries. */
    int64_t feed_read_us, feed_checked_us;
};

/* A zeroed job with run/free set; NULL when out of memory. */
struct srv_req_job *srv_proto_job_new(const struct srv_proto_cfg *cfg);

/* On the loop: answers a hello whose token the session cache knows
 * (srv_cache.h), as the job would; false when it must run. A storm's
 * hellos then cost neither a job thread nor PostgreSQL. */
bool srv_proto_hello_cached(struct srv_req_job *job);
/* Likewise a contestant's (or a visitor's) subscribe to a contest whose
 * snapshot is cached and that needs nothing of its own from a store. */
bool srv_proto_subscribe_cached(struct srv_req_job *job);

/* The outcome as a gavel.v1 reply frame (gv_malloc'd). */
int srv_proto_reply(const struct srv_req_job *job, char **out, size_t *len);

/* The outcome for the HTTP API: the status and a JSON body (the data, or
 * {"code":..,"message":..}). */
int srv_proto_http(const struct srv_req_job *job, int *status, char **body, size_t *len);

/* The user as the protocol shows it: {"id","username","display_name","role","tier"}. */
cJSON *srv_proto_user_json(const struct db_user_info *u);

/* Whether the user is on the jury: an organizer or an admin. */
bool srv__privileged(const struct db_user_info *u);

#endif
