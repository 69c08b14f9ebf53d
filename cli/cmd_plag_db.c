/* SPDX-License-Identifier: MIT
 * cmd_plag_db.c - `gavel plag backfill` and `gavel plag --contest`: the
 * fingerprints gavel-judge stores per accepted submission (db_plag.h).
 *
 * The comparison reads only the stored fingerprints; the HTML report also
 * needs the sources of the submissions that appear in a pair, which are
 * read from the blob store for those alone. Each problem's template code
 * (attachments/ and include/ of its package, stored at import) is left out
 * of that problem's pairs by db_plag_load; --base adds more, for all. */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_plag.h"
#include "cli_util.h"
#include "commands.h"
#include "db.h"
#include "db_contest_admin.h"
#include "db_plag.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "gv_lang.h"
#include "gv_time.h"
#include "banned.h"

#define WHO "gavel plag"
#define BASE_MAX (16u * 1024 * 1024)
#define BASES_MAX 16

#define USAGE_CONTEST                                                                              \
    "usage: gavel plag --contest ID|SLUG [--problem SLUG] [--min-similarity X]\n"                 \
    "                  [--base FILE]... [--json FILE] [--html FILE]\n"                             \
    "       gavel plag backfill [--contest ID|SLUG]\n"                                             \
    "\n"                                                                                           \
    "Compares the accepted submissions of a contest (the first accepted one per\n"               \
    "user and problem) within each problem, from the fingerprints gavel-judge stored.\n"          \
    "backfill computes the fingerprints that are missing (idempotent).\n"                         \
    "\n"                                                                                           \
    "  --problem SLUG      one problem (its slug or its label in the contest)\n"                  \
    "  --min-similarity X  report pairs from this similarity (0..1, default 0.1)\n"               \
    "  --base FILE         more template code (its language by its extension): not\n"           \
    "                      counted; each package's own template code is left out anyway\n"      \
    "  --json FILE         the JSON report ('-' for stdout)\n"                                     \
    "  --html FILE         the HTML report (self-contained; open it in a browser)\n"               \
    "  --max-common X, --cluster X, --max-pairs N   as for files (gavel plag --help)\n"          \
    "exit status: 0 reports written; 1 no such contest or problem, a store or file\n"             \
    "error; 2 bad usage\n"

static struct db_pg *connect_pg(void)
{
    struct db_pg *pg = NULL;
    char msg[512];

    if (db_pg_open(&pg, db_pg_url(), 10, msg, sizeof(msg)) < 0) {
        fprintf(stderr, WHO ": cannot connect to PostgreSQL: %s\n", msg);
        return NULL;
    }
    return pg;
}

static int resolve(int64_t *out, struct db_pg *pg, const char *contest)
{
    int err = db_contest_resolve(out, pg, contest);

    if (err == GV_ENOTFOUND)
        fprintf(stderr, WHO ": no contest '%s'\n", contest);
    else if (err < 0)
        fprintf(stderr, WHO ": cannot find contest '%s': %s\n", contest, gv_strerror(err));
    return err;
}

int plag_cmd_backfill(int argc, char **argv)
{
    const char *contest = NULL;
    struct db_pg *pg = NULL;
    int64_t cid = 0, t0 = gv_time_mono_ms();
    size_t done = 0, failed = 0;
    int rc = CLI_EXIT_FAIL, err;

    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--contest") && i + 1 < argc) {
            contest = argv[++i];
        } else {
            fprintf(stderr, WHO " backfill: bad option: %s\n%s", argv[i], USAGE_CONTEST);
            return CLI_EXIT_USAGE;
        }
    }
    if (!(pg = connect_pg()))
        return CLI_EXIT_FAIL;
    if (contest && resolve(&cid, pg, contest) < 0)
        goto out;
    err = db_plag_backfill(&done, &failed, pg, cid);
    if (err < 0) {
        fprintf(stderr, WHO " backfill: %s (%zu fingerprinted before)\n", gv_strerror(err), done);
        goto out;
    }
    printf("%zu accepted submissions fingerprinted, %zu failed (%lld ms)\n", done, failed,
           (long long)(gv_time_mono_ms() - t0));
    rc = failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
out:
    db_pg_close(pg);
    return rc;
}

/* Template code from a file, fingerprinted as stored ones are. */
static int load_base(struct plg_doc *out, const char *path)
{
    const struct gv_lang *gl = gv_lang_for_path(path);
    enum plg_lang lang;
    struct gv_buf b;
    int err;

    if (!gl || plg_lang_parse(&lang, gl->id) < 0) {
        fprintf(stderr, WHO ": base '%s': unknown language (by its extension)\n", path);
        return GV_EINVAL;
    }
    gv_buf_init(&b, BASE_MAX);
    err = cli_read_file(&b, path);
    if (err == 0)
        err = plg_doc_from_source(out, lang, b.data, b.len, DB_PLAG_K, DB_PLAG_W);
    if (err < 0)
        fprintf(stderr, WHO ": cannot use base '%s': %s\n", path, gv_strerror(err));
    gv_buf_release(&b);
    return err;
}

/* The report writers' view of a contest's set: a file per submission named
 * "user#id", a group per problem named by its slug. Sources only for the
 * HTML, and only of submissions that appear in a pair. */
static int build_view(struct plag_set *v, struct db_pg *pg, const struct db_plag_set *s,
                      const struct plg_report *r, bool sources)
{
    const char *lang = NULL;

    memset(v, 0, sizeof(*v));
    v->k = DB_PLAG_K;
    v->w = DB_PLAG_W;
    v->files = gv_calloc(s->nsubs + 1, sizeof(*v->files));
    v->doc_file = gv_calloc(s->nsubs + 1, sizeof(*v->doc_file));
    v->groups = gv_calloc(s->nproblems + 1, sizeof(*v->groups));
    if (!v->files || !v->doc_file || !v->groups)
        return -ENOMEM;
    for (size_t i = 0; i < s->nproblems; i++) {
        v->groups[i] = s->problems[i].slug;
        v->ngroups++;
    }
    for (size_t i = 0; i < s->nsubs; i++) {
        const struct db_plag_sub *d = &s->subs[i];
        struct plag_file *f = &v->files[i];
        size_t n = strlen(d->username) + 24;

        if (!(f->path = gv_malloc(n)))
            return -ENOMEM;
        snprintf(f->path, n, "%s#%" PRId64, d->username, d->submission_id);
        f->group = d->group;
        plg_doc_init(&f->doc);
        v->doc_file[i] = i;
        v->nfiles = v->ndocs = i + 1;
        lang = !lang || !strcmp(lang, d->language) ? d->language : "mixed";
    }
    v->lang_name = lang ? lang : "none";
    for (size_t i = 0; sources && i < r->npairs; i++) {
        uint32_t ends[2] = {r->pairs[i].left, r->pairs[i].right};

        for (int e = 0; e < 2; e++) {
            struct plag_file *f = &v->files[ends[e]];
            void *src = NULL;
            int err;

            if (f->src)
                continue;
            err = db_blob_get(&src, &f->len, pg, s->subs[ends[e]].source_sha256);
            if (err == -ENOMEM || err == GV_EUNAVAIL)
                return err;
            if (err < 0) {
                fprintf(stderr, WHO ": warning: the source of %s is unreadable: %s\n", f->path,
                        gv_strerror(err));
                src = gv_strdup("(source unreadable)");
                f->len = src ? strlen(src) : 0;
            }
            if (!(f->src = src))
                return -ENOMEM;
        }
    }
    return 0;
}

static void view_release(struct plag_set *v)
{
    for (size_t i = 0; v->files && i < v->nfiles; i++) {
        gv_free(v->files[i].path);
        gv_free(v->files[i].src);
    }
    gv_free(v->files);
    gv_free(v->doc_file);
    gv_free(v->groups); /* the names are the db_plag_set's */
}

int plag_cmd_contest(int argc, char **argv)
{
    const char *contest = NULL, *problem = NULL, *json = NULL, *html = NULL, *bases[BASES_MAX];
    struct plg_doc base_docs[BASES_MAX];
    struct db_plag_set s = {0};
    struct plag_set v = {0};
    struct plg_report r = {0};
    struct db_pg *pg = NULL;
    struct plg_opts o;
    size_t nbases = 0, nloaded = 0;
    double maxp = 0;
    int64_t cid = 0, t0 = gv_time_mono_ms();
    int rc = CLI_EXIT_FAIL, err = 0;

    plg_opts_default(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = val != NULL;

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(USAGE_CONTEST, stdout);
            return CLI_EXIT_OK;
        } else if (!ok) {
        } else if (!strcmp(a, "--contest")) {
            contest = val;
        } else if (!strcmp(a, "--problem")) {
            problem = val;
        } else if (!strcmp(a, "--json")) {
            json = val;
        } else if (!strcmp(a, "--html")) {
            html = val;
        } else if (!strcmp(a, "--base")) {
            ok = nbases < BASES_MAX;
            if (ok)
                bases[nbases++] = val;
        } else if (!strcmp(a, "--min-similarity")) {
            ok = plag_parse_double(&o.min_similarity, val, 0, 1);
        } else if (!strcmp(a, "--max-common")) {
            ok = plag_parse_double(&o.common_fraction, val, 0, 1);
        } else if (!strcmp(a, "--cluster")) {
            ok = plag_parse_double(&o.cluster_similarity, val, 0, 1);
        } else if (!strcmp(a, "--max-pairs")) {
            ok = plag_parse_double(&maxp, val, 0, 1e9) && maxp == (uint32_t)maxp;
            o.max_pairs = (size_t)maxp;
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, WHO ": bad option or value: %s%s%s\n%s", a, val ? " " : "",
                    val ? val : "", USAGE_CONTEST);
            return CLI_EXIT_USAGE;
        }
        i++;
    }
    if (!contest) {
        fprintf(stderr, WHO ": --contest needs a contest\n%s", USAGE_CONTEST);
        return CLI_EXIT_USAGE;
    }
    if (!json && !html) {
        fprintf(stderr, WHO ": nothing to write: give --json FILE and/or --html FILE\n");
        return CLI_EXIT_USAGE;
    }
    for (; nloaded < nbases; nloaded++) {
        plg_doc_init(&base_docs[nloaded]);
        if (load_base(&base_docs[nloaded], bases[nloaded]) < 0) {
            nloaded++;
            goto out;
        }
    }
    if (!(pg = connect_pg()) || resolve(&cid, pg, contest) < 0)
        goto out;
    err = db_plag_load(&s, pg, cid, problem);
    if (err == GV_ENOTFOUND) {
        fprintf(stderr, WHO ": contest '%s' has no problem '%s'\n", contest, problem);
        err = 0;
        goto out;
    }
    if (err == 0 && s.nmissing)
        fprintf(stderr,
                WHO ": warning: %zu accepted submissions have no fingerprints and are left out "
                    "(gavel plag backfill --contest %" PRId64 " computes them)\n",
                s.nmissing, cid);
    if (err == 0)
        err = db_plag_compare(&r, &s, &o, base_docs, nbases);
    if (err == 0)
        err = build_view(&v, pg, &s, &r, html != NULL);
    if (err < 0)
        goto out;
    if ((json && plag_write_report(json, &v, &r, false) < 0) ||
        (html && plag_write_report(html, &v, &r, true) < 0))
        goto out; /* plag_write_report said why */
    fprintf(stderr,
            WHO ": contest %" PRId64 ": %zu submissions in %zu problems, %zu pairs from "
                "similarity %.2f (%zu reported), %zu clusters (%lld ms)\n",
            cid, s.nsubs, s.nproblems, r.npairs_found, o.min_similarity, r.npairs, r.nclusters,
            (long long)(gv_time_mono_ms() - t0));
    rc = CLI_EXIT_OK;
out:
    if (err < 0)
        fprintf(stderr, WHO ": %s\n", gv_strerror(err));
    view_release(&v);
    plg_report_release(&r);
    db_plag_set_release(&s);
    for (size_t i = 0; i < nloaded; i++)
        plg_doc_release(&base_docs[i]);
    db_pg_close(pg);
    return rc;
}
