/* SPDX-License-Identifier: MIT
 * jdg_package_templates.c - the template code a package gives contestants,
 * so that plagiarism reports do not count it as shared evidence.
 *
 * The Kattis format (2023-07 and 2025-09) has two places for code the
 * teams get: attachments/ ("public files available to teams", where a
 * skeleton solution goes) and include/<language>/ ("files appended to all
 * submitted solutions", include/default/ for every language). Both are read
 * here; a file counts as template code when the ending of its name names a
 * language (gv_lang_for_path), other attachments (PDFs, sample data) are
 * not code and are left alone. Subfolders of attachments/ are not walked:
 * the spec gives them no meaning. Judging never uses these files: Gavel
 * does not copy include/ into submissions (docs/JUDGING.md).
 *
 * A template source must be text: UTF-8 without NUL (it is shown to
 * organizers beside submissions and fingerprinted like them), at most
 * JDG_TEMPLATE_BYTES_MAX, and at most JDG_TEMPLATES_MAX of them. */
#include "jdg_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_lang.h"
#include "gv_utf8.h"
#include "jdg.h"
#include "banned.h"

static int check_text(struct jdg__pkg *k, const char *rel, const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = gv_utf8_seq_len(s + i, len - i);

        if (!n)
            return jdg__pkg_fail(k,
                                 "%s: template code must be UTF-8 text; byte %zu is %s (a binary "
                                 "file?)",
                                 rel, i, s[i] ? "not UTF-8" : "NUL");
        i += n;
    }
    return 0;
}

static int add_template(struct jdg__pkg *k, const char *rel, const struct gv_lang *lang)
{
    struct jdg_problem *p = k->p;
    struct jdg_template *t;
    char *src = NULL;
    size_t len = 0;
    int err;

    if (p->ntemplates == JDG_TEMPLATES_MAX)
        return jdg__pkg_fail(k, "%s: more than %d template source files", rel, JDG_TEMPLATES_MAX);
    if (strlen(rel) >= sizeof(t->name))
        return jdg__pkg_fail(k, "%s: path longer than %zu bytes", rel, sizeof(t->name) - 1);
    err = jdg__pkg_read_text(k, rel, JDG_TEMPLATE_BYTES_MAX, &src, &len);
    if (err == 1)
        return jdg__pkg_fail(k, "%s: vanished while being read", rel);
    if (err == 0)
        err = check_text(k, rel, src, len);
    if (err < 0) {
        gv_free(src);
        return err;
    }
    if (!p->ntemplates) {
        p->templates = gv_calloc(JDG_TEMPLATES_MAX, sizeof(*p->templates));
        if (!p->templates) {
            gv_free(src);
            return jdg__pkg_fail_fs(k, rel, strlen(rel), -ENOMEM);
        }
    }
    t = &p->templates[p->ntemplates++];
    snprintf(t->name, sizeof(t->name), "%s", rel);
    t->lang = lang;
    t->src = src;
    t->len = len;
    return 0;
}

/* The source files directly in `rel`; 1 when there is no such directory. */
static int read_dir(struct jdg__pkg *k, const char *rel)
{
    struct jdg__ent *e = NULL;
    size_t n = 0;
    char path[4096];
    int err;

    err = jdg__pkg_list_dir(k, rel, &e, &n);
    for (size_t i = 0; err == 0 && i < n; i++) {
        const struct gv_lang *lang = gv_lang_for_path(e[i].name);

        if (!lang || e[i].kind == 'd')
            continue;
        err = jdg__pkg_join(k, path, sizeof(path), rel, e[i].name);
        if (err == 0 && e[i].kind != 'f')
            err = jdg__pkg_fail(k, "%s: is not a regular file", path);
        if (err == 0)
            err = add_template(k, path, lang);
    }
    jdg__ents_free(e, n);
    return err;
}

int jdg__pkg_read_templates(struct jdg__pkg *k)
{
    struct jdg__ent *e = NULL;
    size_t n = 0;
    char path[4096];
    int err;

    err = read_dir(k, "attachments");
    if (err < 0)
        return err;
    err = jdg__pkg_list_dir(k, "include", &e, &n);
    if (err == 1)
        return 0;
    for (size_t i = 0; err == 0 && i < n; i++) {
        if (e[i].kind != 'd')
            continue; /* include/ holds one folder per language */
        err = jdg__pkg_join(k, path, sizeof(path), "include", e[i].name);
        if (err == 0)
            err = read_dir(k, path);
    }
    jdg__ents_free(e, n);
    return err < 0 ? err : 0;
}
