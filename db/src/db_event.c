/* SPDX-License-Identifier: MIT
 * db_event.c - the event log and the live stream (db_event.h). */
#include "db_event.h"
#include "db_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

/* The advisory lock that orders the log's writers ("gv_evnt" in ASCII). */
#define DB_EVENTS_LOCK_KEY "29122074697428596"

int db_event_insert(struct db_pg *pg, struct cst_event *ev)
{
    const struct cst_event_info *info = cst_event_info(ev->type);
    struct cst_event unplaced = *ev;
    char cid[24], uid[24], *payload = NULL;
    PGresult *res = NULL;
    int err;

    if (!info || !info->durable || ev->seq)
        return GV_EINVAL;
    /* The row's id and time are its columns; the payload holds the rest. */
    unplaced.seq = 0;
    unplaced.at_ms = 0;
    err = cst_event_encode(&payload, NULL, &unplaced);
    if (err < 0)
        return err;
    snprintf(cid, sizeof(cid), "%" PRId64, ev->contest_id);
    snprintf(uid, sizeof(uid), "%" PRId64, ev->user_id);
    {
        const char *p[] = {ev->contest_id ? cid : NULL, ev->user_id ? uid : NULL, info->name,
                           payload};
        /* Rows must commit in id order, or a reader that saw row 12 would
         * resume past a row 11 committed after it (the CLICS feed's tokens
         * are row ids). A transaction-scoped lock taken before the id is
         * drawn serializes the writers from here to their COMMIT: every
         * caller logs its event last, just before committing, so it is held
         * for one statement and the commit. */
        err = db__pg_select(&res, pg, "event",
                            "WITH l AS (SELECT pg_advisory_xact_lock(" DB_EVENTS_LOCK_KEY "))"
                            " INSERT INTO events (contest_id, user_id, type, payload) SELECT "
                            "$1::bigint, $2::bigint, $3, $4::jsonb FROM l RETURNING id, "
                            "(extract(epoch FROM created_at) * 1000)::bigint",
                            4, p);
    }
    if (err == 0 && PQntuples(res) != 1)
        err = GV_EDB;
    if (err == 0) {
        ev->seq = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        ev->at_ms = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    }
    PQclear(res);
    gv_free(payload);
    return err;
}

int db_event_publish(char *out_id, struct db_redis *r, const struct cst_event *ev)
{
    const struct cst_event_info *info = cst_event_info(ev->type);
    char *data = NULL;
    int err;

    if (!info)
        return GV_EINVAL;
    err = cst_event_encode(&data, NULL, ev);
    if (err == 0) {
        const char *fv[] = {"type", info->name, "data", data};
        err = db_stream_add(out_id, r, db_stream_live_key(), DB_LIVE_STREAM_MAXLEN, 2, fv);
    }
    gv_free(data);
    return err;
}

int db_event_tell_servers(struct db_redis *r, enum cst_event_type type, int64_t id)
{
    struct cst_event ev;

    if ((type != CST_EVENT_SESSION_ENDED && type != CST_EVENT_CONTEST_CHANGED) || id <= 0)
        return GV_EINVAL;
    cst_event_init(&ev, type);
    if (type == CST_EVENT_SESSION_ENDED)
        ev.user_id = id;
    else
        ev.contest_id = id;
    return db_event_publish(NULL, r, &ev);
}

int db_event_record(char *out_id, struct db_pg *pg, struct db_redis *r, struct cst_event *ev)
{
    const struct cst_event_info *info = cst_event_info(ev->type);
    int err;

    if (!info)
        return GV_EINVAL;
    if (info->durable) {
        err = db_event_insert(pg, ev);
        if (err < 0)
            return err;
    }
    return r ? db_event_publish(out_id, r, ev) : 0;
}

int db_event_from_entry(struct cst_event *out, const struct db_stream_entry *e)
{
    size_t len = 0;
    const char *type = db_stream_entry_get(e, "type", NULL);
    const char *data = db_stream_entry_get(e, "data", &len);

    return cst_event_decode(out, type, data, len);
}
