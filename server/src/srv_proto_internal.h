/* SPDX-License-Identifier: MIT
 * srv_proto_internal.h - what the request files share: srv_proto.c (the
 * dispatcher and the helpers below), srv_proto_problems.c,
 * srv_proto_contest.c, srv_proto_rejudge.c and srv_proto_plag.c.
 *
 * All of it runs on a job thread with that thread's stores (srv_job_env),
 * never on the lws loop: nothing here may touch a connection or a session
 * (srv_internal.h's side); a request leaves its outcome in the job.
 *
 * Adding a request takes, together: its SRV_REQ_ value (srv_codec.h); its
 * name, whether it needs a user and its fields (srv_codec.c); a case in
 * run() (srv_proto.c) and in sess_handle() (srv_session.c); its function in
 * its family's file, declared below (an organizer-only request: a case in
 * srv_proto_org.c's table instead, behind its role check); its section in
 * docs/PROTOCOL.md. */
#ifndef SRV_PROTO_INTERNAL_H
#define SRV_PROTO_INTERNAL_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "db_catalog.h"
#include "srv_cache.h"
#include "srv_proto.h"

struct db_pg;

/* Fails the job with `code` (an SRV_ERR_) and a message for the client. */
void srv__fail(struct srv_req_job *job, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A store call failed with `err`: `unavailable` when the store is gone
 * (and the connection is dropped for a fresh one), else `internal`. */
/* Tells every server (this one too, through the live stream) to drop what
 * its caches hold for a user or a contest (db_event_tell_servers), and
 * drops it here at once. Best effort: a lost event costs the cache's TTL. */
void srv__tell_servers(struct srv_req_job *job, struct srv_job_env *env, enum cst_event_type type,
                       int64_t id);
void srv__fail_store(struct srv_req_job *job, struct srv_job_env *env, int err, int redis,
                     const char *what);

/* Online password guessing: before a password is verified (login, CLICS
 * basic auth), false when `username` has had too many failed attempts in
 * the window (the job failed with rate_limited). srv__login_done, given
 * db_login's result, counts a wrong password and clears the count after a
 * success. */
bool srv__login_throttle(struct srv_req_job *job, struct srv_job_env *env, const char *username);
void srv__login_done(struct srv_req_job *job, struct srv_job_env *env, const char *username,
                     int err);

/* Takes `obj` (deleted here) as the job's data. */
void srv__set_data(struct srv_req_job *job, cJSON *obj);

struct db_viewer srv__viewer_of(const struct db_user_info *u);

struct cst_event;
/* A logged event (its seq set) goes on the live stream for whoever listens
 * now; the reply is {<id_key>: id, "event_id": the stream id, or null when
 * Redis was down (the event is in the log all the same: subscribers see it
 * in their next snapshot)}. Releases `ev`. */
void srv__publish_logged(struct srv_req_job *job, struct srv_job_env *env, struct cst_event *ev,
                         const char *id_key, int64_t id);

/* srv_proto_problems.c */
void srv__req_problems_list(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_problem_get(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_problem_like(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_submit(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_submissions_mine(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
/* submission.get, or with `snapshot` the reply to subscribing to it. */
void srv__req_submission_get(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg,
                             bool snapshot);

/* srv_proto_contest.c */
void srv__req_contests_list(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_contest_register(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_contest_board_window(struct srv_req_job *job, struct srv_job_env *env,
                                   struct db_pg *pg);
void srv__req_contest_scoreboard(struct srv_req_job *job, struct srv_job_env *env,
                                 struct db_pg *pg);
void srv__req_contest_announce(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_contest_reveal(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
/* The reply to subscribing to a contest. */
void srv__req_subscribe_contest(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);

/* srv_proto_clar.c */
void srv__req_clar_ask(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_clar_answer(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_clar_broadcast(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_clar_list(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
/* srv_proto_org.c: every organizer-only request, behind one role check. */
void srv__req_org(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
/* Reads the caller's role and tier from PostgreSQL into job->user (and, when
 * they changed, into the connection: set_user). < 0 with the job failed:
 * the account is gone (unauthenticated) or the store is down. */
int srv__user_refresh(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
/* srv_proto_clics.c: GET /api/clics/... (the job's req.p.path). */
void srv__req_clics(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
/* srv_proto_plag.c: organizer-only, called from srv_proto_org.c's gate. */
void srv__req_plag_report(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_plag_review(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
/* srv_proto_rejudge.c */
void srv__req_rejudge(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_rejudge_report(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);
void srv__req_rejudges_list(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg);

#endif
