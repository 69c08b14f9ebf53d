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
 * to the package, so the jury can fix it without reading our code.
 *
 * This file holds the walk (jdg_package_load), problem.yaml and the
 * limits, the statement and the custom validator; the file access that
 * enforces the rules above is jdg_package_fs.c, the tests and groups under
 * data/ are jdg_package_tests.c. */
#include "jdg_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yaml.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "jdg.h"
#include "banned.h"

/* problem.yaml, testdata.yaml, the statement and the validator source. */
#define TEXT_MAX ((size_t)1 << 20)

#define TIME_MIN_S 0.05
#define TIME_MAX_S 60.0
#define MEMORY_MIN_MIB 16
#define MEMORY_MAX_MIB 4096
#define OUTPUT_MIN_MIB 1
#define OUTPUT_MAX_MIB 1024
#define MULTIPLIER_MAX 100.0

/* --- YAML ---------------------------------------------------------------- */

int jdg__pkg_yaml_load(struct jdg__pkg *k, const char *rel, yaml_document_t *doc)
{
    yaml_parser_t parser;
    size_t len;
    char *text;
    int err;

    err = jdg__pkg_read_text(k, rel, TEXT_MAX, &text, &len);
    if (err)
        return err;
    if (!yaml_parser_initialize(&parser)) {
        gv_free(text);
        return jdg__pkg_fail_fs(k, rel, strlen(rel), -ENOMEM);
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, doc)) {
        if (parser.error == YAML_MEMORY_ERROR)
            err = jdg__pkg_fail_fs(k, rel, strlen(rel), -ENOMEM);
        else
            err = jdg__pkg_fail(k, "%s: YAML syntax error at line %zu: %s%s%s", rel,
                                parser.problem_mark.line + 1,
                                parser.problem ? parser.problem : "unknown",
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

yaml_node_t *jdg__yaml_get(yaml_document_t *d, yaml_node_t *map, const char *key)
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

const char *jdg__yaml_scalar(yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return NULL;
    if (memchr(n->data.scalar.value, 0, n->data.scalar.length))
        return NULL;
    return (const char *)n->data.scalar.value;
}

bool jdg__parse_double(const char *s, double *out)
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

static int number_at(struct jdg__pkg *k, yaml_document_t *d, yaml_node_t *map, const char *key,
                     const char *file, const char *what, double *out)
{
    yaml_node_t *n = jdg__yaml_get(d, map, key);
    const char *s;

    if (!n)
        return 0;
    s = jdg__yaml_scalar(n);
    if (!s || !jdg__parse_double(s, out))
        return jdg__pkg_fail(k, "%s: %s must be a number", file, what);
    return 0;
}

static int read_problem_yaml(struct jdg__pkg *k)
{
    struct jdg_problem *p = k->p;
    yaml_document_t doc;
    yaml_node_t *root, *n, *lim;
    const char *s;
    int err;

    err = jdg__pkg_yaml_load(k, "problem.yaml", &doc);
    if (err == 1)
        return jdg__pkg_fail(k, "problem.yaml: missing; every package needs one");
    if (err)
        return err;
    root = yaml_document_get_root_node(&doc);
    if (!root)
        goto out; /* an empty problem.yaml: every default */
    if (root->type != YAML_MAPPING_NODE) {
        err = jdg__pkg_fail(k, "problem.yaml: expected a mapping of keys at the top level");
        goto out;
    }

    n = jdg__yaml_get(&doc, root, "name");
    /* The 2023-07 format allows a name per language: take English, else
     * the first one. */
    if (n && n->type == YAML_MAPPING_NODE) {
        yaml_node_t *en = jdg__yaml_get(&doc, n, "en");

        if (!en && n->data.mapping.pairs.start < n->data.mapping.pairs.top)
            en = yaml_document_get_node(&doc, n->data.mapping.pairs.start->value);
        n = en;
    }
    if (n) {
        s = jdg__yaml_scalar(n);
        if (!s) {
            err = jdg__pkg_fail(k, "problem.yaml: name must be a string");
            goto out;
        }
        if (strlen(s) >= sizeof(p->name)) {
            err = jdg__pkg_fail(k, "problem.yaml: name is longer than %zu bytes",
                                sizeof(p->name) - 1);
            goto out;
        }
        snprintf(p->name, sizeof(p->name), "%s", s);
    }

    if ((n = jdg__yaml_get(&doc, root, "type"))) {
        s = jdg__yaml_scalar(n);
        if (s && !strcmp(s, "pass-fail")) {
            p->scored = false;
        } else if (s && !strcmp(s, "scoring")) {
            p->scored = true;
        } else {
            err = jdg__pkg_fail(k, "problem.yaml: unknown type '%.40s' (pass-fail or scoring)",
                                s ? s : "(not a string)");
            goto out;
        }
    }

    lim = jdg__yaml_get(&doc, root, "limits");
    if (lim && lim->type != YAML_MAPPING_NODE) {
        err = jdg__pkg_fail(k, "problem.yaml: limits must be a mapping");
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

    if ((n = jdg__yaml_get(&doc, root, "validation"))) {
        s = jdg__yaml_scalar(n);
        if (s && !strcmp(s, "default")) {
            p->custom = false;
        } else if (s && !strcmp(s, "custom")) {
            p->custom = true;
        } else {
            /* "custom interactive" and "custom score" need a judge that
             * talks to the validator; refusing beats judging wrongly. */
            err = jdg__pkg_fail(
                k, "problem.yaml: validation '%.40s' is not supported (default or custom)",
                s ? s : "(not a string)");
            goto out;
        }
    }

    if ((n = jdg__yaml_get(&doc, root, "validator_flags"))) {
        s = jdg__yaml_scalar(n);
        if (!s) {
            err = jdg__pkg_fail(k, "problem.yaml: validator_flags must be a string");
            goto out;
        }
        if (strlen(s) >= sizeof(p->validator_flags)) {
            err = jdg__pkg_fail(k, "problem.yaml: validator_flags is longer than %zu bytes",
                                sizeof(p->validator_flags) - 1);
            goto out;
        }
        snprintf(p->validator_flags, sizeof(p->validator_flags), "%s", s);
    }
out:
    yaml_document_delete(&doc);
    return err;
}

static int read_timelimit(struct jdg__pkg *k)
{
    size_t len;
    char *text;
    int err;

    if (!isnan(k->time_s))
        return 0; /* problem.yaml wins over the legacy file */
    err = jdg__pkg_read_text(k, ".timelimit", 4096, &text, &len);
    if (err == 1)
        return 0;
    if (err)
        return err;
    if (strlen(text) != len || !jdg__parse_double(text, &k->time_s))
        err = jdg__pkg_fail(k, ".timelimit: expected a number of seconds");
    else
        k->time_from = ".timelimit";
    gv_free(text);
    return err;
}

static bool integral(double v)
{
    return v == floor(v);
}

static int apply_limits(struct jdg__pkg *k)
{
    struct jdg_problem *p = k->p;

    if (!isnan(k->time_s)) {
        if (!(k->time_s >= TIME_MIN_S && k->time_s <= TIME_MAX_S))
            return jdg__pkg_fail(k, "%s: %g s is out of range (%g to %g s)", k->time_from,
                                 k->time_s, TIME_MIN_S, TIME_MAX_S);
        p->time_limit_ms = llround(k->time_s * 1000);
    }
    if (!isnan(k->memory_mib)) {
        if (!integral(k->memory_mib) || k->memory_mib < MEMORY_MIN_MIB ||
            k->memory_mib > MEMORY_MAX_MIB)
            return jdg__pkg_fail(
                k, "problem.yaml: limits.memory %g MiB is out of range (%d to %d MiB)",
                k->memory_mib, MEMORY_MIN_MIB, MEMORY_MAX_MIB);
        p->memory_limit_kb = (int64_t)k->memory_mib * 1024;
    }
    if (!isnan(k->output_mib)) {
        if (!integral(k->output_mib) || k->output_mib < OUTPUT_MIN_MIB ||
            k->output_mib > OUTPUT_MAX_MIB)
            return jdg__pkg_fail(
                k, "problem.yaml: limits.output %g MiB is out of range (%d to %d MiB)",
                k->output_mib, OUTPUT_MIN_MIB, OUTPUT_MAX_MIB);
        p->output_limit_kb = (int64_t)k->output_mib * 1024;
    }
    if (!isnan(k->multiplier)) {
        if (!(k->multiplier > 0 && k->multiplier <= MULTIPLIER_MAX))
            return jdg__pkg_fail(
                k, "problem.yaml: limits.time_multiplier %g is out of range (0 to %g)",
                k->multiplier, MULTIPLIER_MAX);
        p->time_multiplier = k->multiplier;
    }
    return 0;
}

/* --- Statement ----------------------------------------------------------- */

static int read_statement(struct jdg__pkg *k)
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
        err = jdg__pkg_read_text(k, md[i], TEXT_MAX, &text, &len);
        if (err == 1)
            continue;
        if (err)
            return err;
        k->p->statement_md = text;
        return 0;
    }
    for (size_t i = 0; i < sizeof(tex) / sizeof(tex[0]); i++) {
        err = jdg__pkg_read_text(k, tex[i], TEXT_MAX, &text, &len);
        if (err == 1)
            continue;
        if (err)
            return err;
        gv_buf_init(&b, 2 * TEXT_MAX);
        err = jdg__tex_to_md(&b, text, len);
        gv_free(text);
        if (err < 0) {
            gv_buf_release(&b);
            return err == -ENOMEM ? jdg__pkg_fail_fs(k, tex[i], strlen(tex[i]), err)
                                  : jdg__pkg_fail(k, "%s: too large once converted", tex[i]);
        }
        k->p->statement_md = gv_buf_detach(&b, &len);
        return 0;
    }
    k->p->statement_md = gv_strdup("");
    return k->p->statement_md ? 0 : jdg__pkg_fail_fs(k, "problem_statement", 17, -ENOMEM);
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
    return !strncmp(name, "README", 6) || jdg__ends_with(name, ".md") ||
           jdg__ends_with(name, ".txt");
}

static int read_validator_file(struct jdg__pkg *k, const char *rel, const char *name)
{
    struct jdg_problem *p = k->p;
    char names[64], endings[128];
    size_t len;
    int err;

    if (strlen(name) >= sizeof(p->validator_name))
        return jdg__pkg_fail(k, "%s: file name longer than %zu bytes", rel,
                             sizeof(p->validator_name) - 1);
    p->validator_lang = jdg__validator_lang(name);
    if (!p->validator_lang) {
        validator_choices(names, sizeof(names), false);
        validator_choices(endings, sizeof(endings), true);
        return jdg__pkg_fail(k, "%s: unknown validator language; a validator is %s (%s)", rel,
                             names, endings);
    }
    err = jdg__pkg_read_text(k, rel, TEXT_MAX, &p->validator_src, &len);
    if (err == 1)
        return jdg__pkg_fail(k, "%s: missing", rel);
    if (err)
        return err;
    p->validator_len = len;
    snprintf(p->validator_name, sizeof(p->validator_name), "%s", name);
    return 0;
}

/* `rel` is the validator program's directory: exactly one source in it.
 * Returns 1 when there is no such directory. */
static int read_validator_dir(struct jdg__pkg *k, const char *rel)
{
    struct jdg__ent *e = NULL;
    size_t n = 0, nsrc = 0, src = 0;
    char path[4096], choices[128];
    int err;

    err = jdg__pkg_list_dir(k, rel, &e, &n);
    if (err)
        return err;
    for (size_t i = 0; i < n; i++) {
        if (e[i].kind == 'd') {
            err = jdg__pkg_fail(
                k, "%s/%s: a validator must be a single source file, not a directory tree", rel,
                e[i].name);
            goto out;
        }
        if (jdg__validator_lang(e[i].name)) {
            if (nsrc++)
                err = jdg__pkg_fail(k,
                                    "%s: more than one validator source (%s, %s); keep exactly one",
                                    rel, e[src].name, e[i].name);
            src = i;
        } else if (!is_doc(e[i].name)) {
            validator_choices(choices, sizeof(choices), false);
            err = jdg__pkg_fail(k,
                                "%s/%s: not a %s source; a validator must be one self-contained "
                                "source file",
                                rel, e[i].name, choices);
        }
        if (err)
            goto out;
    }
    if (!nsrc) {
        validator_choices(choices, sizeof(choices), true);
        err = jdg__pkg_fail(k, "%s: no validator source (%s)", rel, choices);
        goto out;
    }
    if (e[src].kind != 'f') {
        err = jdg__pkg_fail(k, "%s/%s: is not a regular file", rel, e[src].name);
        goto out;
    }
    if ((err = jdg__pkg_join(k, path, sizeof(path), rel, e[src].name)) == 0)
        err = read_validator_file(k, path, e[src].name);
out:
    jdg__ents_free(e, n);
    return err;
}

static int read_validator(struct jdg__pkg *k)
{
    struct jdg__ent *e = NULL;
    size_t n = 0;
    char path[4096];
    int err;

    /* output_validators/ holds programs by name; one is all we judge with. */
    err = jdg__pkg_list_dir(k, "output_validators", &e, &n);
    if (err < 0)
        return err;
    if (err == 0 && n > 1) {
        err = jdg__pkg_fail(
            k, "output_validators: %zu validators (%s, %s, ...); Gavel runs exactly one", n,
            e[0].name, e[1].name);
    } else if (err == 0 && n == 1) {
        /* A program may be a single file in place of a directory. */
        err = jdg__pkg_join(k, path, sizeof(path), "output_validators", e[0].name);
        if (!err)
            err = e[0].kind == 'd' ? read_validator_dir(k, path)
                                   : read_validator_file(k, path, e[0].name);
        if (err == 1)
            err = jdg__pkg_fail(k, "%s: vanished while being read", path);
    } else {
        /* The 2023-07 format: output_validator/ is the program itself. */
        err = read_validator_dir(k, "output_validator");
        if (err == 1)
            err = jdg__pkg_fail(k, "output_validators: validation is custom but the package has no "
                                   "output validator");
    }
    jdg__ents_free(e, n);
    return err;
}

/* --- The package --------------------------------------------------------- */

static int set_slug(struct jdg__pkg *k, const char *dir)
{
    size_t len = strlen(dir);
    const char *base;

    while (len > 1 && dir[len - 1] == '/')
        len--;
    if (len >= sizeof(k->dir))
        return jdg__pkg_fail(k, "%.64s...: package path too long", dir);
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
    return jdg__pkg_fail(k,
                         "%s: the directory name '%.64s' is not a valid problem slug (lowercase "
                         "letters, digits and '-', starting with a letter or digit, at most %zu)",
                         k->dir, base, sizeof(k->p->slug) - 1);
}

int jdg_package_load(struct jdg_problem *out, const char *dir, char *msg, size_t msg_len)
{
    char scratch[1];
    struct jdg__pkg k;
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
        err =
            jdg__pkg_fail(&k, "%s: cannot open the package directory: %s", k.dir, strerror(errno));
        goto out;
    }
    if ((err = read_problem_yaml(&k)) < 0 || (err = read_timelimit(&k)) < 0 ||
        (err = apply_limits(&k)) < 0)
        goto out;
    if (!out->custom) {
        char why[200];

        if (jdg_check_flags_parse(&out->flags, out->validator_flags, why, sizeof(why)) < 0) {
            err = jdg__pkg_fail(&k, "problem.yaml: validator_flags: %s", why);
            goto out;
        }
    }
    if (!out->name[0])
        snprintf(out->name, sizeof(out->name), "%s", out->slug);
    if ((err = read_statement(&k)) < 0)
        goto out;
    if (out->custom && (err = read_validator(&k)) < 0)
        goto out;
    if ((err = jdg__pkg_read_tests(&k)) < 0)
        goto out;
    err = jdg__pkg_read_templates(&k);
out:
    if (k.root >= 0)
        close(k.root);
    if (err < 0)
        jdg_problem_release(out);
    return err;
}
