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
#include <string.h>

#include <cjson/cJSON.h>

#include "cli_plag.h"
#include "gv_alloc.h"
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

static cJSON *range(uint32_t from, uint32_t to)
{
    cJSON *a = cJSON_CreateArray();

    cJSON_AddItemToArray(a, cJSON_CreateNumber(from));
    cJSON_AddItemToArray(a, cJSON_CreateNumber(to));
    return a;
}

static cJSON *pair_json(const struct plag_set *s, const struct plg_pair *p)
{
    const struct plag_file *l = doc_file(s, p->left), *r = doc_file(s, p->right);
    cJSON *o = cJSON_CreateObject(), *regs = cJSON_CreateArray();

    cJSON_AddItemToObject(o, "group", text(s->groups[p->group], strlen(s->groups[p->group])));
    cJSON_AddItemToObject(o, "left", text(l->path, strlen(l->path)));
    cJSON_AddItemToObject(o, "right", text(r->path, strlen(r->path)));
    cJSON_AddNumberToObject(o, "similarity", round4(p->similarity));
    cJSON_AddNumberToObject(o, "left_coverage", round4(p->left_coverage));
    cJSON_AddNumberToObject(o, "right_coverage", round4(p->right_coverage));
    cJSON_AddNumberToObject(o, "longest", p->longest);
    for (size_t i = 0; i < p->nregions; i++) {
        cJSON *g = cJSON_CreateObject();

        cJSON_AddItemToObject(g, "left", range(p->regions[i].left_from, p->regions[i].left_to));
        cJSON_AddItemToObject(g, "right",
                              range(p->regions[i].right_from, p->regions[i].right_to));
        cJSON_AddItemToArray(regs, g);
    }
    cJSON_AddItemToObject(o, "regions", regs);
    return o;
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
    int err = 0;

    fprintf(f, "{\"lang\":\"%s\",\"k\":%u,\"w\":%u,\"files\":%zu,\n\"pairs\":[",
            plg_lang_id(s->lang), s->k, s->w, s->ndocs);
    for (size_t i = 0; i < r->npairs && err == 0; i++) {
        fputs(i ? ",\n" : "\n", f);
        err = emit(f, pair_json(s, &r->pairs[i]), false);
    }
    fputs("],\n\"clusters\":[", f);
    for (size_t i = 0; i < r->nclusters && err == 0; i++) {
        fputs(i ? ",\n" : "\n", f);
        err = emit(f, cluster_json(s, &r->clusters[i]), false);
    }
    fputs("]}\n", f);
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
    fprintf(f, "{\"lang\":\"%s\",\"k\":%u,\"w\":%u,\"ncompared\":%zu,\n\"files\":[",
            plg_lang_id(s->lang), s->k, s->w, s->ndocs);
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
        cJSON *a = cJSON_CreateArray(), *regs = cJSON_CreateArray();

        cJSON_AddItemToArray(a, cJSON_CreateNumber(slot[p->left]));
        cJSON_AddItemToArray(a, cJSON_CreateNumber(slot[p->right]));
        cJSON_AddItemToArray(a, cJSON_CreateNumber(round4(p->similarity)));
        cJSON_AddItemToArray(a, cJSON_CreateNumber(round4(p->left_coverage)));
        cJSON_AddItemToArray(a, cJSON_CreateNumber(round4(p->right_coverage)));
        cJSON_AddItemToArray(a, cJSON_CreateNumber(p->longest));
        for (size_t g = 0; g < p->nregions; g++) {
            cJSON_AddItemToArray(regs, cJSON_CreateNumber(p->regions[g].left_from));
            cJSON_AddItemToArray(regs, cJSON_CreateNumber(p->regions[g].left_to));
            cJSON_AddItemToArray(regs, cJSON_CreateNumber(p->regions[g].right_from));
            cJSON_AddItemToArray(regs, cJSON_CreateNumber(p->regions[g].right_to));
        }
        cJSON_AddItemToArray(a, regs);
        fputs(i ? ",\n" : "\n", f);
        err = emit(f, a, true);
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
