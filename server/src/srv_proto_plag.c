/* SPDX-License-Identifier: MIT
 * srv_proto_plag.c - the organizers' plagiarism requests: plag.report
 * (pairs and clusters of a contest, computed from the fingerprints
 * gavel-judge stored, with each pair's review mark) and plag.review (set or
 * remove a mark). Both run behind srv_proto_org.c's gate.
 *
 * The report is computed afresh on each request, as `gavel plag --contest`
 * computes it (db_plag_load, db_plag_compare), and its pairs have the
 * fields of that command's JSON plus the submissions' ids and authors; the
 * console reads a pair's two sources with submission.get when it is opened. */
#include "srv_proto_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "db_plag.h"
#include "gv_err.h"
#include "banned.h"

/* The strongest pairs a reply lists: a reply stays a few hundred KiB,
 * and nobody reviews more by hand ("truncated" says when there were). */
#define REPORT_PAIRS_MAX 2000

static double round4(double x)
{
    return round(x * 10000.0) / 10000.0;
}

static cJSON *sub_name(const struct db_plag_sub *d)
{
    char name[64];

    snprintf(name, sizeof(name), "%s#%" PRId64, d->username, d->submission_id);
    return cJSON_CreateString(name);
}

static cJSON *mark_json(const struct db_plag_mark *m)
{
    cJSON *o;

    if (!m)
        return cJSON_CreateNull();
    o = cJSON_CreateObject();
    if (o && (!cJSON_AddStringToObject(o, "status", m->status) ||
              !(m->by[0] ? cJSON_AddStringToObject(o, "by", m->by) : cJSON_AddNullToObject(o, "by")) ||
              !cJSON_AddNumberToObject(o, "at_ms", (double)m->at_ms) ||
              !(m->note ? cJSON_AddStringToObject(o, "note", m->note)
                        : cJSON_AddNullToObject(o, "note")))) {
        cJSON_Delete(o);
        o = NULL;
    }
    return o;
}

static cJSON *pair_json(const struct db_plag_set *s, const struct plg_pair *p,
                        const struct db_plag_mark *marks, size_t nmarks)
{
    const struct db_plag_sub *l = &s->subs[p->left], *r = &s->subs[p->right];
    cJSON *o = cJSON_CreateObject(), *regions = cJSON_CreateArray();
    bool ok = o && regions;

    ok = ok && cJSON_AddStringToObject(o, "group", s->problems[p->group].slug) &&
         cJSON_AddItemToObject(o, "left", sub_name(l)) &&
         cJSON_AddItemToObject(o, "right", sub_name(r)) &&
         cJSON_AddNumberToObject(o, "left_id", (double)l->submission_id) &&
         cJSON_AddNumberToObject(o, "right_id", (double)r->submission_id) &&
         cJSON_AddStringToObject(o, "left_user", l->username) &&
         cJSON_AddStringToObject(o, "right_user", r->username) &&
         cJSON_AddStringToObject(o, "left_language", l->language) &&
         cJSON_AddStringToObject(o, "right_language", r->language) &&
         cJSON_AddNumberToObject(o, "similarity", round4(p->similarity)) &&
         cJSON_AddNumberToObject(o, "left_coverage", round4(p->left_coverage)) &&
         cJSON_AddNumberToObject(o, "right_coverage", round4(p->right_coverage)) &&
         cJSON_AddNumberToObject(o, "longest", p->longest);
    for (size_t i = 0; ok && i < p->nregions; i++) {
        const struct plg_region *g = &p->regions[i];
        int lv[2] = {(int)g->left_from, (int)g->left_to}, rv[2] = {(int)g->right_from,
                                                                     (int)g->right_to};
        cJSON *e = cJSON_CreateObject();

        ok = cJSON_AddItemToArray(regions, e) &&
             cJSON_AddItemToObject(e, "left", cJSON_CreateIntArray(lv, 2)) &&
             cJSON_AddItemToObject(e, "right", cJSON_CreateIntArray(rv, 2));
    }
    if (regions && !cJSON_AddItemToObject(o, "regions", regions)) {
        cJSON_Delete(regions);
        ok = false;
    }
    ok = ok && cJSON_AddItemToObject(
                   o, "mark",
                   mark_json(db_plag_mark_find(marks, nmarks, l->submission_id,
                                               r->submission_id)));
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    return o;
}

static cJSON *cluster_json(const struct db_plag_set *s, const struct plg_cluster *c, size_t npairs)
{
    cJSON *o = cJSON_CreateObject(), *m, *ids, *pairs;
    bool ok = o && cJSON_AddStringToObject(o, "group", s->problems[c->group].slug) &&
              cJSON_AddNumberToObject(o, "similarity", round4(c->max_similarity)) &&
              (m = cJSON_AddArrayToObject(o, "members")) &&
              (ids = cJSON_AddArrayToObject(o, "member_ids")) &&
              (pairs = cJSON_AddArrayToObject(o, "pairs"));

    for (size_t i = 0; ok && i < c->nmembers; i++)
        ok = cJSON_AddItemToArray(m, sub_name(&s->subs[c->members[i]])) &&
             cJSON_AddItemToArray(ids,
                                  cJSON_CreateNumber((double)s->subs[c->members[i]].submission_id));
    /* Indices into the reply's pairs: those past its cut are not there. */
    for (size_t i = 0; ok && i < c->npairs; i++)
        if (c->pairs[i] < npairs)
            ok = cJSON_AddItemToArray(pairs, cJSON_CreateNumber((double)c->pairs[i]));
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    return o;
}

static cJSON *report_json(const struct db_plag_set *s, const struct plg_report *r,
                          const struct db_plag_mark *marks, size_t nmarks, int64_t cid,
                          const struct plg_opts *opts)
{
    size_t npairs = r->npairs; /* o.max_pairs: REPORT_PAIRS_MAX and the clusters' */
    cJSON *o = cJSON_CreateObject(), *probs, *pairs, *clusters;
    bool ok = o && cJSON_AddNumberToObject(o, "contest_id", (double)cid) &&
              cJSON_AddNumberToObject(o, "k", DB_PLAG_K) &&
              cJSON_AddNumberToObject(o, "w", DB_PLAG_W) &&
              cJSON_AddNumberToObject(o, "min_similarity", opts->min_similarity) &&
              cJSON_AddNumberToObject(o, "files", (double)s->nsubs) &&
              cJSON_AddNumberToObject(o, "missing", (double)s->nmissing) &&
              cJSON_AddNumberToObject(o, "templates", (double)s->nbases) &&
              cJSON_AddBoolToObject(o, "truncated", npairs < r->npairs_found) &&
              (probs = cJSON_AddArrayToObject(o, "problems")) &&
              (pairs = cJSON_AddArrayToObject(o, "pairs")) &&
              (clusters = cJSON_AddArrayToObject(o, "clusters"));

    for (size_t i = 0; ok && i < s->nproblems; i++) {
        cJSON *e = cJSON_CreateObject();

        ok = cJSON_AddItemToArray(probs, e) &&
             cJSON_AddStringToObject(e, "slug", s->problems[i].slug) &&
             cJSON_AddStringToObject(e, "label", s->problems[i].label);
    }
    for (size_t i = 0; ok && i < npairs; i++)
        ok = cJSON_AddItemToArray(pairs, pair_json(s, &r->pairs[i], marks, nmarks));
    for (size_t i = 0; ok && i < r->nclusters; i++)
        ok = cJSON_AddItemToArray(clusters, cluster_json(s, &r->clusters[i], npairs));
    if (!ok) {
        cJSON_Delete(o);
        o = NULL;
    }
    return o;
}

void srv__req_plag_report(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    struct db_plag_set s = {0};
    struct db_plag_mark *marks = NULL;
    struct plg_report r = {0};
    struct plg_opts o;
    size_t nmarks = 0;
    int err;

    plg_opts_default(&o);
    o.max_pairs = REPORT_PAIRS_MAX; /* details for those alone */
    if (p->min_similarity >= 0)
        o.min_similarity = p->min_similarity;
    err = db_plag_load(&s, pg, p->contest_id, p->slug);
    if (err == GV_ENOTFOUND) {
        if (p->slug)
            srv__fail(job, SRV_ERR_NOT_FOUND, "contest %" PRId64 " has no problem '%s'",
                      p->contest_id, p->slug);
        else
            srv__fail(job, SRV_ERR_NOT_FOUND, "no contest %" PRId64, p->contest_id);
        return;
    }
    if (err == 0)
        err = db_plag_marks_load(&marks, &nmarks, pg, p->contest_id);
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "plag.report");
        goto out;
    }
    err = db_plag_compare(&r, &s, &o, NULL, 0);
    if (err < 0)
        srv__fail(job, SRV_ERR_INTERNAL, "cannot compare: %s", gv_strerror(err));
    else
        srv__set_data(job, report_json(&s, &r, marks, nmarks, p->contest_id, &o));
out:
    plg_report_release(&r);
    db_plag_marks_free(marks, nmarks);
    db_plag_set_release(&s);
}

void srv__req_plag_review(struct srv_req_job *job, struct srv_job_env *env, struct db_pg *pg)
{
    const struct srv_params *p = &job->req.p;
    int err = db_plag_mark_set(pg, p->contest_id, p->left_id, p->right_id, p->status, job->user.id,
                               p->note && p->note[0] ? p->note : NULL);
    cJSON *o;

    if (err == GV_ENOTFOUND) {
        srv__fail(job, SRV_ERR_NOT_FOUND,
                  "submissions %" PRId64 " and %" PRId64 " are not two submissions to one "
                  "problem of contest %" PRId64,
                  p->left_id, p->right_id, p->contest_id);
        return;
    }
    if (err < 0) {
        srv__fail_store(job, env, err, 0, "plag.review");
        return;
    }
    o = cJSON_CreateObject();
    if (o && (!cJSON_AddNumberToObject(o, "contest_id", (double)p->contest_id) ||
              !cJSON_AddNumberToObject(o, "left", (double)(p->left_id < p->right_id ? p->left_id
                                                                                  : p->right_id)) ||
              !cJSON_AddNumberToObject(o, "right", (double)(p->left_id < p->right_id ? p->right_id
                                                                                   : p->left_id)) ||
              !(p->status ? cJSON_AddStringToObject(o, "status", p->status)
                          : cJSON_AddNullToObject(o, "status")))) {
        cJSON_Delete(o);
        o = NULL;
    }
    srv__set_data(job, o);
}
