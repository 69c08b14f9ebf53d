/* SPDX-License-Identifier: MIT
 * db_plag.c - plagiarism fingerprints and review marks (db_plag.h). */
#include "db_plag.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_internal.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "gv_log.h"
#include "banned.h"

#define I64(buf, v) snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)(v))
/* A source larger than the submissions table allows is not one. */
#define SOURCE_MAX (1u << 20)

/* The format, k and w of this build, as query parameters $2..$4 (or the
 * row values of an insert). */
struct fmt {
    char v[8], k[8], w[8];
};

static void fmt_init(struct fmt *f)
{
    snprintf(f->v, sizeof(f->v), "%u", PLG_BLOB_VERSION);
    snprintf(f->k, sizeof(f->k), "%u", DB_PLAG_K);
    snprintf(f->w, sizeof(f->w), "%u", DB_PLAG_W);
}

int db_plag_fp_compute(struct db_plag_fp *out, const char *language, const void *src, size_t len)
{
    enum plg_lang lang;
    struct plg_doc d;
    int err;

    memset(out, 0, sizeof(*out));
    err = plg_lang_parse(&lang, language);
    if (err < 0)
        return err;
    snprintf(out->language, sizeof(out->language), "%s", plg_lang_id(lang));
    plg_doc_init(&d);
    err = plg_doc_from_source(&d, lang, src, len, DB_PLAG_K, DB_PLAG_W);
    if (err == 0)
        err = plg_doc_encode(&out->blob, &out->blob_len, &d);
    out->ntokens = d.ntokens;
    out->nfp = d.nfp;
    plg_doc_release(&d);
    if (err < 0)
        db_plag_fp_release(out);
    return err;
}

void db_plag_fp_release(struct db_plag_fp *fp)
{
    gv_free(fp->blob);
    memset(fp, 0, sizeof(*fp));
}

int db_plag_fp_store(struct db_pg *pg, int64_t submission_id, const struct db_plag_fp *fp)
{
    struct fmt f;
    char sid[24], ntok[16], nfp[24];
    const char *p[] = {sid, fp->language, f.v, f.k, f.w, ntok, nfp, fp->blob};
    const int lengths[] = {0, 0, 0, 0, 0, 0, 0, (int)fp->blob_len};
    const int binary[] = {0, 0, 0, 0, 0, 0, 0, 1};

    fmt_init(&f);
    I64(sid, submission_id);
    snprintf(ntok, sizeof(ntok), "%u", fp->ntokens);
    snprintf(nfp, sizeof(nfp), "%zu", fp->nfp);
    /* set_config(..., true) is SET LOCAL: it lasts until this statement's
     * own (implicit) transaction commits, which then does not wait for the
     * WAL flush. One statement, one round trip; the verdicts committed by
     * the same connection keep the server's setting. */
    return db_pg_exec_binary(
        NULL, pg,
        "WITH nosync AS (SELECT set_config('synchronous_commit', 'off', true)) "
        "INSERT INTO submission_fingerprints (submission_id, language, format, k, w, "
        "token_count, fp_count, blob) SELECT $1, $2, $3, $4, $5, $6, $7, $8 FROM nosync "
        "ON CONFLICT (submission_id) DO UPDATE SET language = EXCLUDED.language, format = "
        "EXCLUDED.format, k = EXCLUDED.k, w = EXCLUDED.w, token_count = "
        "EXCLUDED.token_count, fp_count = EXCLUDED.fp_count, blob = EXCLUDED.blob, "
        "created_at = now()",
        8, p, lengths, binary);
}

int db_plag_fingerprint(struct db_pg *pg, int64_t submission_id, const char *language,
                        const void *src, size_t len)
{
    struct db_plag_fp fp;
    int err = db_plag_fp_compute(&fp, language, src, len);

    if (err == 0)
        err = db_plag_fp_store(pg, submission_id, &fp);
    db_plag_fp_release(&fp);
    return err;
}

int db_plag_backfill(size_t *done, size_t *failed, struct db_pg *pg, int64_t contest_id)
{
    char cid[24];
    struct fmt f;
    PGresult *res = NULL;
    int err;

    *done = *failed = 0;
    I64(cid, contest_id);
    fmt_init(&f);
    /* An imported submission's source is a placeholder they all share. */
    {
        const char *p[] = {cid, f.v, f.k, f.w};

        err = db__pg_select(&res, pg, "plagiarism backfill",
                            "SELECT s.id, s.language, encode(s.source_blob, 'hex') FROM "
                            "submissions s LEFT JOIN submission_fingerprints f ON "
                            "f.submission_id = s.id WHERE s.verdict = 'AC' AND s.external_id "
                            "IS NULL AND ($1::bigint = 0 OR s.contest_id = $1) AND (f.submission_id IS NULL OR f.format <> "
                            "$2::smallint OR f.k <> $3::smallint OR f.w <> $4::smallint) "
                            "ORDER BY s.id",
                            4, p);
    }
    if (err < 0)
        return err;
    for (int i = 0; i < PQntuples(res); i++) {
        int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        const char *lang = PQgetvalue(res, i, 1);
        void *src = NULL;
        size_t len = 0;

        err = db_blob_get(&src, &len, pg, PQgetvalue(res, i, 2));
        if (err == 0)
            err = db_plag_fingerprint(pg, id, lang, src, len);
        gv_free(src);
        if (err == GV_EUNAVAIL || err == -ENOMEM)
            break; /* nothing further can succeed */
        if (err < 0) {
            gv_log(GV_LOG_WARN, "plag", "cannot fingerprint submission %" PRId64 ": %s", id,
                   gv_strerror(err));
            (*failed)++;
            err = 0;
        } else {
            (*done)++;
        }
    }
    PQclear(res);
    return err;
}

void db_plag_set_release(struct db_plag_set *s)
{
    for (size_t i = 0; i < s->nsubs; i++)
        plg_doc_release(&s->subs[i].doc);
    for (size_t i = 0; i < s->nbases; i++)
        plg_doc_release(&s->bases[i].doc);
    gv_free(s->subs);
    gv_free(s->bases);
    gv_free(s->problems);
    memset(s, 0, sizeof(*s));
}

/* GV_ENOTFOUND unless the contest exists and, when named, has the problem. */
static int check_scope(struct db_pg *pg, const char *cid, const char *problem)
{
    char *val = NULL;
    int err;

    if (problem) {
        const char *p[] = {cid, problem};

        err = db_pg_query_value(&val, pg,
                                "SELECT 1 FROM contest_problems cp JOIN problems p ON p.id = "
                                "cp.problem_id WHERE cp.contest_id = $1 AND (p.slug = $2 OR "
                                "cp.label = $2)",
                                2, p);
    } else {
        const char *p[] = {cid};

        err = db_pg_query_value(&val, pg, "SELECT 1 FROM contests WHERE id = $1", 1, p);
    }
    if (err == 0 && !val)
        err = GV_ENOTFOUND;
    gv_free(val);
    return err;
}

static int set_add_problem(struct db_plag_set *s, int64_t id, const char *slug, const char *label)
{
    struct db_plag_problem *v;

    if (s->nproblems && s->problems[s->nproblems - 1].id == id)
        return 0; /* rows come by problem */
    v = gv_realloc(s->problems, (s->nproblems + 1) * sizeof(*v));
    if (!v)
        return -ENOMEM;
    s->problems = v;
    v = &s->problems[s->nproblems++];
    v->id = id;
    snprintf(v->slug, sizeof(v->slug), "%s", slug);
    snprintf(v->label, sizeof(v->label), "%s", label);
    return 0;
}

/* Fingerprints the template code of the set's problems, every version's
 * (a submission may have been judged against an older one), each distinct
 * source once per problem. */
static int load_bases(struct db_plag_set *s, struct db_pg *pg)
{
    PGresult *res = NULL;
    struct gv_buf ids;
    int n, err;

    if (!s->nproblems)
        return 0;
    gv_buf_init(&ids, 64u << 10);
    err = gv_buf_append(&ids, "{", 1);
    for (size_t i = 0; i < s->nproblems && err == 0; i++)
        err = gv_buf_printf(&ids, "%s%" PRId64, i ? "," : "", s->problems[i].id);
    if (err == 0)
        err = gv_buf_append(&ids, "}", 1);
    if (err < 0) {
        gv_buf_release(&ids);
        return err;
    }
    {
        const char *p[] = {ids.data};

        err = db__pg_select(&res, pg, "plagiarism templates",
                            "SELECT DISTINCT ON (v.problem_id, t.source_blob) v.problem_id, "
                            "t.name, t.language::text, encode(t.source_blob, 'hex') FROM "
                            "problem_templates t JOIN problem_versions v ON v.id = "
                            "t.problem_version_id WHERE v.problem_id = ANY($1::bigint[]) ORDER "
                            "BY v.problem_id, t.source_blob, v.version DESC",
                            1, p);
    }
    gv_buf_release(&ids);
    if (err < 0)
        return err;
    n = PQntuples(res);
    if (n && !(s->bases = gv_calloc((size_t)n, sizeof(*s->bases)))) {
        err = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        struct db_plag_base *b = &s->bases[s->nbases];
        int64_t pid = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        enum plg_lang lang;
        void *src = NULL;
        size_t len = 0, g = 0;

        if (plg_lang_parse(&lang, PQgetvalue(res, i, 2)) < 0)
            continue;
        while (g < s->nproblems && s->problems[g].id != pid)
            g++;
        if (g == s->nproblems)
            continue;
        err = db_blob_get(&src, &len, pg, PQgetvalue(res, i, 3));
        if (err < 0) {
            gv_log(GV_LOG_WARN, "plag", "cannot read template '%s': %s", PQgetvalue(res, i, 1),
                   gv_strerror(err));
            goto out;
        }
        plg_doc_init(&b->doc);
        err = plg_doc_from_source(&b->doc, lang, src, len, DB_PLAG_K, DB_PLAG_W);
        gv_free(src);
        if (err < 0) {
            plg_doc_release(&b->doc);
            goto out;
        }
        b->group = (uint32_t)g;
        snprintf(b->name, sizeof(b->name), "%s", PQgetvalue(res, i, 1));
        s->nbases++;
    }
out:
    PQclear(res);
    return err;
}

int db_plag_load(struct db_plag_set *out, struct db_pg *pg, int64_t contest_id,
                 const char *problem)
{
    struct db_plag_set s = {0};
    PGresult *res = NULL;
    char cid[24];
    struct fmt f;
    int n, err;

    memset(out, 0, sizeof(*out));
    I64(cid, contest_id);
    fmt_init(&f);
    err = check_scope(pg, cid, problem);
    if (err < 0)
        return err;
    {
        const char *p[] = {cid, f.v, f.k, f.w, problem};

        /* The first accepted submission per author and problem: a user's
         * own later solutions are no evidence against anyone. */
        err = db__pg_select(
            &res, pg, "plagiarism load",
            "SELECT t.id, t.user_id, t.username, t.problem_id, t.slug, t.label, t.language, "
            "t.src, f.blob FROM (SELECT DISTINCT ON (s.user_id, s.problem_id) s.id, s.user_id, "
            "u.username, s.problem_id, p.slug, cp.label, cp.ordinal, s.language::text, "
            "encode(s.source_blob, 'hex') AS src FROM submissions s JOIN users u ON u.id = "
            "s.user_id JOIN problems p ON p.id = s.problem_id JOIN contest_problems cp ON "
            "cp.contest_id = s.contest_id AND cp.problem_id = s.problem_id WHERE s.contest_id = "
            "$1 AND s.verdict = 'AC' AND ($5::text IS NULL OR p.slug = $5 OR cp.label = $5) "
            "ORDER BY s.user_id, s.problem_id, s.id) t LEFT JOIN submission_fingerprints f ON "
            "f.submission_id = t.id AND f.format = $2::smallint AND f.k = $3::smallint AND f.w "
            "= $4::smallint ORDER BY t.ordinal, t.id",
            5, p);
    }
    if (err < 0)
        return err;
    n = PQntuples(res);
    if (n && !(s.subs = gv_calloc((size_t)n, sizeof(*s.subs)))) {
        err = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < n; i++) {
        struct db_plag_sub *d = &s.subs[s.nsubs];
        int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        unsigned char *blob;
        size_t blen = 0;

        err = set_add_problem(&s, strtoll(PQgetvalue(res, i, 3), NULL, 10),
                              PQgetvalue(res, i, 4), PQgetvalue(res, i, 5));
        if (err < 0)
            goto out;
        if (PQgetisnull(res, i, 8)) {
            s.nmissing++;
            continue;
        }
        blob = PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 8), &blen);
        if (!blob) {
            err = -ENOMEM;
            goto out;
        }
        plg_doc_init(&d->doc);
        err = plg_doc_decode(&d->doc, blob, blen);
        PQfreemem(blob);
        if (err == -ENOMEM)
            goto out;
        if (err < 0) {
            gv_log(GV_LOG_WARN, "plag", "stored fingerprints of submission %" PRId64
                                        " do not decode: %s (gavel plag backfill recomputes them)",
                   id, gv_strerror(err));
            s.nmissing++;
            err = 0;
            continue;
        }
        d->submission_id = id;
        d->user_id = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        d->group = (uint32_t)(s.nproblems - 1);
        snprintf(d->username, sizeof(d->username), "%s", PQgetvalue(res, i, 2));
        snprintf(d->language, sizeof(d->language), "%s", PQgetvalue(res, i, 6));
        snprintf(d->source_sha256, sizeof(d->source_sha256), "%s", PQgetvalue(res, i, 7));
        s.nsubs++;
    }
    err = load_bases(&s, pg);
    if (err < 0)
        goto out;
    *out = s;
    memset(&s, 0, sizeof(s));
out:
    PQclear(res);
    db_plag_set_release(&s);
    return err;
}

int db_plag_compare(struct plg_report *out, const struct db_plag_set *s, const struct plg_opts *o,
                    const struct plg_doc *bases, size_t nbases)
{
    struct plg_index *ix = NULL;
    int err;

    memset(out, 0, sizeof(*out));
    err = plg_index_new(&ix, o);
    for (size_t i = 0; i < nbases && err == 0; i++)
        err = plg_index_add_base(ix, &bases[i]);
    for (size_t i = 0; i < s->nbases && err == 0; i++)
        err = plg_index_add_group_base(ix, s->bases[i].group, &s->bases[i].doc);
    for (size_t i = 0; i < s->nsubs && err == 0; i++)
        err = plg_index_add(ix, s->subs[i].group, &s->subs[i].doc);
    if (err == 0)
        err = plg_index_compare(out, ix);
    plg_index_free(ix);
    return err;
}

/* ---- Review marks --------------------------------------------------------- */

void db_plag_marks_free(struct db_plag_mark *m, size_t n)
{
    for (size_t i = 0; m && i < n; i++)
        gv_free(m[i].note);
    gv_free(m);
}

int db_plag_marks_load(struct db_plag_mark **out, size_t *n, struct db_pg *pg,
                       int64_t contest_id)
{
    struct db_plag_mark *m = NULL;
    const char *p[1];
    PGresult *res = NULL;
    char cid[24];
    int rows, err;

    *out = NULL;
    *n = 0;
    I64(cid, contest_id);
    p[0] = cid;
    err = db__pg_select(&res, pg, "plagiarism marks",
                        "SELECT r.left_submission, r.right_submission, r.status, "
                        "coalesce(u.username, ''), " EPOCH_MS("r.reviewed_at") ", r.note FROM "
                        "plagiarism_reviews r LEFT JOIN users u ON u.id = r.reviewed_by WHERE "
                        "r.contest_id = $1 ORDER BY r.left_submission, r.right_submission",
                        1, p);
    if (err < 0)
        return err;
    rows = PQntuples(res);
    if (rows && !(m = gv_calloc((size_t)rows, sizeof(*m)))) {
        err = -ENOMEM;
        goto out;
    }
    for (int i = 0; i < rows; i++) {
        m[i].left = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        m[i].right = strtoll(PQgetvalue(res, i, 1), NULL, 10);
        snprintf(m[i].status, sizeof(m[i].status), "%s", PQgetvalue(res, i, 2));
        snprintf(m[i].by, sizeof(m[i].by), "%s", PQgetvalue(res, i, 3));
        m[i].at_ms = strtoll(PQgetvalue(res, i, 4), NULL, 10);
        if (!PQgetisnull(res, i, 5) && !(m[i].note = gv_strdup(PQgetvalue(res, i, 5)))) {
            err = -ENOMEM;
            goto out;
        }
    }
    *out = m;
    *n = (size_t)rows;
    m = NULL;
out:
    db_plag_marks_free(m, (size_t)rows);
    PQclear(res);
    return err;
}

const struct db_plag_mark *db_plag_mark_find(const struct db_plag_mark *m, size_t n, int64_t a,
                                             int64_t b)
{
    int64_t l = a < b ? a : b, r = a < b ? b : a;
    size_t lo = 0, hi = n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (m[mid].left < l || (m[mid].left == l && m[mid].right < r))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && m[lo].left == l && m[lo].right == r ? &m[lo] : NULL;
}

int db_plag_mark_set(struct db_pg *pg, int64_t contest_id, int64_t a, int64_t b,
                     const char *status, int64_t by, const char *note)
{
    char cid[24], l[24], r[24], who[24];
    int64_t affected = 0;
    int err;

    if (a == b || (status && strcmp(status, "cleared") && strcmp(status, "confirmed")))
        return GV_EINVAL;
    I64(cid, contest_id);
    I64(l, a < b ? a : b);
    I64(r, a < b ? b : a);
    I64(who, by);
    if (!status) {
        const char *p[] = {cid, l, r};

        err = db_pg_exec(NULL, pg,
                         "DELETE FROM plagiarism_reviews WHERE contest_id = $1 AND "
                         "left_submission = $2 AND right_submission = $3",
                         3, p);
        if (err < 0)
            return err;
        /* Removing an absent mark is fine, naming a pair that is none is not. */
        {
            char *val = NULL;

            err = db_pg_query_value(&val, pg,
                                    "SELECT 1 FROM submissions a JOIN submissions b ON "
                                    "b.problem_id = a.problem_id AND b.contest_id = a.contest_id "
                                    "WHERE a.id = $2 AND b.id = $3 AND a.contest_id = $1",
                                    3, p);
            if (err == 0 && !val)
                err = GV_ENOTFOUND;
            gv_free(val);
        }
        return err;
    }
    {
        const char *p[] = {cid, l, r, status, by > 0 ? who : NULL, note};

        err = db_pg_exec(&affected, pg,
                         "INSERT INTO plagiarism_reviews (contest_id, problem_id, "
                         "left_submission, right_submission, status, reviewed_by, note) SELECT "
                         "$1, a.problem_id, a.id, b.id, $4::plagiarism_status, $5::bigint, $6 "
                         "FROM submissions a JOIN submissions b ON b.problem_id = a.problem_id "
                         "AND b.contest_id = a.contest_id WHERE a.id = $2 AND b.id = $3 AND "
                         "a.contest_id = $1 ON CONFLICT (contest_id, left_submission, "
                         "right_submission) DO UPDATE SET status = EXCLUDED.status, reviewed_by "
                         "= EXCLUDED.reviewed_by, reviewed_at = now(), note = EXCLUDED.note",
                         6, p);
    }
    if (err == 0 && affected == 0)
        err = GV_ENOTFOUND;
    return err;
}
