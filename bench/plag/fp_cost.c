/* SPDX-License-Identifier: MIT
 * fp_cost.c - what fingerprinting one accepted source costs gavel-judge,
 * step by step: tokenize, winnow (plg_doc_build), encode (varints + zstd),
 * and, with --pg, the row's upsert (db_plag_fp_store) against a test
 * database (GAVEL_PG_URL, migrated), into a scratch copy of the table.
 *
 * usage: plag_fp_cost [--pg] FILE LANG [RUNS]   (default 2000 runs)
 * Prints p50 and p99 per step in microseconds. bench/plag/run.sh fpcost
 * runs it on a 200-line C++ file; docs/PLAGIARISM.md has the figures. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "db.h"
#include "db_plag.h"
#include "gv_alloc.h"
#include "plg.h"
#include "banned.h"

static double now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void row(const char *what, double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    printf("| %s | %.1f | %.1f |\n", what, v[n / 2], v[n * 99 / 100]);
}

static char *slurp(size_t *len, const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        *len = (size_t)n;
        buf[n] = '\0';
    } else {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    return buf;
}

int main(int argc, char **argv)
{
    enum { STEPS = 6 };
    static const char *const names[STEPS] = {
        "tokenize", "winnow", "encode (zstd)", "in-process total", "upsert (PostgreSQL)",
        "for scale: SELECT 1 on the same connection"};
    bool pg_on = argc > 1 && !strcmp(argv[1], "--pg");
    int a = pg_on ? 2 : 1, runs, rc = 1;
    double *t[STEPS] = {0};
    struct db_pg *pg = NULL;
    enum plg_lang lang;
    size_t len = 0, lines = 0, blob_len = 0, nfp = 0;
    uint32_t ntokens = 0;
    char *src, err_buf[256];

    if (argc < a + 2 || plg_lang_parse(&lang, argv[a + 1]) < 0) {
        fprintf(stderr, "usage: plag_fp_cost [--pg] FILE c|cpp|python|java [RUNS]\n");
        return 2;
    }
    runs = argc > a + 2 ? (int)strtol(argv[a + 2], NULL, 10) : 2000;
    if (runs < 10)
        runs = 10;
    src = slurp(&len, argv[a]);
    if (!src) {
        fprintf(stderr, "plag_fp_cost: cannot read '%s': %s\n", argv[a], strerror(errno));
        return 1;
    }
    for (size_t i = 0; i < len; i++)
        lines += src[i] == '\n';
    for (int s = 0; s < STEPS; s++)
        if (!(t[s] = calloc((size_t)runs, sizeof(double))))
            goto out;
    if (pg_on) {
        if (db_pg_open(&pg, db_pg_url(), 5, err_buf, sizeof(err_buf)) < 0) {
            fprintf(stderr, "plag_fp_cost: %s\n", err_buf);
            goto out;
        }
        /* The very statement of db_plag_fp_store, into a table shaped like
         * the real one (its primary key, so each upsert conflicts as a
         * recomputed row does) but without the foreign key that would need
         * a submission: found first through search_path. Not a temporary
         * table: those skip the WAL. Dropped at the end. */
        if (db_pg_exec_script(pg, "DROP SCHEMA IF EXISTS plag_fp_cost CASCADE; "
                                  "CREATE SCHEMA plag_fp_cost; "
                                  "CREATE TABLE plag_fp_cost.submission_fingerprints (LIKE "
                                  "public.submission_fingerprints INCLUDING ALL); "
                                  "SET search_path = plag_fp_cost, public") < 0) {
            fprintf(stderr, "plag_fp_cost: %s\n", db_pg_last_error(pg));
            goto out;
        }
    }
    for (int r = 0; r < runs; r++) {
        struct plg_tokens tok;
        struct plg_doc d;
        struct db_plag_fp fp = {0};
        double t0, t1, t2, t3, t4, t5;
        int err;

        plg_tokens_init(&tok);
        plg_doc_init(&d);
        t0 = now_us();
        err = plg_tokenize(&tok, lang, src, len);
        t1 = now_us();
        if (err == 0)
            err = plg_doc_build(&d, &tok, PLG_K_DEFAULT, PLG_W_DEFAULT);
        t2 = now_us();
        if (err == 0)
            err = plg_doc_encode(&fp.blob, &fp.blob_len, &d);
        t3 = now_us();
        snprintf(fp.language, sizeof(fp.language), "%s", plg_lang_id(lang));
        fp.ntokens = d.ntokens;
        fp.nfp = d.nfp;
        ntokens = d.ntokens;
        nfp = d.nfp;
        blob_len = fp.blob_len;
        if (err == 0 && pg)
            err = db_plag_fp_store(pg, 1, &fp);
        t4 = now_us();
        if (err == 0 && pg)
            err = db_pg_exec(NULL, pg, "SELECT 1", 0, NULL);
        t5 = now_us();
        plg_tokens_release(&tok);
        plg_doc_release(&d);
        db_plag_fp_release(&fp);
        if (err < 0) {
            fprintf(stderr, "plag_fp_cost: run %d failed: %d %s\n", r, err,
                    pg ? db_pg_last_error(pg) : "");
            goto out;
        }
        t[0][r] = t1 - t0;
        t[1][r] = t2 - t1;
        t[2][r] = t3 - t2;
        t[3][r] = t3 - t0;
        t[4][r] = t4 - t3;
        t[5][r] = t5 - t4;
    }
    printf("%s: %zu lines, %zu bytes, %u tokens, %zu fingerprints, blob %zu bytes, %d runs\n\n",
           argv[a], lines, len, ntokens, nfp, blob_len, runs);
    printf("| step | p50 (us) | p99 (us) |\n|---|---|---|\n");
    for (int s = 0; s < (pg ? STEPS : STEPS - 2); s++)
        row(names[s], t[s], runs);
    rc = 0;
out:
    if (pg)
        (void)db_pg_exec_script(pg, "DROP SCHEMA IF EXISTS plag_fp_cost CASCADE");
    db_pg_close(pg);
    for (int s = 0; s < STEPS; s++)
        free(t[s]);
    free(src);
    return rc;
}
