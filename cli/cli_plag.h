/* SPDX-License-Identifier: MIT
 * cli_plag.h - what `gavel plag` (cmd_plag.c) hands its report writers
 * (plag_report.c): the files compared and the module's report. */
#ifndef GAVEL_CLI_PLAG_H
#define GAVEL_CLI_PLAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>

#include "plg.h"

struct plag_file {
    char *path;      /* as found: the argument, or joined under it */
    uint32_t group;  /* index in plag_set.groups */
    char *src;       /* the bytes read; NULL once skipped */
    size_t len;
    struct plg_doc doc;
};

struct plag_set {
    enum plg_lang lang;
    const char *lang_name; /* what the reports call the language; NULL: lang's id */
    uint32_t k, w;
    struct plag_file *files;
    size_t nfiles;
    char **groups; /* names: "" when not grouping */
    size_t ngroups;
    /* Document id (plg_index_add order) -> index in files. */
    size_t *doc_file;
    size_t ndocs;
};

/* `gavel plag backfill` and `gavel plag --contest` (cmd_plag_db.c): over
 * the fingerprints stored in PostgreSQL. argv[0] is "plag". */
int plag_cmd_backfill(int argc, char **argv);
int plag_cmd_contest(int argc, char **argv);

/* The JSON report: {pairs:[...], clusters:[...]} and what was compared.
 * 0, or -errno / -ENOMEM. */
int plag_write_json(FILE *f, const struct plag_set *s, const struct plg_report *r);

/* The self-contained HTML report (no network at view time). */
int plag_write_html(FILE *f, const struct plag_set *s, const struct plg_report *r);

/* The report, HTML or JSON, into `path` ("-": stdout); a failure is said on
 * stderr, naming the file. 0 or -errno. */
int plag_write_report(const char *path, const struct plag_set *s, const struct plg_report *r,
                      bool html);

/* A number in [lo, hi] from an option's value; false when it is not one. */
bool plag_parse_double(double *out, const char *s, double lo, double hi);

#endif
