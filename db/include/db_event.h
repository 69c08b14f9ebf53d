/* SPDX-License-Identifier: MIT
 * db_event.h - recording and publishing the events cst_event.h defines.
 *
 * A durable event is first a row of PostgreSQL's append-only `events` log
 * (its `seq` is the row's id; the CLICS feed and resync read the log), then
 * an entry of the live stream every gavel-server reads. An event that is not
 * durable (progress, a scoreboard row) only goes to the stream. Publishing
 * is best effort by design: the log is the record, and a reader that missed
 * an entry resyncs from a snapshot.
 *
 * The live stream's entries have two fields: `type` (the type's name) and
 * `data` (cst_event_encode's text). Its key is db_stream_live_key(). */
#ifndef DB_EVENT_H
#define DB_EVENT_H

#include "cst_event.h"
#include "db.h"
#include "db_stream.h"

/* Appends a durable event to the log, inside the caller's transaction when
 * there is one (a verdict is logged in the transaction that writes it), and
 * sets ev->seq and ev->at_ms from the new row. GV_EINVAL for an event that
 * is invalid or not durable. */
int db_event_insert(struct db_pg *pg, struct cst_event *ev);

/* Appends `ev` to the live stream; `out_id` (optional, DB_STREAM_ID_MAX
 * bytes) receives the entry's id, which clients resume from. */
int db_event_publish(char *out_id, struct db_redis *r, const struct cst_event *ev);

/* What a writer outside a transaction does: db_event_insert when the type is
 * durable, then db_event_publish when `r` is not NULL. A failed publish of a
 * logged event returns the publish's error with ev->seq set: the event is
 * recorded, only its live delivery was lost. */
int db_event_record(char *out_id, struct db_pg *pg, struct db_redis *r, struct cst_event *ev);

/* Tells every gavel-server that what their caches hold for a user
 * (CST_EVENT_SESSION_ENDED: a logout, a role changed) or a contest
 * (CST_EVENT_CONTEST_CHANGED: an edit, a registration) is stale: one
 * stream entry, ids only. Best effort like any publish: each cache's TTL
 * covers a lost one. GV_EINVAL for another type or an id <= 0. */
int db_event_tell_servers(struct db_redis *r, enum cst_event_type type, int64_t id);

/* Decodes a live stream entry. GV_EPARSE for an entry that is not an event
 * (the stream key may be shared with other tools). */
int db_event_from_entry(struct cst_event *out, const struct db_stream_entry *e);

#endif
