/* SPDX-License-Identifier: MIT
 * jdg_package_tests.c - finds a package's tests: walks data/sample and
 * data/secret in Kattis order, recording each .in/.ans pair's paths (the
 * files themselves are not opened), and reads a scoring problem's groups
 * with their points (testdata.yaml). One of jdg_package_load()'s three
 * files (see jdg_internal.h): this one owns the layout of data/. */
#include "jdg_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "gv_alloc.h"
#include "jdg.h"
#include "banned.h"

/* struct jdg_test is 8 KiB of paths: 4096 tests is 35 MiB, and more than
 * any contest problem has. */
#define TESTS_MAX 4096
/* Directory levels below data/sample or data/secret; bounds the recursion. */
#define DEPTH_MAX 8
#define POINTS_MAX 1e9

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

static int add_test(struct jdg__pkg *k, const char *rel, const char *prefix, const char *base,
                    size_t baselen, bool sample, int group)
{
    struct jdg_problem *p = k->p;
    struct jdg_test *t;
    int len = (int)baselen, r1, r2, r3;

    if (p->ntests == TESTS_MAX)
        return jdg__pkg_fail(k, "%s/%.*s.in: more than %d tests in the package", rel, len, base,
                             TESTS_MAX);
    if (p->ntests == k->tests_cap) {
        size_t ncap = k->tests_cap ? 2 * k->tests_cap : 16;
        struct jdg_test *nt = gv_realloc(p->tests, ncap * sizeof(*nt));

        if (!nt)
            return jdg__pkg_fail_fs(k, rel, strlen(rel), -ENOMEM);
        p->tests = nt;
        k->tests_cap = ncap;
    }
    t = &p->tests[p->ntests];
    memset(t, 0, sizeof(*t));
    r1 = snprintf(t->name, sizeof(t->name), "%s/%.*s", prefix, len, base);
    r2 = snprintf(t->in_path, sizeof(t->in_path), "%s/%s/%.*s.in", k->dir, rel, len, base);
    r3 = snprintf(t->ans_path, sizeof(t->ans_path), "%s/%s/%.*s.ans", k->dir, rel, len, base);
    if (r1 < 0 || (size_t)r1 >= sizeof(t->name))
        return jdg__pkg_fail(k, "%s/%.*s.in: test name longer than %zu bytes", rel, len, base,
                             sizeof(t->name) - 1);
    if (r2 < 0 || r3 < 0 || (size_t)r3 >= sizeof(t->ans_path))
        return jdg__pkg_fail(k, "%s/%.*s.ans: path too long", rel, len, base);
    t->is_sample = sample;
    t->group = group;
    p->ntests++;
    return 0;
}

/* A scored group's points from its testdata.yaml. */
static int group_points(struct jdg__pkg *k, const char *rel, double *points)
{
    char path[4096];
    yaml_document_t doc;
    yaml_node_t *root, *n;
    int err;

    if ((err = jdg__pkg_join(k, path, sizeof(path), rel, "testdata.yaml")) < 0)
        return err;
    err = jdg__pkg_yaml_load(k, path, &doc);
    if (err == 1)
        return jdg__pkg_fail(
            k, "%s: missing; each group of a scoring problem needs one with its score", path);
    if (err)
        return err;
    root = yaml_document_get_root_node(&doc);
    n = jdg__yaml_get(&doc, root, "score");
    if (!n)
        n = jdg__yaml_get(&doc, root, "accept_score"); /* the legacy name */
    if (!n) {
        err = jdg__pkg_fail(k, "%s: no score for the group", path);
    } else if (!jdg__yaml_scalar(n) || !jdg__parse_double(jdg__yaml_scalar(n), points) ||
               *points < 0 || *points > POINTS_MAX) {
        err = jdg__pkg_fail(k, "%s: score must be a number from 0 to %g", path, POINTS_MAX);
    }
    yaml_document_delete(&doc);
    return err;
}

static int add_group(struct jdg__pkg *k, const char *rel, const char *name, int *index)
{
    struct jdg_problem *p = k->p;
    double points = 0;
    int err;

    if (strlen(name) >= sizeof(p->groups[0].name))
        return jdg__pkg_fail(k, "%s: group name longer than %zu bytes", rel,
                             sizeof(p->groups[0].name) - 1);
    if ((err = group_points(k, rel, &points)) < 0)
        return err;
    if (p->ngroups == k->groups_cap) {
        size_t ncap = k->groups_cap ? 2 * k->groups_cap : 8;
        struct jdg_group *ng = gv_realloc(p->groups, ncap * sizeof(*ng));

        if (!ng)
            return jdg__pkg_fail_fs(k, rel, strlen(rel), -ENOMEM);
        p->groups = ng;
        k->groups_cap = ncap;
    }
    snprintf(p->groups[p->ngroups].name, sizeof(p->groups[0].name), "%s", name);
    p->groups[p->ngroups].points = points;
    *index = (int)p->ngroups++;
    return 0;
}

static bool pair_of(const struct jdg__ent *a, const struct jdg__ent *b, const char *b_ext)
{
    return a->keylen == b->keylen && !memcmp(a->name, b->name, a->keylen) &&
           jdg__ends_with(b->name, b_ext) && strlen(b->name) == b->keylen + strlen(b_ext);
}

/* Walks data/<prefix> in test order. Returns 1 if the directory is absent.
 * Direct subdirectories of data/secret are the groups of a scored problem. */
static int walk(struct jdg__pkg *k, const char *rel, const char *prefix, bool sample, int group,
                int depth)
{
    bool groups_here = k->p->scored && !sample && depth == 0;
    struct jdg__ent *e = NULL;
    size_t n = 0;
    int err;

    err = jdg__pkg_list_dir(k, rel, &e, &n);
    if (err)
        return err;
    for (size_t i = 0; i < n && !err; i++) {
        const char *name = e[i].name;
        bool in = jdg__ends_with(name, ".in"), ans = jdg__ends_with(name, ".ans");
        char crel[4096], cprefix[4096];

        if (e[i].kind == 'd') {
            size_t before = k->p->ntests;
            int g = group;

            if (in || ans) {
                err = jdg__pkg_fail(k, "%s/%s: is a directory, not a test file", rel, name);
                break;
            }
            if (!safe_name(name)) {
                err = jdg__pkg_fail(
                    k, "%s/%s: names may use only letters, digits, '_', '.' and '-'", rel, name);
                break;
            }
            if (depth + 1 > DEPTH_MAX) {
                err = jdg__pkg_fail(k, "%s/%s: test groups nested deeper than %d levels", rel, name,
                                    DEPTH_MAX);
                break;
            }
            if ((err = jdg__pkg_join(k, crel, sizeof(crel), rel, name)) < 0 ||
                (err = jdg__pkg_join(k, cprefix, sizeof(cprefix), prefix, name)) < 0)
                break;
            if (groups_here && (err = add_group(k, crel, name, &g)) < 0)
                break;
            err = walk(k, crel, cprefix, sample, g, depth + 1);
            if (err == 1)
                err = jdg__pkg_fail(k, "%s: vanished while being read", crel);
            if (!err && groups_here && k->p->ntests == before)
                err = jdg__pkg_fail(k, "%s: the group has no tests", crel);
            continue;
        }
        if (!in && !ans)
            continue; /* testdata.yaml, .hint, .desc, illustrations */
        if (!safe_name(name)) {
            err = jdg__pkg_fail(k, "%s/%s: names may use only letters, digits, '_', '.' and '-'",
                                rel, name);
        } else if (e[i].kind != 'f') {
            err = jdg__pkg_fail(k, "%s/%s: is not a regular file", rel, name);
        } else if (ans && !(i + 1 < n && pair_of(&e[i], &e[i + 1], ".in"))) {
            err = jdg__pkg_fail(k, "%s/%s: no matching %.*s.in", rel, name, (int)e[i].keylen, name);
        } else if (in && !(i > 0 && pair_of(&e[i], &e[i - 1], ".ans"))) {
            err =
                jdg__pkg_fail(k, "%s/%s: no matching %.*s.ans", rel, name, (int)e[i].keylen, name);
        } else if (in) {
            err = add_test(k, rel, prefix, name, e[i].keylen, sample, group);
        }
    }
    jdg__ents_free(e, n);
    return err;
}

int jdg__pkg_read_tests(struct jdg__pkg *k)
{
    size_t nsample;
    int err;

    err = walk(k, "data/sample", "sample", true, -1, 0);
    if (err < 0)
        return err;
    nsample = k->p->ntests;
    err = walk(k, "data/secret", "secret", false, -1, 0);
    if (err == 1)
        return jdg__pkg_fail(k, "data/secret: missing; a package needs secret tests");
    if (err < 0)
        return err;
    if (k->p->ntests == nsample)
        return jdg__pkg_fail(k, "data/secret: no tests (no .in/.ans pairs)");
    if (k->p->scored && !k->p->ngroups)
        return jdg__pkg_fail(k,
                             "data/secret: a scoring problem needs its tests in group directories "
                             "(data/secret/<group>/ with testdata.yaml)");
    return 0;
}
