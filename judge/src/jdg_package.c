/* SPDX-License-Identifier: MIT
 * jdg_package.c - reads a problem package (the subset of the ICPC/Kattis
 * format described in docs/JUDGING.md) into a struct jdg_problem.
 *
 * A package comes from a jury, but an import runs on the server with the
 * server's rights, so the reader trusts none of it: every path is opened
 * one component at a time with O_NOFOLLOW (a symbolic link anywhere is
 * refused, never followed), every file read into memory has a ceiling, and
 * test files are not read at all, only their paths recorded. Every refusal
 * is GV_EPARSE with a message that starts with the offending path relative
 * to the package, so the jury can fix it without reading our code. */
#include "jdg_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "jdg.h"
#include "banned.h"

/* problem.yaml, testdata.yaml, the statement and the validator source. */
#define TEXT_MAX ((size_t)1 << 20)
/* struct jdg_test is 8 KiB of paths: 4096 tests is 35 MiB, and more than
 * any contest problem has. */
#define TESTS_MAX 4096
/* Directory levels below data/sample or data/secret; bounds the recursion. */
#define DEPTH_MAX 8
/* Entries of one directory, ignored files (.hint, .desc, images) included. */
#define DIR_ENTRIES_MAX 65536

#define TIME_MIN_S 0.05
#define TIME_MAX_S 60.0
#define MEMORY_MIN_MIB 16
#define MEMORY_MAX_MIB 4096
#define OUTPUT_MIN_MIB 1
#define OUTPUT_MAX_MIB 1024
#define MULTIPLIER_MAX 100.0
#define POINTS_MAX 1e9

struct pkg {
    struct jdg_problem *p;
    char dir[4096]; /* the package path as given, trailing slashes removed */
    int root;
    char *msg;
    size_t msg_len;
    size_t tests_cap;
    size_t groups_cap;
    /* limits as read; NAN when absent */
    double time_s, memory_mib, output_mib, multiplier;
    const char *time_from; /* which file set time_s */
};

struct ent {
    char *name;
    size_t keylen; /* the name without .in/.ans: what tests sort by */
    char kind;     /* 'd' directory, 'f' regular file, 'o' anything else */
};

static int fail(struct pkg *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct pkg *k, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(k->msg, k->msg_len, fmt, ap);
    va_end(ap);
    return GV_EPARSE;
}

/* A file-system error on the first `n` bytes of `rel`. */
static int fail_fs(struct pkg *k, const char *rel, size_t n, int err)
{
    int len = (int)(n < 4096 ? n : 4096);

    switch (err) {
    case -ENOMEM:
        fail(k, "%.*s: out of memory", len, rel);
        return -ENOMEM;
    case -ENOENT:
        return fail(k, "%.*s: missing", len, rel);
    case -ELOOP:
        return fail(k, "%.*s: is a symbolic link; links are refused in a package", len, rel);
    case -ENOTDIR: {
        /* O_DIRECTORY | O_NOFOLLOW on a link says ENOTDIR; tell the jury
         * which it is. Only the message depends on this lstat. */
        char path[4096];
        struct stat st;

        snprintf(path, sizeof(path), "%.*s", len, rel);
        if (fstatat(k->root, path, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
            return fail(k, "%s: is a symbolic link; links are refused in a package", path);
        return fail(k, "%s: is not a directory", path);
    }
    default:
        return fail(k, "%.*s: %s", len, rel, strerror(-err));
    }
}

/* dst = a/b, refused rather than cut. */
static int join(struct pkg *k, char *dst, size_t size, const char *a, const char *b)
{
    int r = snprintf(dst, size, "%s/%s", a, b);

    if (r < 0 || (size_t)r >= size)
        return fail(k, "%.200s/%.200s: path too long", a, b);
    return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n >= m && !memcmp(s + n - m, suffix, m);
}

/* What the Kattis format allows in file names. Test names end up in JSON,
 * the database and sandbox paths; nothing there has to quote them. */
static bool safe_name(const char *s)
{
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '.' || *s == '-'))
            return false;
    }
    return true;
}

/* Opens `rel` under the package root one component at a time, each with
 * O_NOFOLLOW, so a link anywhere on the way fails with ELOOP instead of
 * leading outside the package. On failure *bad is the length of the prefix
 * of `rel` that failed. */
static int open_rel(struct pkg *k, const char *rel, int flags, size_t *bad)
{
    char path[4096];
    size_t len = strlen(rel);
    char *comp;
    int fd = k->root;

    if (len >= sizeof(path)) {
        *bad = len;
        return -ENAMETOOLONG;
    }
    memcpy(path, rel, len + 1);
    comp = path;
    for (;;) {
        char *slash = strchr(comp, '/');
        int next, e;

        if (slash)
            *slash = '\0';
        next = openat(fd, comp, O_CLOEXEC | O_NOFOLLOW | (slash ? O_RDONLY | O_DIRECTORY : flags));
        e = errno;
        if (fd != k->root)
            close(fd);
        if (next < 0) {
            *bad = slash ? (size_t)(slash - path) : len;
            return -e;
        }
        if (!slash)
            return next;
        fd = next;
        comp = slash + 1;
    }
}

/* Reads `rel` (at most `max` bytes) into a NUL-terminated gv_malloc'd
 * buffer. Returns 1 when it does not exist, so callers can try the next
 * candidate; any other problem is an error with the message set. */
static int read_text(struct pkg *k, const char *rel, size_t max, char **out, size_t *out_len)
{
    struct stat st;
    size_t bad = 0, n = 0;
    char *buf = NULL;
    int fd, err = 0;

    *out = NULL;
    *out_len = 0;
    /* O_NONBLOCK: a FIFO planted in the package must not hang the import. */
    fd = open_rel(k, rel, O_RDONLY | O_NONBLOCK, &bad);
    if (fd == -ENOENT)
        return 1;
    if (fd < 0)
        return fail_fs(k, rel, bad, fd);
    if (fstat(fd, &st) < 0) {
        err = fail_fs(k, rel, strlen(rel), -errno);
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        err = fail(k, "%s: is not a regular file", rel);
        goto out;
    }
    if ((unsigned long long)st.st_size > max) {
        err = fail(k, "%s: larger than the limit of %zu KiB", rel, max / 1024);
        goto out;
    }
    buf = gv_malloc((size_t)st.st_size + 1);
    if (!buf) {
        err = fail_fs(k, rel, strlen(rel), -ENOMEM);
        goto out;
    }
    /* Stop at the size fstat saw: a file growing under us stays bounded. */
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            err = fail_fs(k, rel, strlen(rel), -errno);
            goto out;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    buf = NULL;
out:
    gv_free(buf);
    close(fd);
    return err;
}

static size_t key_len(const char *name)
{
    size_t n = strlen(name);

    if (ends_with(name, ".in"))
        return n - 3;
    if (ends_with(name, ".ans"))
        return n - 4;
    return n;
}

/* Kattis orders tests and groups by base name, so "1" < "1-a" < "2" even
 * though "1-a.in" < "1.in" bytewise; ties keep x, x.ans, x.in adjacent. */
static int ent_cmp(const void *x, const void *y)
{
    const struct ent *a = x, *b = y;
    size_t n = a->keylen < b->keylen ? a->keylen : b->keylen;
    int c = memcmp(a->name, b->name, n);

    if (c)
        return c;
    if (a->keylen != b->keylen)
        return a->keylen < b->keylen ? -1 : 1;
    return strcmp(a->name, b->name);
}

static void ents_free(struct ent *e, size_t n)
{
    for (size_t i = 0; i < n; i++)
        gv_free(e[i].name);
    gv_free(e);
}

/* Lists `rel` in test order, hidden entries left out. Returns 1 when the
 * directory does not exist. A symbolic link among the entries is refused
 * here, whether or not the caller would have used it. */
static int list_dir(struct pkg *k, const char *rel, struct ent **out, size_t *out_n)
{
    struct ent *e = NULL;
    size_t n = 0, cap = 0, bad = 0;
    struct dirent *de;
    DIR *d;
    int fd, err = 0;

    *out = NULL;
    *out_n = 0;
    fd = open_rel(k, rel, O_RDONLY | O_DIRECTORY, &bad);
    if (fd == -ENOENT)
        return 1;
    if (fd < 0)
        return fail_fs(k, rel, bad, fd);
    d = fdopendir(fd);
    if (!d) {
        err = fail_fs(k, rel, strlen(rel), -errno);
        close(fd);
        return err;
    }
    for (;;) {
        struct stat st;

        errno = 0;
        de = readdir(d);
        if (!de) {
            if (errno)
                err = fail_fs(k, rel, strlen(rel), -errno);
            break;
        }
        if (de->d_name[0] == '.')
            continue;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            err = fail(k, "%s/%s: %s", rel, de->d_name, strerror(errno));
            break;
        }
        if (S_ISLNK(st.st_mode)) {
            err = fail(k, "%s/%s: is a symbolic link; links are refused in a package", rel,
                       de->d_name);
            break;
        }
        if (n == DIR_ENTRIES_MAX) {
            err = fail(k, "%s: more than %d entries", rel, DIR_ENTRIES_MAX);
            break;
        }
        if (n == cap) {
            size_t ncap = cap ? 2 * cap : 32;
            struct ent *ne = gv_realloc(e, ncap * sizeof(*e));

            if (!ne) {
                err = fail_fs(k, rel, strlen(rel), -ENOMEM);
                break;
            }
            e = ne;
            cap = ncap;
        }
        e[n].name = gv_strdup(de->d_name);
        if (!e[n].name) {
            err = fail_fs(k, rel, strlen(rel), -ENOMEM);
            break;
        }
        e[n].keylen = key_len(de->d_name);
        e[n].kind = S_ISDIR(st.st_mode) ? 'd' : S_ISREG(st.st_mode) ? 'f' : 'o';
        n++;
    }
    closedir(d);
    if (err) {
        ents_free(e, n);
        return err;
    }
    if (n)
        qsort(e, n, sizeof(*e), ent_cmp);
    *out = e;
    *out_n = n;
    return 0;
}

/* --- YAML ---------------------------------------------------------------- */

/* Loads `rel` as one YAML document. Returns 1 when the file is absent. */
static int yaml_load(struct pkg *k, const char *rel, yaml_document_t *doc)
{
    yaml_parser_t parser;
    size_t len;
    char *text;
    int err;

    err = read_text(k, rel, TEXT_MAX, &text, &len);
    if (err)
        return err;
    if (!yaml_parser_initialize(&parser)) {
        gv_free(text);
        return fail_fs(k, rel, strlen(rel), -ENOMEM);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, doc)) {
        if (parser.error == YAML_MEMORY_ERROR)
            err = fail_fs(k, rel, strlen(rel), -ENOMEM);
        else
            err = fail(k, "%s: YAML syntax error at line %zu: %s%s%s", rel,
                       parser.problem_mark.line + 1, parser.problem ? parser.problem : "unknown",
                       parser.context ? " " : "", parser.context ? parser.context : "");
    }
    yaml_parser_delete(&parser);
    gv_free(text);
    return err;
}

/* "key:", "key: ~" and "key: null" mean the key is absent: the default. */
static bool is_null(yaml_node_t *n)
{
    const char *v;
    size_t len;

    if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    v = (const char *)n->data.scalar.value;
    len = n->data.scalar.length;
    return !len || (len == 1 && v[0] == '~') ||
           (len == 4 && (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4)));
}

static yaml_node_t *map_get(yaml_document_t *d, yaml_node_t *map, const char *key)
{
    size_t kl = strlen(key);

    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *pr = map->data.mapping.pairs.start; pr < map->data.mapping.pairs.top;
         pr++) {
        yaml_node_t *kn = yaml_document_get_node(d, pr->key);

        yaml_node_t *vn;

        if (!kn || kn->type != YAML_SCALAR_NODE || kn->data.scalar.length != kl ||
            memcmp(kn->data.scalar.value, key, kl))
            continue;
        vn = yaml_document_get_node(d, pr->value);
        return is_null(vn) ? NULL : vn;
    }
    return NULL;
}

/* The scalar as a C string (libyaml NUL-terminates them); NULL for
 * anything else, and for a scalar with a NUL inside ("\0" in quotes). */
static const char *scalar(yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return NULL;
    if (memchr(n->data.scalar.value, 0, n->data.scalar.length))
        return NULL;
    return (const char *)n->data.scalar.value;
}

static bool parse_double(const char *s, double *out)
{
    char *end;
    double v;

    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    /* strtod also takes hex, inf and nan; none is a meaningful limit. */
    if (!*s || strchr(s, 'x') || strchr(s, 'X'))
        return false;
    errno = 0;
    v = strtod(s, &end);
    while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
        end++;
    if (*end || errno || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static int number_at(struct pkg *k, yaml_document_t *d, yaml_node_t *map, const char *key,
                     const char *file, const char *what, double *out)
{
    yaml_node_t *n = map_get(d, map, key);
    const char *s;

    if (!n)
        return 0;
    s = scalar(n);
    if (!s || !parse_double(s, out))
        return fail(k, "%s: %s must be a number", file, what);
    return 0;
}

static int read_problem_yaml(struct pkg *k)
{
    struct jdg_problem *p = k->p;
    yaml_document_t doc;
    yaml_node_t *root, *n, *lim;
    const char *s;
    int err;

    err = yaml_load(k, "problem.yaml", &doc);
    if (err == 1)
        return fail(k, "problem.yaml: missing; every package needs one");
    if (err)
        return err;
    root = yaml_document_get_root_node(&doc);
    if (!root)
        goto out; /* an empty problem.yaml: every default */
    if (root->type != YAML_MAPPING_NODE) {
        err = fail(k, "problem.yaml: expected a mapping of keys at the top level");
        goto out;
    }

    n = map_get(&doc, root, "name");
    /* The 2023-07 format allows a name per language: take English, else
     * the first one. */
    if (n && n->type == YAML_MAPPING_NODE) {
        yaml_node_t *en = map_get(&doc, n, "en");

        if (!en && n->data.mapping.pairs.start < n->data.mapping.pairs.top)
            en = yaml_document_get_node(&doc, n->data.mapping.pairs.start->value);
        n = en;
    }
    if (n) {
        s = scalar(n);
        if (!s) {
            err = fail(k, "problem.yaml: name must be a string");
            goto out;
        }
        if (strlen(s) >= sizeof(p->name)) {
            err = fail(k, "problem.yaml: name is longer than %zu bytes", sizeof(p->name) - 1);
            goto out;
        }
        snprintf(p->name, sizeof(p->name), "%s", s);
    }

    if ((n = map_get(&doc, root, "type"))) {
        s = scalar(n);
        if (s && !strcmp(s, "pass-fail")) {
            p->scored = false;
        } else if (s && !strcmp(s, "scoring")) {
            p->scored = true;
        } else {
            err = fail(k, "problem.yaml: unknown type '%.40s' (pass-fail or scoring)",
                       s ? s : "(not a string)");
            goto out;
        }
    }

    lim = map_get(&doc, root, "limits");
    if (lim && lim->type != YAML_MAPPING_NODE) {
        err = fail(k, "problem.yaml: limits must be a mapping");
        goto out;
    }
    if ((err = number_at(k, &doc, lim, "time_limit", "problem.yaml", "limits.time_limit",
                         &k->time_s)) < 0 ||
        (err = number_at(k, &doc, lim, "memory", "problem.yaml", "limits.memory", &k->memory_mib)) <
            0 ||
        (err = number_at(k, &doc, lim, "output", "problem.yaml", "limits.output", &k->output_mib)) <
            0 ||
        (err = number_at(k, &doc, lim, "time_multiplier", "problem.yaml", "limits.time_multiplier",
                         &k->multiplier)) < 0)
        goto out;
    if (!isnan(k->time_s))
        k->time_from = "problem.yaml: limits.time_limit";

    if ((n = map_get(&doc, root, "validation"))) {
        s = scalar(n);
        if (s && !strcmp(s, "default")) {
            p->custom = false;
        } else if (s && !strcmp(s, "custom")) {
            p->custom = true;
        } else {
            /* "custom interactive" and "custom score" need a judge that
             * talks to the validator; refusing beats judging wrongly. */
            err = fail(k, "problem.yaml: validation '%.40s' is not supported (default or custom)",
                       s ? s : "(not a string)");
            goto out;
        }
    }

    if ((n = map_get(&doc, root, "validator_flags"))) {
        s = scalar(n);
        if (!s) {
            err = fail(k, "problem.yaml: validator_flags must be a string");
            goto out;
        }
        if (strlen(s) >= sizeof(p->validator_flags)) {
            err = fail(k, "problem.yaml: validator_flags is longer than %zu bytes",
                       sizeof(p->validator_flags) - 1);
            goto out;
        }
        snprintf(p->validator_flags, sizeof(p->validator_flags), "%s", s);
    }
out:
    yaml_document_delete(&doc);
    return err;
}

static int read_timelimit(struct pkg *k)
{
    size_t len;
    char *text;
    int err;

    if (!isnan(k->time_s))
        return 0; /* problem.yaml wins over the legacy file */
    err = read_text(k, ".timelimit", 4096, &text, &len);
    if (err == 1)
        return 0;
    if (err)
        return err;
    if (strlen(text) != len || !parse_double(text, &k->time_s))
        err = fail(k, ".timelimit: expected a number of seconds");
    else
        k->time_from = ".timelimit";
    gv_free(text);
    return err;
}

static bool integral(double v)
{
    return v == floor(v);
}

static int apply_limits(struct pkg *k)
{
    struct jdg_problem *p = k->p;

    if (!isnan(k->time_s)) {
        if (!(k->time_s >= TIME_MIN_S && k->time_s <= TIME_MAX_S))
            return fail(k, "%s: %g s is out of range (%g to %g s)", k->time_from, k->time_s,
                        TIME_MIN_S, TIME_MAX_S);
        p->time_limit_ms = llround(k->time_s * 1000);
    }
    if (!isnan(k->memory_mib)) {
        if (!integral(k->memory_mib) || k->memory_mib < MEMORY_MIN_MIB ||
            k->memory_mib > MEMORY_MAX_MIB)
            return fail(k, "problem.yaml: limits.memory %g MiB is out of range (%d to %d MiB)",
                        k->memory_mib, MEMORY_MIN_MIB, MEMORY_MAX_MIB);
        p->memory_limit_kb = (int64_t)k->memory_mib * 1024;
    }
    if (!isnan(k->output_mib)) {
        if (!integral(k->output_mib) || k->output_mib < OUTPUT_MIN_MIB ||
            k->output_mib > OUTPUT_MAX_MIB)
            return fail(k, "problem.yaml: limits.output %g MiB is out of range (%d to %d MiB)",
                        k->output_mib, OUTPUT_MIN_MIB, OUTPUT_MAX_MIB);
        p->output_limit_kb = (int64_t)k->output_mib * 1024;
    }
    if (!isnan(k->multiplier)) {
        if (!(k->multiplier > 0 && k->multiplier <= MULTIPLIER_MAX))
            return fail(k, "problem.yaml: limits.time_multiplier %g is out of range (0 to %g)",
                        k->multiplier, MULTIPLIER_MAX);
        p->time_multiplier = k->multiplier;
    }
    return 0;
}

/* --- Statement ----------------------------------------------------------- */

static int read_statement(struct pkg *k)
{
    static const char *const md[] = {"problem_statement/problem.en.md",
                                     "problem_statement/problem.md", "statement/problem.en.md",
                                     "statement/problem.md"};
    static const char *const tex[] = {"problem_statement/problem.en.tex",
                                      "problem_statement/problem.tex", "statement/problem.en.tex",
                                      "statement/problem.tex"};
    struct gv_buf b;
    size_t len;
    char *text;
    int err;

    for (size_t i = 0; i < sizeof(md) / sizeof(md[0]); i++) {
        err = read_text(k, md[i], TEXT_MAX, &text, &len);
        if (err == 1)
            continue;
        if (err)
            return err;
        k->p->statement_md = text;
        return 0;
    }
    for (size_t i = 0; i < sizeof(tex) / sizeof(tex[0]); i++) {
        err = read_text(k, tex[i], TEXT_MAX, &text, &len);
        if (err == 1)
            continue;
        if (err)
            return err;
        gv_buf_init(&b, 2 * TEXT_MAX);
        err = jdg__tex_to_md(&b, text, len);
        gv_free(text);
        if (err < 0) {
            gv_buf_release(&b);
            return err == -ENOMEM ? fail_fs(k, tex[i], strlen(tex[i]), err)
                                  : fail(k, "%s: too large once converted", tex[i]);
        }
        k->p->statement_md = gv_buf_detach(&b, &len);
        return 0;
    }
    k->p->statement_md = gv_strdup("");
    return k->p->statement_md ? 0 : fail_fs(k, "problem_statement", 17, -ENOMEM);
}

/* --- The custom validator ------------------------------------------------ */

/* The languages a custom validator may be written in. Java is not one:
 * jdg_judge keeps only a native validator's binary between judgings, so a
 * Java validator would be compiled again by every judging and start a JVM
 * on every test. */
static const char *const validator_langs[] = {"c", "cpp", "python"};

#define NVALIDATOR_LANGS (sizeof(validator_langs) / sizeof(validator_langs[0]))

const struct gv_lang *jdg__validator_lang(const char *file_name)
{
    const struct gv_lang *l = gv_lang_for_path(file_name);

    for (size_t i = 0; l && i < NVALIDATOR_LANGS; i++) {
        if (!strcmp(l->id, validator_langs[i]))
            return l;
    }
    return NULL;
}

/* For messages: the validator languages' names ("C, C++ or Python"), or
 * every file name ending they take. */
static void validator_choices(char *out, size_t len, bool endings)
{
    const char *items[NVALIDATOR_LANGS * GV_LANG_EXTS_MAX];
    size_t n = 0, used = 0;

    for (size_t i = 0; i < NVALIDATOR_LANGS; i++) {
        const struct gv_lang *l = gv_lang_find(validator_langs[i]);

        if (!endings) {
            items[n++] = l->name;
            continue;
        }
        for (size_t e = 0; e < GV_LANG_EXTS_MAX && l->exts[e]; e++)
            items[n++] = l->exts[e];
    }
    out[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++) {
        const char *sep = i == 0 ? "" : i + 1 == n ? " or " : ", ";

        used += (size_t)snprintf(out + used, len - used, "%s%s", sep, items[i]);
    }
}

/* Documentation beside the source is fine; anything else could be a part
 * of the program (a header, a build script) that we would silently drop. */
static bool is_doc(const char *name)
{
    return !strncmp(name, "README", 6) || ends_with(name, ".md") || ends_with(name, ".txt");
}

static int read_validator_file(struct pkg *k, const char *rel, const char *name)
{
    struct jdg_problem *p = k->p;
    char names[64], endings[128];
    size_t len;
    int err;

    if (strlen(name) >= sizeof(p->validator_name))
        return fail(k, "%s: file name longer than %zu bytes", rel, sizeof(p->validator_name) - 1);
    p->validator_lang = jdg__validator_lang(name);
    if (!p->validator_lang) {
        validator_choices(names, sizeof(names), false);
        validator_choices(endings, sizeof(endings), true);
        return fail(k, "%s: unknown validator language; a validator is %s (%s)", rel, names,
                    endings);
    }
    err = read_text(k, rel, TEXT_MAX, &p->validator_src, &len);
    if (err == 1)
        return fail(k, "%s: missing", rel);
    if (err)
        return err;
    p->validator_len = len;
    snprintf(p->validator_name, sizeof(p->validator_name), "%s", name);
    return 0;
}

/* `rel` is the validator program's directory: exactly one source in it.
 * Returns 1 when there is no such directory. */
static int read_validator_dir(struct pkg *k, const char *rel)
{
    struct ent *e = NULL;
    size_t n = 0, nsrc = 0, src = 0;
    char path[4096], choices[128];
    int err;

    err = list_dir(k, rel, &e, &n);
    if (err)
        return err;
    for (size_t i = 0; i < n; i++) {
        if (e[i].kind == 'd') {
            err = fail(k, "%s/%s: a validator must be a single source file, not a directory tree",
                       rel, e[i].name);
            goto out;
        }
        if (jdg__validator_lang(e[i].name)) {
            if (nsrc++)
                err = fail(k, "%s: more than one validator source (%s, %s); keep exactly one", rel,
                           e[src].name, e[i].name);
            src = i;
        } else if (!is_doc(e[i].name)) {
            validator_choices(choices, sizeof(choices), false);
            err = fail(k,
                       "%s/%s: not a %s source; a validator must be one self-contained "
                       "source file",
                       rel, e[i].name, choices);
        }
        if (err)
            goto out;
    }
    if (!nsrc) {
        validator_choices(choices, sizeof(choices), true);
        err = fail(k, "%s: no validator source (%s)", rel, choices);
        goto out;
    }
    if (e[src].kind != 'f') {
        err = fail(k, "%s/%s: is not a regular file", rel, e[src].name);
        goto out;
    }
    if ((err = join(k, path, sizeof(path), rel, e[src].name)) == 0)
        err = read_validator_file(k, path, e[src].name);
out:
    ents_free(e, n);
    return err;
}

static int read_validator(struct pkg *k)
{
    struct ent *e = NULL;
    size_t n = 0;
    char path[4096];
    int err;

    /* output_validators/ holds programs by name; one is all we judge with. */
    err = list_dir(k, "output_validators", &e, &n);
    if (err < 0)
        return err;
    if (err == 0 && n > 1) {
        err = fail(k, "output_validators: %zu validators (%s, %s, ...); Gavel runs exactly one", n,
                   e[0].name, e[1].name);
    } else if (err == 0 && n == 1) {
        /* A program may be a single file in place of a directory. */
        err = join(k, path, sizeof(path), "output_validators", e[0].name);
        if (!err)
            err = e[0].kind == 'd' ? read_validator_dir(k, path)
                                   : read_validator_file(k, path, e[0].name);
        if (err == 1)
            err = fail(k, "%s: vanished while being read", path);
    } else {
        /* The 2023-07 format: output_validator/ is the program itself. */
        err = read_validator_dir(k, "output_validator");
        if (err == 1)
            err = fail(k, "output_validators: validation is custom but the package has no "
                          "output validator");
    }
    ents_free(e, n);
    return err;
}

/* --- Tests --------------------------------------------------------------- */

static int add_test(struct pkg *k, const char *rel, const char *prefix, const char *base,
                    size_t baselen, bool sample, int group)
{
    struct jdg_problem *p = k->p;
    struct jdg_test *t;
    int len = (int)baselen, r1, r2, r3;

    if (p->ntests == TESTS_MAX)
        return fail(k, "%s/%.*s.in: more than %d tests in the package", rel, len, base, TESTS_MAX);
    if (p->ntests == k->tests_cap) {
        size_t ncap = k->tests_cap ? 2 * k->tests_cap : 16;
        struct jdg_test *nt = gv_realloc(p->tests, ncap * sizeof(*nt));

        if (!nt)
            return fail_fs(k, rel, strlen(rel), -ENOMEM);
        p->tests = nt;
        k->tests_cap = ncap;
    }
    t = &p->tests[p->ntests];
    memset(t, 0, sizeof(*t));
    r1 = snprintf(t->name, sizeof(t->name), "%s/%.*s", prefix, len, base);
    r2 = snprintf(t->in_path, sizeof(t->in_path), "%s/%s/%.*s.in", k->dir, rel, len, base);
    r3 = snprintf(t->ans_path, sizeof(t->ans_path), "%s/%s/%.*s.ans", k->dir, rel, len, base);
    if (r1 < 0 || (size_t)r1 >= sizeof(t->name))
        return fail(k, "%s/%.*s.in: test name longer than %zu bytes", rel, len, base,
                    sizeof(t->name) - 1);
    if (r2 < 0 || r3 < 0 || (size_t)r3 >= sizeof(t->ans_path))
        return fail(k, "%s/%.*s.ans: path too long", rel, len, base);
    t->is_sample = sample;
    t->group = group;
    p->ntests++;
    return 0;
}

/* A scored group's points from its testdata.yaml. */
static int group_points(struct pkg *k, const char *rel, double *points)
{
    char path[4096];
    yaml_document_t doc;
    yaml_node_t *root, *n;
    int err;

    if ((err = join(k, path, sizeof(path), rel, "testdata.yaml")) < 0)
        return err;
    err = yaml_load(k, path, &doc);
    if (err == 1)
        return fail(k, "%s: missing; each group of a scoring problem needs one with its score",
                    path);
    if (err)
        return err;
    root = yaml_document_get_root_node(&doc);
    n = map_get(&doc, root, "score");
    if (!n)
        n = map_get(&doc, root, "accept_score"); /* the legacy name */
    if (!n) {
        err = fail(k, "%s: no score for the group", path);
    } else if (!scalar(n) || !parse_double(scalar(n), points) || *points < 0 ||
               *points > POINTS_MAX) {
        err = fail(k, "%s: score must be a number from 0 to %g", path, POINTS_MAX);
    }
    yaml_document_delete(&doc);
    return err;
}

static int add_group(struct pkg *k, const char *rel, const char *name, int *index)
{
    struct jdg_problem *p = k->p;
    double points = 0;
    int err;

    if (strlen(name) >= sizeof(p->groups[0].name))
        return fail(k, "%s: group name longer than %zu bytes", rel, sizeof(p->groups[0].name) - 1);
    if ((err = group_points(k, rel, &points)) < 0)
        return err;
    if (p->ngroups == k->groups_cap) {
        size_t ncap = k->groups_cap ? 2 * k->groups_cap : 8;
        struct jdg_group *ng = gv_realloc(p->groups, ncap * sizeof(*ng));

        if (!ng)
            return fail_fs(k, rel, strlen(rel), -ENOMEM);
        p->groups = ng;
        k->groups_cap = ncap;
    }
    snprintf(p->groups[p->ngroups].name, sizeof(p->groups[0].name), "%s", name);
    p->groups[p->ngroups].points = points;
    *index = (int)p->ngroups++;
    return 0;
}

static bool pair_of(const struct ent *a, const struct ent *b, const char *b_ext)
{
    return a->keylen == b->keylen && !memcmp(a->name, b->name, a->keylen) &&
           ends_with(b->name, b_ext) && strlen(b->name) == b->keylen + strlen(b_ext);
}

/* Walks data/<prefix> in test order. Returns 1 if the directory is absent.
 * Direct subdirectories of data/secret are the groups of a scored problem. */
static int walk(struct pkg *k, const char *rel, const char *prefix, bool sample, int group,
                int depth)
{
    bool groups_here = k->p->scored && !sample && depth == 0;
    struct ent *e = NULL;
    size_t n = 0;
    int err;

    err = list_dir(k, rel, &e, &n);
    if (err)
        return err;
    for (size_t i = 0; i < n && !err; i++) {
        const char *name = e[i].name;
        bool in = ends_with(name, ".in"), ans = ends_with(name, ".ans");
        char crel[4096], cprefix[4096];

        if (e[i].kind == 'd') {
            size_t before = k->p->ntests;
            int g = group;

            if (in || ans) {
                err = fail(k, "%s/%s: is a directory, not a test file", rel, name);
                break;
            }
            if (!safe_name(name)) {
                err = fail(k, "%s/%s: names may use only letters, digits, '_', '.' and '-'", rel,
                           name);
                break;
            }
            if (depth + 1 > DEPTH_MAX) {
                err = fail(k, "%s/%s: test groups nested deeper than %d levels", rel, name,
                           DEPTH_MAX);
                break;
            }
            if ((err = join(k, crel, sizeof(crel), rel, name)) < 0 ||
                (err = join(k, cprefix, sizeof(cprefix), prefix, name)) < 0)
                break;
            if (groups_here && (err = add_group(k, crel, name, &g)) < 0)
                break;
            err = walk(k, crel, cprefix, sample, g, depth + 1);
            if (err == 1)
                err = fail(k, "%s: vanished while being read", crel);
            if (!err && groups_here && k->p->ntests == before)
                err = fail(k, "%s: the group has no tests", crel);
            continue;
        }
        if (!in && !ans)
            continue; /* testdata.yaml, .hint, .desc, illustrations */
        if (!safe_name(name)) {
            err = fail(k, "%s/%s: names may use only letters, digits, '_', '.' and '-'", rel, name);
        } else if (e[i].kind != 'f') {
            err = fail(k, "%s/%s: is not a regular file", rel, name);
        } else if (ans && !(i + 1 < n && pair_of(&e[i], &e[i + 1], ".in"))) {
            err = fail(k, "%s/%s: no matching %.*s.in", rel, name, (int)e[i].keylen, name);
        } else if (in && !(i > 0 && pair_of(&e[i], &e[i - 1], ".ans"))) {
            err = fail(k, "%s/%s: no matching %.*s.ans", rel, name, (int)e[i].keylen, name);
        } else if (in) {
            err = add_test(k, rel, prefix, name, e[i].keylen, sample, group);
        }
    }
    ents_free(e, n);
    return err;
}

static int read_tests(struct pkg *k)
{
    size_t nsample;
    int err;

    err = walk(k, "data/sample", "sample", true, -1, 0);
    if (err < 0)
        return err;
    nsample = k->p->ntests;
    err = walk(k, "data/secret", "secret", false, -1, 0);
    if (err == 1)
        return fail(k, "data/secret: missing; a package needs secret tests");
    if (err < 0)
        return err;
    if (k->p->ntests == nsample)
        return fail(k, "data/secret: no tests (no .in/.ans pairs)");
    if (k->p->scored && !k->p->ngroups)
        return fail(k, "data/secret: a scoring problem needs its tests in group directories "
                       "(data/secret/<group>/ with testdata.yaml)");
    return 0;
}

/* --- The package --------------------------------------------------------- */

static int set_slug(struct pkg *k, const char *dir)
{
    size_t len = strlen(dir);
    const char *base;

    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len >= sizeof(k->dir))
        return fail(k, "%.64s...: package path too long", dir);
    memcpy(k->dir, dir, len);
    k->dir[len] = '\0';
    base = strrchr(k->dir, '/');
    base = base ? base + 1 : k->dir;
    len = strlen(base);
    if (len < 1 || len >= sizeof(k->p->slug) ||
        !((base[0] >= 'a' && base[0] <= 'z') || (base[0] >= '0' && base[0] <= '9')))
        goto bad;
    for (const char *c = base; *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-'))
            goto bad;
    }
    memcpy(k->p->slug, base, len + 1); /* len < sizeof(slug), checked above */
    return 0;
bad:
    return fail(k,
                "%s: the directory name '%.64s' is not a valid problem slug (lowercase "
                "letters, digits and '-', starting with a letter or digit, at most %zu)",
                k->dir, base, sizeof(k->p->slug) - 1);
}

int jdg_package_load(struct jdg_problem *out, const char *dir, char *msg, size_t msg_len)
{
    char scratch[1];
    struct pkg k;
    int err;

    jdg_problem_init(out);
    memset(&k, 0, sizeof(k));
    k.p = out;
    k.root = -1;
    k.msg = msg && msg_len ? msg : scratch;
    k.msg_len = msg && msg_len ? msg_len : sizeof(scratch);
    k.msg[0] = '\0';
    k.time_s = k.memory_mib = k.output_mib = k.multiplier = NAN;

    if ((err = set_slug(&k, dir)) < 0)
        goto out;
    k.root = open(k.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (k.root < 0) {
        err = fail(&k, "%s: cannot open the package directory: %s", k.dir, strerror(errno));
        goto out;
    }
    if ((err = read_problem_yaml(&k)) < 0 || (err = read_timelimit(&k)) < 0 ||
        (err = apply_limits(&k)) < 0)
        goto out;
    if (!out->custom) {
        char why[200];

        if (jdg_check_flags_parse(&out->flags, out->validator_flags, why, sizeof(why)) < 0) {
            err = fail(&k, "problem.yaml: validator_flags: %s", why);
            goto out;
        }
    }
    if (!out->name[0])
        snprintf(out->name, sizeof(out->name), "%s", out->slug);
    if ((err = read_statement(&k)) < 0)
        goto out;
    if (out->custom && (err = read_validator(&k)) < 0)
        goto out;
    err = read_tests(&k);
out:
    if (k.root >= 0)
        close(k.root);
    if (err < 0)
        jdg_problem_release(out);
    return err;
}
