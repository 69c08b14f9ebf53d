/* SPDX-License-Identifier: MIT
 * db_contest_admin.h - what organizers do to contests and users: store a
 * contest from its definition (cst_def.h), change it, read it back, publish
 * the final standings; set a user's role and tier.
 *
 * Everything a definition names is checked against the database in the
 * transaction that writes it, and nothing is written when a check fails:
 * the reason goes to `err` ("line 9: problems: no imported problem 'x'"),
 * with the definition's line so that the CLI and the console can point at
 * it. */
#ifndef GV_DB_CONTEST_ADMIN_H
#define GV_DB_CONTEST_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cst_def.h"
#include "cst_event.h"
#include "db.h"

/* Creates the contest, its problems and its invited participants.
 * GV_EINVAL: a problem is not imported or a user does not exist;
 * GV_EEXIST: the slug is taken; both with `err` set. */
int db_contest_create(int64_t *out_id, char *err, size_t err_len, struct db_pg *pg,
                      const struct cst_def *d, int64_t created_by);

/* The stored contest as a definition (participants: the invited list, or
 * open). GV_ENOTFOUND. The caller releases it. */
int db_contest_def_load(struct cst_def *out, struct db_pg *pg, int64_t contest_id);

/* Replaces the stored definition by `d` when cst_def_update_check allows
 * it at `now_ms` (`force` for penalty and scoring once started): times,
 * policies, the problem set (added, reordered, recoloured; removed only
 * before the start) and invited participants (added, never removed: a
 * participant's submissions stay theirs). GV_EINVAL with `err` when
 * refused; GV_ENOTFOUND. */
int db_contest_update(char *err, size_t err_len, struct db_pg *pg, int64_t contest_id,
                      const struct cst_def *d, bool force, int64_t now_ms);

/* A contest by its id ("12") or its slug. GV_ENOTFOUND. */
int db_contest_resolve(int64_t *out_id, struct db_pg *pg, const char *id_or_slug);

/* Publishes the final standings now: the public board shows every verdict
 * from then on. -EACCES before the end; GV_EEXIST when already published;
 * GV_ENOTFOUND. */
int db_contest_unfreeze(struct db_pg *pg, int64_t contest_id, int64_t now_ms);

/* --- Timers ---------------------------------------------------------------
 *
 * Every gavel-server's clock thread asks which contests still have a phase
 * change to announce, and claims each change it sees due with a
 * conditional UPDATE of contests.announced_phase: PostgreSQL lets exactly
 * one claim per change succeed, and the winner logs the contest.phase
 * event in the same transaction, so the change is announced once across
 * every process and survives any restart (docs/ARCHITECTURE.md). */

struct db_phase_pending {
    int64_t contest_id;
    struct cst_schedule schedule;
    enum cst_phase announced;
};

/* The contests whose last announced phase is not the final one, into a
 * gv_malloc'd array (NULL when none). */
int db_contest_phases_pending(struct db_phase_pending **out, size_t *count, struct db_pg *pg);

/* Claims the change of `contest_id` from `from` to `to` (entered at
 * `at_ms`) and logs its event into *out (at the start with the problem
 * set), for the caller to publish and release. GV_EEXIST when another
 * process claimed it first (or the phase moved on): nothing written. */
int db_contest_phase_claim(struct cst_event *out, struct db_pg *pg, int64_t contest_id,
                           enum cst_phase from, enum cst_phase to, int64_t at_ms);

/* Sets a user's role ("contestant", "organizer" or "jury" for it, "admin")
 * and/or tier ("free", "paid"); NULL keeps one. GV_ENOTFOUND: no such user;
 * GV_EINVAL: an unknown role or tier. */
int db_user_set(struct db_pg *pg, const char *username, const char *role, const char *tier);

/* Page `page` (from 1) of the users by id, `page_size` a page, as JSON text
 * (gv_malloc'd): {"users":[{"id","username","display_name","role","tier",
 * "created_at"}],"total":N,"page":P,"page_size":S} with created_at in Unix ms. */
int db_user_list(char **json, struct db_pg *pg, int page, int page_size);

#endif
