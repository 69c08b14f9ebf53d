/* SPDX-License-Identifier: MIT
 * cmd_plag.c - `gavel plag`: similar sources among files and folders,
 * offline, as a JSON and a self-contained HTML report.
 *
 * Bad inputs never stop the run: every file that cannot take part (missing,
 * unreadable, binary, empty, of another language, too short) is named in a
 * warning and the rest are compared. Only having fewer than two files to
 * compare, a base file that cannot be used or a report that cannot be
 * written is a failure. */
#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_plag.h"
#include "cli_util.h"
#include "commands.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "gv_lang.h"
#include "gv_time.h"
#include "plg.h"
#include "banned.h"

#define WHO "gavel plag"
#define FILE_MAX (16u * 1024 * 1024) /* a source larger than this is not a solution */
#define FILES_MAX 200000u
#define DEPTH_MAX 32

#define USAGE                                                                                      \
    "usage: gavel plag --lang c|cpp|python|java [--base FILE]... [--group-by-dir]\n"            \
    "                  [--min-similarity X] [--json FILE] [--html FILE] PATH...\n"                 \
    "       gavel plag --contest ID|SLUG [--problem SLUG] ... (gavel plag --contest --help)\n"   \
    "       gavel plag backfill [--contest ID|SLUG]\n"                                           \
    "\n"                                                                                           \
    "Finds similar sources among PATHs: files, and folders searched recursively for\n"           \
    "files of the language (by extension). Every pair sharing code is compared.\n"              \
    "\n"                                                                                           \
    "  --lang L            the sources' language (c, cpp, python, java)\n"                      \
    "  --base FILE         template or base code: what it contains is not counted\n"            \
    "  --group-by-dir      each immediate subfolder of a PATH is a group (a problem);\n"        \
    "                      only files of the same group are compared\n"                        \
    "  --min-similarity X  report pairs from this similarity (0..1, default 0.1)\n"             \
    "  --max-pairs N       report the N strongest of them (and each cluster's strongest\n"     \
    "                      pairs); every pair is still scored (default 10000, 0 = all)\n"    \
    "  --json FILE         the JSON report ('-' for stdout)\n"                                   \
    "  --html FILE         the HTML report (self-contained; open it in a browser)\n"             \
    "tuning (docs/PLAGIARISM.md):\n"                                                             \
    "  -k N, -w N          k-gram length and winnowing window (default 8 and 8)\n"              \
    "  --max-common X      ignore code present in more than this fraction of a group's\n"       \
    "                      files (groups of 10 or more; default 1 = off)\n"                     \
    "  --cluster X         cluster pairs from this similarity (default 0.5)\n"                   \
    "\n"                                                                                           \
    "Warnings name each input left out (unreadable, binary, empty, another language,\n"         \
    "too short) and the rest are compared.\n"                                                    \
    "exit status: 0 reports written; 1 fewer than two files to compare, an unusable\n"          \
    "--base, or a report that cannot be written; 2 bad usage\n"

struct ctx {
    struct plag_set s;
    const struct gv_lang *gl;
    bool group_by_dir;
    size_t cap_files, cap_groups;
    size_t warnings;
};

static void warn(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void warn(struct ctx *c, const char *fmt, ...)
{
    va_list ap;

    c->warnings++;
    fprintf(stderr, WHO ": warning: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static bool has_ext(const struct gv_lang *gl, const char *path)
{
    const struct gv_lang *l = gv_lang_for_path(path);

    return l && !strcmp(l->id, gl->id);
}

static int group_id(uint32_t *out, struct ctx *c, const char *name)
{
    for (size_t i = 0; i < c->s.ngroups; i++) {
        if (!strcmp(c->s.groups[i], name)) {
            *out = (uint32_t)i;
            return 0;
        }
    }
    if (c->s.ngroups == c->cap_groups) {
        size_t cap = c->cap_groups ? c->cap_groups * 2 : 16;
        char **v = gv_realloc(c->s.groups, cap * sizeof(*v));

        if (!v)
            return -ENOMEM;
        c->s.groups = v;
        c->cap_groups = cap;
    }
    c->s.groups[c->s.ngroups] = gv_strdup(name);
    if (!c->s.groups[c->s.ngroups])
        return -ENOMEM;
    *out = (uint32_t)c->s.ngroups++;
    return 0;
}

static int add_file(struct ctx *c, const char *path, const char *group)
{
    struct plag_file *f;
    uint32_t g;
    int err = group_id(&g, c, group);

    if (err < 0)
        return err;
    if (c->s.nfiles >= FILES_MAX) {
        warn(c, "'%s': more than %u files, left out", path, FILES_MAX);
        return 0;
    }
    if (c->s.nfiles == c->cap_files) {
        size_t cap = c->cap_files ? c->cap_files * 2 : 64;
        struct plag_file *v = gv_realloc(c->s.files, cap * sizeof(*v));

        if (!v)
            return -ENOMEM;
        c->s.files = v;
        c->cap_files = cap;
    }
    f = &c->s.files[c->s.nfiles];
    memset(f, 0, sizeof(*f));
    f->path = gv_strdup(path);
    if (!f->path)
        return -ENOMEM;
    f->group = g;
    plg_doc_init(&f->doc);
    c->s.nfiles++;
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = gv_malloc(n);

    if (p)
        snprintf(p, n, "%s%s%s", dir, dir[0] && dir[strlen(dir) - 1] == '/' ? "" : "/", name);
    return p;
}

/* The sorted names in `dir` (hidden ones left out: .git and editors'
 * files are nobody's solution). */
static int list_dir(char ***out, size_t *n, struct ctx *c, const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char **v = NULL;
    size_t cap = 0;
    int err = 0;

    *n = 0;
    if (!d) {
        warn(c, "cannot read folder '%s': %s", dir, strerror(errno));
        return 0;
    }
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (*n == cap) {
            char **nv = gv_realloc(v, (cap = cap ? cap * 2 : 32) * sizeof(*v));

            if (!nv) {
                err = -ENOMEM;
                break;
            }
            v = nv;
        }
        if (!(v[*n] = gv_strdup(e->d_name))) {
            err = -ENOMEM;
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (v)
        qsort(v, *n, sizeof(*v), cmp_name);
    *out = v;
    return err;
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gv_free(v[i]);
    gv_free(v);
}

/* Files of the language under `dir`, recursively, into `group`. Symbolic
 * links to folders are not followed: a link cycle would never end. */
static int collect_dir(struct ctx *c, const char *dir, const char *group, int depth)
{
    char **names = NULL;
    size_t n = 0;
    int err = list_dir(&names, &n, c, dir);

    for (size_t i = 0; i < n && err == 0; i++) {
        char *p = join(dir, names[i]);
        struct stat st;

        if (!p) {
            err = -ENOMEM;
            break;
        }
        if (lstat(p, &st) < 0)
            warn(c, "cannot read '%s': %s", p, strerror(errno));
        else if (S_ISDIR(st.st_mode) && depth < DEPTH_MAX)
            err = collect_dir(c, p, group, depth + 1);
        else if (S_ISDIR(st.st_mode))
            warn(c, "'%s': deeper than %d folders, left out", p, DEPTH_MAX);
        else if ((S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)) && has_ext(c->gl, p))
            err = add_file(c, p, group);
        gv_free(p);
    }
    free_names(names, n);
    return err;
}

static int collect_arg(struct ctx *c, const char *path)
{
    struct stat st;
    char **names = NULL;
    size_t n = 0;
    int err;

    if (stat(path, &st) < 0) {
        warn(c, "cannot read '%s': %s", path, strerror(errno));
        return 0;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (!has_ext(c->gl, path)) {
            warn(c, "'%s' is not a %s source (by its extension), left out", path, c->gl->name);
            return 0;
        }
        if (c->group_by_dir) {
            /* A file named alone belongs to its folder's group. */
            const char *slash = strrchr(path, '/');
            char *g = slash ? gv_strndup(path, (size_t)(slash - path)) : gv_strdup(".");

            if (!g)
                return -ENOMEM;
            err = add_file(c, path, g);
            gv_free(g);
            return err;
        }
        return add_file(c, path, "");
    }
    if (!c->group_by_dir)
        return collect_dir(c, path, "", 0);
    err = list_dir(&names, &n, c, path);
    for (size_t i = 0; i < n && err == 0; i++) {
        char *p = join(path, names[i]);

        if (!p) {
            err = -ENOMEM;
            break;
        }
        if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
            err = collect_dir(c, p, p, 1);
        else if (stat(p, &st) == 0 && has_ext(c->gl, p))
            err = add_file(c, p, path); /* loose files: the folder's own group */
        gv_free(p);
    }
    free_names(names, n);
    return err;
}

/* Reads and fingerprints one file; false (after a warning) when it cannot
 * take part. */
static bool load_file(struct ctx *c, struct plag_file *f)
{
    struct gv_buf b;
    int err;

    gv_buf_init(&b, FILE_MAX);
    err = cli_read_file(&b, f->path);
    if (err < 0) {
        warn(c, "cannot read '%s': %s", f->path,
             err == GV_ETOOBIG ? "larger than 16 MiB" : gv_strerror(err));
        gv_buf_release(&b);
        return false;
    }
    if (b.len == 0) {
        warn(c, "'%s' is empty, left out", f->path);
        gv_buf_release(&b);
        return false;
    }
    if (memchr(b.data, '\0', b.len)) {
        warn(c, "'%s' is binary (it holds NUL bytes), left out", f->path);
        gv_buf_release(&b);
        return false;
    }
    f->src = gv_buf_detach(&b, &f->len);
    err = plg_doc_from_source(&f->doc, c->s.lang, f->src, f->len, c->s.k, c->s.w);
    if (err < 0) {
        warn(c, "cannot fingerprint '%s': %s", f->path, gv_strerror(err));
    } else if (f->doc.ntokens == 0) {
        warn(c, "'%s' has no code (only comments or blanks), left out", f->path);
    } else if (f->doc.nfp == 0) {
        warn(c, "'%s' is too short to compare (%u tokens, %u needed), left out", f->path,
             f->doc.ntokens, c->s.k);
    } else {
        return true;
    }
    gv_free(f->src);
    f->src = NULL;
    plg_doc_release(&f->doc);
    return false;
}

static int add_base(struct ctx *c, struct plg_index *ix, const char *path)
{
    struct gv_buf b;
    struct plg_doc d;
    int err;

    gv_buf_init(&b, FILE_MAX);
    plg_doc_init(&d);
    err = cli_read_file(&b, path);
    if (err == 0 && memchr(b.data, '\0', b.len))
        err = GV_EPARSE;
    if (err == 0)
        err = plg_doc_from_source(&d, c->s.lang, b.data, b.len, c->s.k, c->s.w);
    if (err == 0)
        err = plg_index_add_base(ix, &d);
    if (err < 0)
        fprintf(stderr, WHO ": cannot use base '%s': %s\n", path,
                err == GV_EPARSE ? "binary file" : gv_strerror(err));
    else if (!d.nfp)
        warn(c, "base '%s' is too short to exclude anything", path);
    plg_doc_release(&d);
    gv_buf_release(&b);
    return err;
}

static void ctx_release(struct ctx *c)
{
    for (size_t i = 0; i < c->s.nfiles; i++) {
        gv_free(c->s.files[i].path);
        gv_free(c->s.files[i].src);
        plg_doc_release(&c->s.files[i].doc);
    }
    gv_free(c->s.files);
    for (size_t i = 0; i < c->s.ngroups; i++)
        gv_free(c->s.groups[i]);
    gv_free(c->s.groups);
    gv_free(c->s.doc_file);
}

int cli_cmd_plag(int argc, char **argv)
{
    struct ctx c = {0};
    struct plg_opts o;
    struct plg_index *ix = NULL;
    struct plg_report r = {0};
    const char *lang = NULL, *json = NULL, *html = NULL, *bases[16];
    size_t nbases = 0, *per_group = NULL;
    double k = PLG_K_DEFAULT, w = PLG_W_DEFAULT, maxp = 0;
    int64_t t0 = gv_time_mono_ms();
    int first = 0, rc = CLI_EXIT_FAIL, err;
    bool quiet = false;

    if (argc > 1 && !strcmp(argv[1], "backfill"))
        return plag_cmd_backfill(argc, argv);
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
        if (!strcmp(argv[i], "--contest"))
            return plag_cmd_contest(argc, argv);
    plg_opts_default(&o);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;

        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            fputs(USAGE, stdout);
            return CLI_EXIT_OK;
        } else if (!strcmp(a, "--group-by-dir")) {
            c.group_by_dir = true;
            continue;
        } else if (a[0] != '-' || !strcmp(a, "--")) {
            first = i + (a[0] == '-');
            break;
        } else if (!v) {
            ok = false;
        } else if (!strcmp(a, "--lang")) {
            lang = v;
        } else if (!strcmp(a, "--json")) {
            json = v;
        } else if (!strcmp(a, "--html")) {
            html = v;
        } else if (!strcmp(a, "--base")) {
            ok = nbases < sizeof(bases) / sizeof(bases[0]);
            if (ok)
                bases[nbases++] = v;
        } else if (!strcmp(a, "--min-similarity")) {
            ok = plag_parse_double(&o.min_similarity, v, 0, 1);
        } else if (!strcmp(a, "--max-common")) {
            ok = plag_parse_double(&o.common_fraction, v, 0, 1);
        } else if (!strcmp(a, "--cluster")) {
            ok = plag_parse_double(&o.cluster_similarity, v, 0, 1);
        } else if (!strcmp(a, "--max-pairs")) {
            ok = plag_parse_double(&maxp, v, 0, 1e9) && maxp == (uint32_t)maxp;
            o.max_pairs = (size_t)maxp;
        } else if (!strcmp(a, "-k")) {
            ok = plag_parse_double(&k, v, 1, PLG_K_MAX) && k == (uint32_t)k;
        } else if (!strcmp(a, "-w")) {
            ok = plag_parse_double(&w, v, 1, PLG_W_MAX) && w == (uint32_t)w;
        } else {
            ok = false;
        }
        if (!ok) {
            fprintf(stderr, WHO ": bad option or value: %s%s%s\n%s", a, v ? " " : "",
                    v ? v : "", USAGE);
            return CLI_EXIT_USAGE;
        }
        i++;
    }
    if (!lang || plg_lang_parse(&c.s.lang, lang) < 0 || !(c.gl = gv_lang_find(lang))) {
        fprintf(stderr, WHO ": --lang must be one of c, cpp, python, java\n%s", USAGE);
        return CLI_EXIT_USAGE;
    }
    if (!json && !html) {
        fprintf(stderr, WHO ": nothing to write: give --json FILE and/or --html FILE\n");
        return CLI_EXIT_USAGE;
    }
    if (!first || first >= argc) {
        fprintf(stderr, WHO ": no PATH to compare\n%s", USAGE);
        return CLI_EXIT_USAGE;
    }
    c.s.k = (uint32_t)k;
    c.s.w = (uint32_t)w;

    err = plg_index_new(&ix, &o);
    if (err < 0)
        goto out;
    for (size_t i = 0; i < nbases; i++) {
        if (add_base(&c, ix, bases[i]) < 0) {
            quiet = true; /* add_base said why */
            goto out;
        }
    }
    for (int i = first; i < argc && err == 0; i++)
        err = collect_arg(&c, argv[i]);
    if (err == 0 && c.s.nfiles)
        err = (c.s.doc_file = gv_malloc(c.s.nfiles * sizeof(size_t))) ? 0 : -ENOMEM;
    if (err == 0 && c.s.ngroups)
        err = (per_group = gv_calloc(c.s.ngroups, sizeof(size_t))) ? 0 : -ENOMEM;
    for (size_t i = 0; i < c.s.nfiles && err == 0; i++) {
        struct plag_file *f = &c.s.files[i];

        if (!load_file(&c, f))
            continue;
        err = plg_index_add(ix, f->group, &f->doc);
        per_group[f->group]++;
        c.s.doc_file[c.s.ndocs++] = i;
    }
    if (err < 0)
        goto out;
    for (size_t g = 0; g < c.s.ngroups; g++)
        if (per_group[g] == 1)
            warn(&c, "group '%s' has a single file to compare: nothing to compare it with",
                 c.s.groups[g]);
    if (c.s.ndocs < 2) {
        fprintf(stderr, WHO ": %s\n",
                c.s.ndocs ? "only one file to compare: nothing to compare it with"
                          : "no file to compare");
        goto out;
    }
    err = plg_index_compare(&r, ix);
    if (err < 0)
        goto out;
    if ((json && plag_write_report(json, &c.s, &r, false) < 0) ||
        (html && plag_write_report(html, &c.s, &r, true) < 0)) {
        quiet = true; /* plag_write_report said why */
        goto out;
    }
    fprintf(stderr,
            WHO ": %zu files in %zu groups, %zu pairs from similarity %.2f (%zu reported), %zu "
            "clusters, %zu warnings (%lld ms)\n",
            c.s.ndocs, c.s.ngroups, r.npairs_found, o.min_similarity, r.npairs, r.nclusters,
            c.warnings, (long long)(gv_time_mono_ms() - t0));
    rc = CLI_EXIT_OK;
out:
    if (err < 0 && !quiet)
        fprintf(stderr, WHO ": %s\n", gv_strerror(err));
    plg_report_release(&r);
    plg_index_free(ix);
    gv_free(per_group);
    ctx_release(&c);
    return rc;
}
