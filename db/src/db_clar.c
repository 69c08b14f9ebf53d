/* SPDX-License-Identifier: MIT
 * db_clar.c - clarifications (db_clar.h).
 *
 * Every change ends the same way: read the clarification back as it now
 * is and log it as an event, in the change's transaction, so the event
 * log replays a clarification's history exactly as the row went. */
#include "db_clar.h"
#include "db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cst.h"
#include "db_event.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"


static bool text_ok(const char *s)
{
    return s && *s && strlen(s) <= CST_EVENT_TEXT_MAX;
}

static char *dup_or_null(const PGresult *r, int col)
{
    return PQgetisnull(r, 0, col) ? NULL : gv_strdup(PQgetvalue(r, 0, col));
}

/* The clarification as it is now, as its event; logged. */
static int log_state(struct cst_event *out, struct db_pg *pg, const char *clar_id)
{
    const char *p[] = {clar_id};
    struct cst_event ev;
    PGresult *res = NULL;
    int err;

    cst_event_init(&ev, CST_EVENT_CONTEST_CLAR);
    err = db__pg_select(&res, pg, "clarification",
                        "SELECT c.id, c.contest_id, coalesce(c.asked_by, 0), coalesce(cp.label, ''), "
                        "c.is_public, c.question, c.answer, " EPOCH_MS("c.created_at") ", "
                        "coalesce(" EPOCH_MS("c.answered_at") ", 0) FROM clarifications c LEFT "
                        "JOIN contest_problems cp ON cp.contest_id = c.contest_id AND "
                        "cp.problem_id = c.problem_id WHERE c.id = $1::bigint",
                        1, p);
    if (err == 0 && PQntuples(res) != 1)
        err = GV_ENOTFOUND;
    if (err < 0)
        goto out;
    ev.u.clar.clar_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    ev.contest_id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    ev.user_id = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
    snprintf(ev.u.clar.problem, sizeof(ev.u.clar.problem), "%s", PQgetvalue(res, 0, 3));
    ev.u.clar.is_public = !strcmp(PQgetvalue(res, 0, 4), "t");
    ev.u.clar.question = dup_or_null(res, 5);
    ev.u.clar.answer = dup_or_null(res, 6);
    /* A broadcast's moment is when it was said. */
    ev.u.clar.asked_at_ms = ev.u.clar.question ? strtoll(PQgetvalue(res, 0, 7), NULL, 10) : 0;
    ev.u.clar.answered_at_ms = strtoll(PQgetvalue(res, 0, 8), NULL, 10);
    if ((!PQgetisnull(res, 0, 5) && !ev.u.clar.question) ||
        (!PQgetisnull(res, 0, 6) && !ev.u.clar.answer)) {
        err = -ENOMEM;
        goto out;
    }
    err = db_event_insert(pg, &ev);
out:
    PQclear(res);
    if (err < 0) {
        cst_event_release(&ev);
        return err;
    }
    *out = ev;
    return 0;
}

/* Ends the caller's transaction; on success *out is the logged event. */
static int finish(struct cst_event *out, struct db_pg *pg, int err, const char *clar_id)
{
    struct cst_event ev;

    cst_event_init(&ev, CST_EVENT_CONTEST_CLAR);
    if (err == 0)
        err = log_state(&ev, pg, clar_id);
    err = db__pg_tx_end(pg, err);
    if (err < 0) {
        cst_event_release(&ev);
        return err;
    }
    *out = ev;
    return 0;
}

/* Inserts the row (asked_by NULL for a broadcast) and keeps its id. */
static int insert(char *clar_id, size_t cap, struct db_pg *pg, const char *contest_id,
                  const char *asked_by, const char *problem, const char *question,
                  const char *answer, const char *answered_by)
{
    const char *p[] = {contest_id, asked_by, problem, question, answer, answered_by};
    char *val = NULL;
    int err = db_pg_query_value(
        &val, pg,
        "INSERT INTO clarifications (contest_id, asked_by, problem_id, question, answer, "
        "answered_by, answered_at, is_public) SELECT $1::bigint, $2::bigint, cp.problem_id, $4, "
        "$5, $6::bigint, CASE WHEN $5::text IS NULL THEN NULL ELSE now() END, $2::bigint IS NULL "
        "FROM (SELECT 1) one LEFT JOIN contest_problems cp ON cp.contest_id = $1::bigint AND "
        "cp.label = $3 WHERE $3::text IS NULL OR cp.problem_id IS NOT NULL RETURNING id",
        6, p);

    if (err == 0 && !val)
        err = GV_EINVAL; /* no such problem label */
    if (err == 0)
        snprintf(clar_id, cap, "%s", val);
    gv_free(val);
    return err;
}

int db_clar_ask(struct cst_event *out, struct db_pg *pg, int64_t contest_id, int64_t user_id,
                const char *problem, const char *text, int64_t now_ms)
{
    char cid[24], uid[24], clar_id[24] = "";
    const char *p[] = {cid, uid};
    struct cst_schedule sched;
    PGresult *res = NULL;
    int err;

    cst_event_init(out, CST_EVENT_CONTEST_CLAR);
    if (!text_ok(text))
        return GV_EINVAL;
    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    snprintf(uid, sizeof(uid), "%" PRId64, user_id);
    err = db_pg_exec_script(pg, "BEGIN");
    if (err < 0)
        return err;
    /* A contestant asks while they may submit: contest/'s rule. */
    err = db__pg_select(&res, pg, "contest",
                        "SELECT " EPOCH_MS("starts_at") ", coalesce(" EPOCH_MS("freezes_at")
                        ", 0), " EPOCH_MS("ends_at") ", coalesce(" EPOCH_MS("unfrozen_at")
                        ", 0), EXISTS (SELECT 1 FROM participants WHERE contest_id = c.id AND "
                        "user_id = $2::bigint) FROM contests c WHERE c.id = $1::bigint",
                        2, p);
    if (err == 0 && PQntuples(res) != 1)
        err = GV_ENOTFOUND;
    if (err == 0) {
        sched = (struct cst_schedule){strtoll(PQgetvalue(res, 0, 0), NULL, 10),
                                      strtoll(PQgetvalue(res, 0, 1), NULL, 10),
                                      strtoll(PQgetvalue(res, 0, 2), NULL, 10),
                                      strtoll(PQgetvalue(res, 0, 3), NULL, 10)};
        switch (cst_submit_check(&sched, false, !strcmp(PQgetvalue(res, 0, 4), "t"), true,
                                 now_ms)) {
        case CST_SUBMIT_NOT_RUNNING:
            err = -EACCES;
            break;
        case CST_SUBMIT_NOT_REGISTERED:
            err = -EPERM;
            break;
        case CST_SUBMIT_OK:
        case CST_SUBMIT_NOT_IN_CONTEST:
            break;
        }
    }
    PQclear(res);
    if (err == 0)
        err = insert(clar_id, sizeof(clar_id), pg, cid, uid, problem, text, NULL, NULL);
    return finish(out, pg, err, clar_id);
}

int db_clar_answer(struct cst_event *out, struct db_pg *pg, int64_t clar_id, int64_t jury_id,
                   const char *text, bool is_public)
{
    char id[24], jid[24];
    const char *p[] = {id, text, jid, is_public ? "true" : "false"};
    int64_t affected = 0;
    int err;

    cst_event_init(out, CST_EVENT_CONTEST_CLAR);
    if (!text_ok(text))
        return GV_EINVAL;
    snprintf(id, sizeof(id), "%" PRId64, clar_id);
    snprintf(jid, sizeof(jid), "%" PRId64, jury_id);
    err = db_pg_exec_script(pg, "BEGIN");
    if (err < 0)
        return err;
    /* A broadcast stays public: answering one again only rewords it. */
    err = db_pg_exec(&affected, pg,
                     "UPDATE clarifications SET answer = $2, answered_by = $3::bigint, "
                     "answered_at = now(), is_public = $4::boolean OR asked_by IS NULL WHERE id = "
                     "$1::bigint",
                     4, p);
    if (err == 0 && affected != 1)
        err = GV_ENOTFOUND;
    return finish(out, pg, err, id);
}

int db_clar_broadcast(struct cst_event *out, struct db_pg *pg, int64_t contest_id,
                      int64_t jury_id, const char *problem, const char *text)
{
    char cid[24], jid[24], clar_id[24] = "", *found = NULL;
    const char *p[] = {cid};
    int err;

    cst_event_init(out, CST_EVENT_CONTEST_CLAR);
    if (!text_ok(text))
        return GV_EINVAL;
    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    snprintf(jid, sizeof(jid), "%" PRId64, jury_id);
    err = db_pg_exec_script(pg, "BEGIN");
    if (err < 0)
        return err;
    err = db_pg_query_value(&found, pg, "SELECT 1 FROM contests WHERE id = $1::bigint FOR KEY SHARE",
                            1, p);
    if (err == 0 && !found)
        err = GV_ENOTFOUND;
    gv_free(found);
    if (err == 0)
        err = insert(clar_id, sizeof(clar_id), pg, cid, NULL, problem, NULL, text, jid);
    return finish(out, pg, err, clar_id);
}

int db_clar_list(char **json, struct db_pg *pg, int64_t contest_id, int64_t viewer_id, bool jury)
{
    char cid[24], uid[24];
    const char *p[] = {cid, uid, jury ? "true" : "false"};

    snprintf(cid, sizeof(cid), "%" PRId64, contest_id);
    snprintf(uid, sizeof(uid), "%" PRId64, viewer_id);
    return db_pg_query_value(
        json, pg,
        "SELECT coalesce(json_agg(json_build_object('clarification_id', c.id, 'problem', "
        "cp.label, 'public', c.is_public, 'question', c.question, 'answer', c.answer, "
        "'asked_at_ms', CASE WHEN c.question IS NULL THEN NULL ELSE " EPOCH_MS("c.created_at")
        " END, 'answered_at_ms', " EPOCH_MS("c.answered_at") ", 'mine', c.asked_by = "
        "$2::bigint, 'user_id', CASE WHEN $3::boolean THEN c.asked_by END, 'username', CASE WHEN "
        "$3::boolean THEN u.username END) ORDER BY c.id), '[]'::json)::text FROM (SELECT * FROM "
        "clarifications WHERE contest_id = $1::bigint AND ($3::boolean OR is_public OR asked_by = "
        "$2::bigint) ORDER BY id DESC LIMIT 200) c LEFT JOIN contest_problems cp ON "
        "cp.contest_id = c.contest_id AND cp.problem_id = c.problem_id LEFT JOIN users u ON u.id "
        "= c.asked_by",
        3, p);
}
