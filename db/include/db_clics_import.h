/* SPDX-License-Identifier: MIT
 * db_clics_import.h - a contest from a CLICS event feed, stored as if it
 * had been run here (`gavel contest import`, cli/cmd_import.c).
 *
 * The contest, its problems (placeholders: no statement, no tests), its
 * teams (users who cannot log in: their password hash decodes as no
 * argon2id hash) and their participation are created in one transaction,
 * so a refused import leaves nothing behind. Submissions and judgements are
 * then written one at a time, each judgement with its judging.verdict
 * event in its own transaction, as db_judging_finish writes a real verdict:
 * the caller publishes that event and the team's scoreboard row the way
 * gavel-judge does, so live clients and the CLICS event feed see an
 * imported verdict exactly as they see a judged one.
 *
 * Names: problem slugs are `c<contest id>-<feed id>` (lowercased, other
 * characters made '-'), usernames `c<contest id>.<feed id>`; an id that
 * does not fit (too long, other characters, or taken by an earlier one
 * once lowercased) becomes `c<contest id>-p<n>` / `c<contest id>.team<n>`,
 * n its 1-based place in the feed. */
#ifndef GV_DB_CLICS_IMPORT_H
#define GV_DB_CLICS_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cst_event.h"
#include "db.h"

struct db_import_problem {
    const char *ext_id;     /* the feed's id */
    const char *label;      /* NULL or not ^[A-Z][A-Z0-9]{0,3}$ in any: all become A, B, ... */
    const char *name;       /* NULL: the label */
    int64_t id, version_id; /* out */
};

struct db_import_team {
    const char *ext_id;
    const char *name; /* display name; NULL: the feed's id */
    bool hidden;      /* a hidden participant: on no board */
    int64_t user_id;  /* out */
};

struct db_import_contest {
    const char *slug;  /* ^[a-z0-9][a-z0-9-]{0,63}$ */
    const char *title; /* cut to 200 characters */
    bool ioi;
    int64_t starts_at_ms, ends_at_ms;
    int64_t freezes_at_ms;  /* 0: no freeze */
    int64_t unfrozen_at_ms; /* 0: the final standings are not published */
    int penalty_minutes;
    struct db_import_problem *problems; /* in board order */
    size_t nproblems;
    struct db_import_team *teams;
    size_t nteams;
};

/* Creates the contest and everything but submissions; fills the ids.
 * GV_EEXIST when the slug is taken (by an earlier import of the same feed,
 * most likely), or a generated problem slug or username is; GV_EINVAL when
 * the contest's times or penalty break the schema's rules; `err` says
 * which. */
int db_import_contest(int64_t *contest_id, char *err, size_t errlen, struct db_pg *pg,
                      struct db_import_contest *c);

/* A submission made at `at_ms` (epoch), 'queued' until its judgement:
 * `blob_hex` is the placeholder source (db_blob_put), `ext_id` the feed's
 * id. */
int db_import_submission(int64_t *out_id, struct db_pg *pg, int64_t contest_id,
                         const struct db_import_team *team, const struct db_import_problem *p,
                         const char *language, const char *blob_hex, int64_t at_ms,
                         const char *ext_id);

/* The verdict of an imported submission (one of ours: "AC", "WA", "RE"...),
 * judged from `start_ms` to `end_ms` (epoch), with the judging.verdict event
 * in the same transaction; *out is that event, logged, for the caller to
 * publish. */
int db_import_verdict(struct cst_event *out, struct db_pg *pg, int64_t contest_id,
                      int64_t submission_id, const struct db_import_team *team,
                      const struct db_import_problem *p, const char *verdict, double score,
                      int64_t start_ms, int64_t end_ms);

/* Recounts the problems' submission and solve counters once at the end
 * (db_judging_finish does it per verdict). */
int db_import_finish(struct db_pg *pg, int64_t contest_id);

#endif
