/* SPDX-License-Identifier: MIT
 * db_submission.c - see db_submission.h. */
#include "db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cst.h"
#include "db_submission.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_lang.h"
#include "banned.h"

int db_submission_create(int64_t *out_id, int *priority, struct db_pg *pg,
                         const struct db_new_submission *in)
{
    char uid[24], cid[24], sha[65], size[24], prio[8], *val = NULL;
    enum cst_tier tier;
    int err;

    if (!gv_lang_find(in->language))
        return GV_EINVAL;
    if (in->source_len == 0 || in->source_len > DB_SOURCE_MAX)
        return GV_ETOOBIG;
    snprintf(uid, sizeof(uid), "%" PRId64, in->user_id);
    snprintf(cid, sizeof(cid), "%" PRId64, in->contest_id);
    snprintf(size, sizeof(size), "%zu", in->source_len);
    err = db_pg_exec_script(pg, "BEGIN");
    if (err < 0)
        return err;
    {
        const char *p[] = {uid};
        err = db_pg_query_value(&val, pg, "SELECT tier FROM users WHERE id = $1", 1, p);
        if (err == 0 && !val)
            err = GV_ENOTFOUND;
        if (err < 0)
            goto out;
        tier = !strcmp(val, "paid") ? CST_TIER_PAID : CST_TIER_FREE;
        gv_free(val);
        val = NULL;
    }
    *priority = (int)cst_priority_for(in->contest_id != 0, tier, false);
    snprintf(prio, sizeof(prio), "%d", *priority);
    err = db_blob_put(sha, pg, in->source, in->source_len);
    if (err < 0)
        goto out;
    {
        /* The problem's current version. Whether the caller may submit
         * there is asked before (db_catalog_can_submit, contest/'s rule);
         * that a contest submission names one of its contest's problems
         * the schema guarantees (a foreign key), so no second check here. */
        const char *p[] = {uid, in->problem_slug, in->contest_id ? cid : NULL,
                           in->language, sha, size, prio};
        err = db_pg_query_value(
            &val, pg,
            "INSERT INTO submissions (user_id, problem_id, problem_version_id, contest_id, "
            "language, source_blob, source_size, priority) "
            "SELECT $1, p.id, v.id, $3::bigint, $4::submission_language, decode($5, 'hex'), $6, "
            "$7 FROM problems p JOIN problem_versions v ON v.problem_id = p.id AND "
            "v.version = p.current_version WHERE p.slug = $2 RETURNING id",
            7, p);
        if (err == GV_EDB && !strcmp(db_pg_last_sqlstate(pg), "23503"))
            err = GV_EINVAL; /* foreign_key_violation: not a problem of that contest */
        if (err == 0 && !val)
            err = GV_ENOTFOUND;
        if (err < 0)
            goto out;
        *out_id = strtoll(val, NULL, 10);
    }
out:
    gv_free(val);
    return db__pg_tx_end(pg, err);
}
