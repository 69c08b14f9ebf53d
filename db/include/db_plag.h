/* SPDX-License-Identifier: MIT
 * db_plag.h - plagiarism fingerprints in PostgreSQL: stored once per
 * accepted submission, loaded per contest to compare, and the organizers'
 * review marks on pairs (docs/PLAGIARISM.md).
 *
 * A report never re-reads sources: the comparison runs on the stored
 * fingerprints (plg_doc_decode), and only showing a pair needs its two
 * sources (db_blob_get of db_plag_sub.source_sha256). */
#ifndef GV_DB_PLAG_H
#define GV_DB_PLAG_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"
#include "plg.h"

/* The k and w every stored fingerprint is built with; a row built with
 * others (or another PLG_BLOB_VERSION) counts as missing. */
#define DB_PLAG_K PLG_K_DEFAULT
#define DB_PLAG_W PLG_W_DEFAULT
#define DB_PLAG_NOTE_MAX 2000

/* A source's fingerprints as stored: computed without the database
 * (db_plag_fp_compute, ~0.1 ms for 200 lines), written by db_plag_fp_store
 * (one round trip). Split so that each half can be timed and placed on its
 * own (bench/plag/fp_cost.c, docs/PLAGIARISM.md). */
struct db_plag_fp {
    char language[16];
    uint32_t ntokens;
    size_t nfp;
    char *blob; /* plg_doc_encode's, owned */
    size_t blob_len;
};

/* Fingerprints `len` bytes of `src` in `language` (a gv_lang id) with
 * DB_PLAG_K and DB_PLAG_W. 0, GV_EINVAL (a language plagiarism/ does not
 * know), -ENOMEM, GV_EINTERNAL. Release `out` with db_plag_fp_release. */
int db_plag_fp_compute(struct db_plag_fp *out, const char *language, const void *src, size_t len);
void db_plag_fp_release(struct db_plag_fp *fp);

/* Stores `fp` as submission `submission_id`'s row, replacing any earlier
 * one. Committed without waiting for the WAL flush (synchronous_commit off
 * for this transaction alone): a row lost in a crash is recomputed by
 * `gavel plag backfill`, so it need not pay for durability. */
int db_plag_fp_store(struct db_pg *pg, int64_t submission_id, const struct db_plag_fp *fp);

/* db_plag_fp_compute then db_plag_fp_store: what gavel-judge calls once a
 * submission is accepted, and backfill. GV_EINVAL for a language
 * plagiarism/ does not know. */
int db_plag_fingerprint(struct db_pg *pg, int64_t submission_id, const char *language,
                        const void *src, size_t len);

/* Fingerprints every accepted submission (of contest `contest_id`, or all
 * when 0) that has no usable row; idempotent. A submission that cannot be
 * fingerprinted (its source blob unreadable) is logged and counted in
 * *failed, and the others go on. Fails only when the store does. */
int db_plag_backfill(size_t *done, size_t *failed, struct db_pg *pg, int64_t contest_id);

struct db_plag_sub {
    int64_t submission_id;
    int64_t user_id;
    uint32_t group; /* index in db_plag_set.problems */
    char username[40];
    char language[16];
    char source_sha256[DB_SHA256_HEX_LEN + 1];
    struct plg_doc doc;
};

struct db_plag_problem {
    int64_t id;
    char slug[72];
    char label[8];
};

/* A problem's template code (problem_templates, every version's),
 * fingerprinted when the set is loaded: a few small files. */
struct db_plag_base {
    uint32_t group; /* index in db_plag_set.problems */
    char name[192]; /* its path in the package */
    struct plg_doc doc;
};

/* A contest's accepted submissions as compared: one per (user, problem),
 * the first accepted (the one that scored), by problem in contest order. */
struct db_plag_set {
    struct db_plag_sub *subs;
    size_t nsubs;
    struct db_plag_problem *problems;
    size_t nproblems;
    /* Template code of those problems, left out of each problem's pairs
     * by db_plag_compare as --base is offline. */
    struct db_plag_base *bases;
    size_t nbases;
    /* Accepted submissions left out: no usable fingerprint (backfill
     * computes it), or one that did not decode (logged). */
    size_t nmissing;
};

void db_plag_set_release(struct db_plag_set *s);

/* Loads contest `contest_id`'s set, or only problem `problem` (its slug or
 * its label in the contest) when not NULL, with the template code of its
 * problems' packages (a template in a language plagiarism/ does not know is
 * skipped). GV_ENOTFOUND: no such contest,
 * or no such problem in it. On failure *out is empty. */
int db_plag_load(struct db_plag_set *out, struct db_pg *pg, int64_t contest_id,
                 const char *problem);

/* Pure: compares `s`'s documents within each problem (document id i is
 * s->subs[i]), ignoring the fingerprints of each problem's template code
 * (s->bases) within that problem and of the `nbases` base documents (given
 * by hand, built with DB_PLAG_K and DB_PLAG_W) everywhere. 0, GV_EINVAL (a base
 * of other k or w), -ENOMEM. */
int db_plag_compare(struct plg_report *out, const struct db_plag_set *s, const struct plg_opts *o,
                    const struct plg_doc *bases, size_t nbases);

/* ---- Review marks --------------------------------------------------------- */

struct db_plag_mark {
    int64_t left, right; /* submission ids, left < right */
    char status[12];     /* "cleared" or "confirmed" */
    char by[40];         /* the reviewer's username; "" once the account is gone */
    int64_t at_ms;
    char *note; /* NULL when none */
};

/* Contest `contest_id`'s marks, by (left, right); *out is the caller's:
 * db_plag_marks_free. */
int db_plag_marks_load(struct db_plag_mark **out, size_t *n, struct db_pg *pg,
                       int64_t contest_id);
void db_plag_marks_free(struct db_plag_mark *m, size_t n);

/* Pure: the mark of pair (a, b), in either order, in marks sorted as
 * db_plag_marks_load returns them; NULL when none. Borrowed. */
const struct db_plag_mark *db_plag_mark_find(const struct db_plag_mark *m, size_t n, int64_t a,
                                             int64_t b);

/* Marks the pair of submissions a and b (either order) of contest
 * `contest_id`: `status` "cleared" or "confirmed", by user `by` with an
 * optional note; `status` NULL removes the mark. GV_ENOTFOUND when a and b
 * are not two submissions of one problem of that contest, GV_EINVAL for
 * another status or a == b. */
int db_plag_mark_set(struct db_pg *pg, int64_t contest_id, int64_t a, int64_t b,
                     const char *status, int64_t by, const char *note);

#endif
