/* SPDX-License-Identifier: MIT
 * plag_report.c - `gavel plag`'s reports: JSON for scripts, and one HTML
 * file for people that needs no network and no server.
 *
 * Both are streamed pair by pair (each a small cJSON tree printed and freed
 * at once), so 500 000 pairs cost the output's bytes, not a tree of them.
 * The HTML embeds its data as JSON in a <script type="application/json">
 * whose '<', '>' and '&' are written as \u escapes: no source text can close
 * the element or start markup, and the page's script renders every source
 * with textContent, never as HTML. */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli_plag.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_utf8.h"
#include "plag_html.h"
#include "banned.h"

static double round4(double x)
{
    return round(x * 10000.0) / 10000.0;
}

/* Prints `item` and frees it. `escape` for text inside a <script>. */
static int emit(FILE *f, cJSON *item, bool escape)
{
    char *txt = item ? cJSON_PrintUnformatted(item) : NULL;

    cJSON_Delete(item);
    if (!txt)
        return -ENOMEM;
    if (!escape) {
        fputs(txt, f);
    } else {
        for (const char *p = txt; *p; p++) {
            if (*p == '<')
                fputs("\\u003c", f);
            else if (*p == '>')
                fputs("\\u003e", f);
            else if (*p == '&')
                fputs("\\u0026", f);
            else
                fputc(*p, f);
        }
    }
    cJSON_free(txt);
    return 0;
}

static cJSON *text(const char *s, size_t len)
{
    char *u = gv_utf8_sanitize(s, len);
    cJSON *j = u ? cJSON_CreateString(u) : NULL;

    gv_free(u);
    return j;
}

static const struct plag_file *doc_file(const struct plag_set *s, uint32_t doc)
{
    return &s->files[s->doc_file[doc]];
}

/* Every name as JSON text, escaped once: a report prints each name in
 * thousands of pairs. `names[i]` for document i, then one per group. */
static char **quoted_names(const struct plag_set *s, bool escape)
{
    char **v = gv_calloc(s->ndocs + s->ngroups + 1, sizeof(*v));

    for (size_t i = 0; v && i < s->ndocs + s->ngroups; i++) {
        const char *n = i < s->ndocs ? doc_file(s, (uint32_t)i)->path : s->groups[i - s->ndocs];
        cJSON *j = text(n, strlen(n));
        char *t = j ? cJSON_PrintUnformatted(j) : NULL;
        size_t len = t ? strlen(t) : 0;

        cJSON_Delete(j);
        v[i] = t ? gv_malloc(6 * len + 1) : NULL;
        if (!v[i]) {
            cJSON_free(t);
            for (size_t k = 0; k < i; k++)
                gv_free(v[k]);
            gv_free(v);
            return NULL;
        }
        /* cJSON never escapes these; inside a <script> they must be. */
        for (size_t a = 0, b = 0; a <= len; a++) {
            const char *e = !escape ? NULL : t[a] == '<' ? "\\u003c" : t[a] == '>' ? "\\u003e"
                          : t[a] == '&' ? "\\u0026" : NULL;

            if (e) {
                memcpy(v[i] + b, e, 6);
                b += 6;
            } else {
                v[i][b++] = t[a];
            }
        }
        cJSON_free(t);
    }
    return v;
}

static void free_names(char **v, const struct plag_set *s)
{
    for (size_t i = 0; v && i < s->ndocs + s->ngroups; i++)
        gv_free(v[i]);
    gv_free(v);
}

static void pair_print(FILE *f, char **names, const struct plag_set *s, const struct plg_pair *p)
{
    fprintf(f, "{\"group\":%s,\"left\":%s,\"right\":%s,\"similarity\":%.4g,"
            "\"left_coverage\":%.4g,\"right_coverage\":%.4g,\"longest\":%u,\"regions\":[",
            names[s->ndocs + p->group], names[p->left], names[p->right], round4(p->similarity),
            round4(p->left_coverage), round4(p->right_coverage), p->longest);
    for (size_t i = 0; i < p->nregions; i++)
        fprintf(f, "%s{\"left\":[%u,%u],\"right\":[%u,%u]}", i ? "," : "",
                p->regions[i].left_from, p->regions[i].left_to, p->regions[i].right_from,
                p->regions[i].right_to);
    fputs("]}", f);
}

static cJSON *cluster_json(const struct plag_set *s, const struct plg_cluster *c)
{
    cJSON *o = cJSON_CreateObject(), *m = cJSON_CreateArray(), *p = cJSON_CreateArray();

    cJSON_AddItemToObject(o, "group", text(s->groups[c->group], strlen(s->groups[c->group])));
    cJSON_AddNumberToObject(o, "similarity", round4(c->max_similarity));
    for (size_t i = 0; i < c->nmembers; i++) {
        const char *path = doc_file(s, c->members[i])->path;

        cJSON_AddItemToArray(m, text(path, strlen(path)));
    }
    for (size_t i = 0; i < c->npairs; i++)
        cJSON_AddItemToArray(p, cJSON_CreateNumber((double)c->pairs[i]));
    cJSON_AddItemToObject(o, "members", m);
    cJSON_AddItemToObject(o, "pairs", p);
    return o;
}

int plag_write_json(FILE *f, const struct plag_set *s, const struct plg_report *r)
{
    char **names = quoted_names(s, false);
    int err = 0;

    if (!names)
        return -ENOMEM;

    fprintf(f, "{\"lang\":\"%s\",\"k\":%u,\"w\":%u,\"files\":%zu,\"pairs_found\":%zu,\n\"pairs\":[",
            s->lang_name ? s->lang_name : plg_lang_id(s->lang), s->k, s->w, s->ndocs,
            r->npairs_found);
    for (size_t i = 0; i < r->npairs; i++) {
        fputs(i ? ",\n" : "\n", f);
        pair_print(f, names, s, &r->pairs[i]);
    }
    fputs("],\n\"clusters\":[", f);
    for (size_t i = 0; i < r->nclusters && err == 0; i++) {
        fputs(i ? ",\n" : "\n", f);
        err = emit(f, cluster_json(s, &r->clusters[i]), false);
    }
    fputs("]}\n", f);
    free_names(names, s);
    return err;
}

/* The page's data: files (only those in a pair, with their sources),
 * pairs as compact arrays, clusters by index. */
int plag_write_html(FILE *f, const struct plag_set *s, const struct plg_report *r)
{
    int32_t *slot = gv_malloc((s->ndocs ? s->ndocs : 1) * sizeof(*slot));
    size_t nslots = 0;
    int err = 0;

    if (!slot)
        return -ENOMEM;
    for (size_t d = 0; d < s->ndocs; d++)
        slot[d] = -1;
    fputs(plag_html_head, f);
    fprintf(f, "{\"lang\":\"%s\",\"k\":%u,\"w\":%u,\"ncompared\":%zu,\"pairs_found\":%zu,\n\"files\":[",
            s->lang_name ? s->lang_name : plg_lang_id(s->lang), s->k, s->w, s->ndocs,
            r->npairs_found);
    for (size_t i = 0; i < r->npairs && err == 0; i++) {
        uint32_t ends[2] = {r->pairs[i].left, r->pairs[i].right};

        for (int e = 0; e < 2 && err == 0; e++) {
            const struct plag_file *pf = doc_file(s, ends[e]);
            cJSON *o;

            if (slot[ends[e]] >= 0)
                continue;
            slot[ends[e]] = (int32_t)nslots++;
            o = cJSON_CreateObject();
            cJSON_AddItemToObject(o, "path", text(pf->path, strlen(pf->path)));
            cJSON_AddItemToObject(
                o, "group", text(s->groups[pf->group], strlen(s->groups[pf->group])));
            cJSON_AddItemToObject(o, "src", text(pf->src, pf->len));
            fputs(nslots > 1 ? ",\n" : "\n", f);
            err = emit(f, o, true);
        }
    }
    fputs("],\n\"pairs\":[", f);
    for (size_t i = 0; i < r->npairs && err == 0; i++) {
        const struct plg_pair *p = &r->pairs[i];

        fprintf(f, "%s[%d,%d,%.4g,%.4g,%.4g,%u,[", i ? ",\n" : "\n", slot[p->left],
                slot[p->right], round4(p->similarity), round4(p->left_coverage),
                round4(p->right_coverage), p->longest);
        for (size_t g = 0; g < p->nregions; g++)
            fprintf(f, "%s%u,%u,%u,%u", g ? "," : "", p->regions[g].left_from,
                    p->regions[g].left_to, p->regions[g].right_from, p->regions[g].right_to);
        fputs("]]", f);
    }
    fputs("],\n\"clusters\":[", f);
    for (size_t i = 0; i < r->nclusters && err == 0; i++) {
        const struct plg_cluster *c = &r->clusters[i];
        cJSON *o = cJSON_CreateObject(), *m = cJSON_CreateArray(), *p = cJSON_CreateArray();

        cJSON_AddNumberToObject(o, "similarity", round4(c->max_similarity));
        for (size_t j = 0; j < c->nmembers; j++)
            cJSON_AddItemToArray(m, cJSON_CreateNumber(slot[c->members[j]]));
        for (size_t j = 0; j < c->npairs; j++)
            cJSON_AddItemToArray(p, cJSON_CreateNumber((double)c->pairs[j]));
        cJSON_AddItemToObject(o, "members", m);
        cJSON_AddItemToObject(o, "pairs", p);
        fputs(i ? ",\n" : "\n", f);
        err = emit(f, o, true);
    }
    fputs("]}\n", f);
    fputs(plag_html_tail, f);
    gv_free(slot);
    return err;
}

int plag_write_report(const char *path, const struct plag_set *s, const struct plg_report *r,
                      bool html)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
    int err;

    if (!f) {
        err = -errno;
        fprintf(stderr, "gavel plag: cannot write '%s': %s\n", path, strerror(errno));
        return err;
    }
    err = html ? plag_write_html(f, s, r) : plag_write_json(f, s, r);
    if (ferror(f) && err == 0)
        err = -EIO;
    if (f != stdout && fclose(f) != 0 && err == 0)
        err = -errno;
    else if (f == stdout && fflush(f) != 0 && err == 0)
        err = -errno;
    if (err < 0)
        fprintf(stderr, "gavel plag: cannot write '%s': %s\n", path, gv_strerror(err));
    return err;
}

bool plag_parse_double(double *out, const char *s, double lo, double hi)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return false;
    *out = v;
    return true;
}
