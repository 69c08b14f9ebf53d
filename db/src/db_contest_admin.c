/* SPDX-License-Identifier: MIT
 * db_contest_admin.c - contests from definitions, the unfreeze, user roles
 * (db_contest_admin.h).
 *
 * Create and update run in one transaction each: they resolve every name
 * the definition uses first, and write only when all resolved, so a typo
 * on line 40 leaves nothing half made. */
#include "db_contest_admin.h"
#include "db_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_event.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

#define TS(param) "to_timestamp(" param "::bigint / 1000.0)"

#define I64(buf, v) snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)(v))

/* The ids of the definition's problems and invited users, in its order;
 * GV_EINVAL naming the first that does not exist. */
static int resolve_names(int64_t *problem_ids, int64_t *user_ids, char *err, size_t err_len,
                         struct db_pg *pg, const struct cst_def *d)
{
    char *val = NULL;
    int rc;

    for (size_t i = 0; i < d->nproblems; i++) {
        const char *p[] = {d->problems[i].slug};

        rc = db_pg_query_value(&val, pg, "SELECT id FROM problems WHERE slug = $1", 1, p);
        if (rc < 0)
            return rc;
        if (!val)
            return gv_err_say(err, err_len, GV_EINVAL,
                              "line %d: problems: no imported problem '%s' (gavel problem import "
                              "its package first)",
                              d->problems[i].line, d->problems[i].slug);
        problem_ids[i] = strtoll(val, NULL, 10);
        gv_free(val);
        val = NULL;
    }
    for (size_t i = 0; i < d->nparticipants; i++) {
        const char *p[] = {d->participants[i].username};

        rc = db_pg_query_value(&val, pg, "SELECT id FROM users WHERE lower(username) = lower($1)",
                               1, p);
        if (rc < 0)
            return rc;
        if (!val)
            return gv_err_say(err, err_len, GV_EINVAL, "line %d: participants: no user '%s'",
                              d->participants[i].line, d->participants[i].username);
        user_ids[i] = strtoll(val, NULL, 10);
        gv_free(val);
        val = NULL;
    }
    return 0;
}

/* The contest's own row from `d`: $1 id (update) or created_by (create). */
static int write_contest_row(struct db_pg *pg, const struct cst_def *d, int64_t key, bool create,
                             int64_t *out_id)
{
    char k[24], starts[24], freezes[24], ends[24], unfrozen[24], penalty[16], medals[48];
    char *val = NULL;
    struct cst_schedule sched;
    const char *p[11];
    int rc;

    I64(k, key);
    I64(starts, d->starts_at_ms);
    I64(freezes, d->freezes_at_ms);
    I64(ends, d->ends_at_ms);
    cst_def_schedule(&sched, d);
    I64(unfrozen, sched.unfrozen_at);
    snprintf(penalty, sizeof(penalty), "%d", d->penalty_minutes);
    p[0] = create && !key ? NULL : k; /* created by the CLI: nobody */
    p[1] = d->slug;
    p[2] = d->name;
    p[3] = d->scoring == CST_SCORING_IOI ? "ioi" : "icpc";
    p[4] = starts;
    p[5] = d->freezes_at_ms ? freezes : NULL;
    p[6] = ends;
    p[7] = penalty;
    p[8] = d->open_registration ? (d->unfreeze_auto ? "ta" : "tm")
                                : (d->unfreeze_auto ? "fa" : "fm");
    p[9] = unfrozen;
    snprintf(medals, sizeof(medals), "{%d,%d,%d}", d->medals[CST_MEDAL_GOLD],
             d->medals[CST_MEDAL_SILVER], d->medals[CST_MEDAL_BRONZE]);
    p[10] = medals;
    /* The unfreeze: automatic means the final standings come with the
     * end; a manual one stays as an organizer left it, unless the end
     * moved past it. */
    if (create) {
        rc = db_pg_query_value(
            &val, pg,
            "INSERT INTO contests (created_by, slug, title, scoring, starts_at, freezes_at, "
            "ends_at, unfrozen_at, penalty_minutes, open_registration, unfreeze_auto, medals) "
            "VALUES ($1::bigint, $2, $3, $4::contest_scoring, " TS("$5") ", " TS("$6") ", "
            TS("$7") ", CASE WHEN substr($9, 2, 1) = 'a' THEN " TS("$10") " END, $8::int, "
            "substr($9, 1, 1) = 't', substr($9, 2, 1) = 'a', $11::int[]) RETURNING id",
            11, p);
        if (rc == 0 && out_id)
            *out_id = val ? strtoll(val, NULL, 10) : 0;
        gv_free(val);
        return rc;
    }
    return db_pg_exec(
        NULL, pg,
        "UPDATE contests SET slug = $2, title = $3, scoring = $4::contest_scoring, starts_at = "
        TS("$5") ", freezes_at = " TS("$6") ", ends_at = " TS("$7") ", unfrozen_at = CASE WHEN "
        "substr($9, 2, 1) = 'a' THEN " TS("$10") " WHEN unfreeze_auto THEN NULL WHEN unfrozen_at "
        "< " TS("$7") " THEN NULL ELSE unfrozen_at END, penalty_minutes = $8::int, "
        "open_registration = substr($9, 1, 1) = 't', unfreeze_auto = substr($9, 2, 1) = 'a', "
        "medals = $11::int[], "
        /* A finalized contest that an organizer reopened (a later end) is
         * announced again by the timers, from where the clock now is. */
        "announced_phase = CASE WHEN announced_phase = 'finalized' AND " TS("$7")
        " > now() THEN 'ended' ELSE announced_phase END WHERE id = $1::bigint",
        11, p);
}

/* The contest's problems become `d`'s, in its order: rows of problems no
 * longer listed go (the caller allowed it), the others are upserted. The
 * label and ordinal constraints are deferred to the commit, so labels may
 * swap. */
static int write_problems(struct db_pg *pg, int64_t contest_id, const struct cst_def *d,
                          const int64_t *problem_ids)
{
    char cid[24], keep[64 * 24 + 4];
    size_t n = 0;
    int rc = db_pg_exec_script(pg, "SET CONSTRAINTS contest_problems_contest_id_label_key, "
                                   "contest_problems_contest_id_ordinal_key DEFERRED");

    if (rc < 0)
        return rc;
    I64(cid, contest_id);
    keep[n++] = '{';
    for (size_t i = 0; i < d->nproblems; i++)
        n += (size_t)snprintf(keep + n, sizeof(keep) - n, "%s%" PRId64, i ? "," : "",
                              problem_ids[i]);
    snprintf(keep + n, sizeof(keep) - n, "}");
    {
        const char *p[] = {cid, keep};
        rc = db_pg_exec(NULL, pg,
                        "DELETE FROM contest_problems WHERE contest_id = $1::bigint AND NOT "
                        "(problem_id = ANY ($2::bigint[]))",
                        2, p);
    }
    for (size_t i = 0; rc == 0 && i < d->nproblems; i++) {
        const struct cst_def_problem *pr = &d->problems[i];
        char pid[24], ord[24], points[48];
        const char *p[] = {cid, pid, pr->label, ord, points, pr->color[0] ? pr->color : NULL};

        I64(pid, problem_ids[i]);
        snprintf(ord, sizeof(ord), "%zu", i + 1);
        snprintf(points, sizeof(points), "%.3f", pr->points);
        rc = db_pg_exec(NULL, pg,
                        "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal, "
                        "points, color) VALUES ($1::bigint, $2::bigint, $3, $4::int, "
                        "$5::numeric, $6) ON CONFLICT (contest_id, problem_id) DO UPDATE SET "
                        "label = EXCLUDED.label, ordinal = EXCLUDED.ordinal, points = "
                        "EXCLUDED.points, color = EXCLUDED.color",
                        6, p);
    }
    return rc;
}

static int add_participants(struct db_pg *pg, int64_t contest_id, const int64_t *user_ids,
                            size_t n)
{
    char cid[24];
    int rc = 0;

    I64(cid, contest_id);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char uid[24];
        const char *p[] = {cid, uid};

        I64(uid, user_ids[i]);
        rc = db_pg_exec(NULL, pg,
                        "INSERT INTO participants (contest_id, user_id) VALUES ($1::bigint, "
                        "$2::bigint) ON CONFLICT DO NOTHING",
                        2, p);
    }
    return rc;
}

/* The ids `d` names, resolved inside the transaction the caller began. */
struct names {
    int64_t problems[CST_DEF_PROBLEMS_MAX];
    int64_t *users;
};

static int names_resolve(struct names *nm, char *err, size_t err_len, struct db_pg *pg,
                         const struct cst_def *d)
{
    nm->users = gv_calloc(d->nparticipants ? d->nparticipants : 1, sizeof(*nm->users));
    if (!nm->users)
        return -ENOMEM;
    return resolve_names(nm->problems, nm->users, err, err_len, pg, d);
}

int db_contest_create(int64_t *out_id, char *err, size_t err_len, struct db_pg *pg,
                      const struct cst_def *d, int64_t created_by)
{
    struct names nm = {0};
    int64_t id = 0;
    int rc;

    if (err_len)
        err[0] = '\0';
    rc = db_pg_exec_script(pg, "BEGIN");
    if (rc < 0)
        return rc;
    rc = names_resolve(&nm, err, err_len, pg, d);
    if (rc == 0) {
        rc = write_contest_row(pg, d, created_by, true, &id);
        if (rc == GV_EDB && !strcmp(db_pg_last_sqlstate(pg), "23505"))
            rc = gv_err_say(err, err_len, GV_EEXIST,
                            "slug: a contest '%s' exists already (gavel contest update it, or "
                            "choose another slug)",
                            d->slug);
    }
    if (rc == 0)
        rc = write_problems(pg, id, d, nm.problems);
    if (rc == 0)
        rc = add_participants(pg, id, nm.users, d->nparticipants);
    rc = db__pg_tx_end(pg, rc);
    gv_free(nm.users);
    if (rc == 0 && out_id)
        *out_id = id;
    return rc;
}

int db_contest_def_load(struct cst_def *out, struct db_pg *pg, int64_t contest_id)
{
    char cid[24];
    const char *p[] = {cid};
    PGresult *c = NULL, *pr = NULL, *pa = NULL;
    struct cst_def d = {0};
    int rc;

    memset(out, 0, sizeof(*out));
    I64(cid, contest_id);
    rc = db__pg_select(&c, pg, "contest",
                       "SELECT title, slug, " EPOCH_MS("starts_at") ", " EPOCH_MS("ends_at") ", "
                       "coalesce(" EPOCH_MS("freezes_at") ", 0), unfreeze_auto, penalty_minutes, "
                       "scoring::text, open_registration, coalesce(" EPOCH_MS("unfrozen_at")
                       " - " EPOCH_MS("ends_at") ", 0), medals[1], medals[2], medals[3] FROM "
                       "contests WHERE id = $1::bigint",
                       1, p);
    if (rc == 0 && PQntuples(c) != 1)
        rc = GV_ENOTFOUND;
    if (rc == 0)
        rc = db__pg_select(&pr, pg, "contest problems",
                           "SELECT p.slug, cp.label, coalesce(cp.color, ''), cp.points FROM "
                           "contest_problems cp JOIN problems p ON p.id = cp.problem_id WHERE "
                           "cp.contest_id = $1::bigint ORDER BY cp.ordinal",
                           1, p);
    if (rc == 0)
        rc = db__pg_select(&pa, pg, "participants",
                           "SELECT u.username FROM participants pa JOIN users u ON u.id = "
                           "pa.user_id WHERE pa.contest_id = $1::bigint ORDER BY u.username",
                           1, p);
    if (rc < 0)
        goto out;
    snprintf(d.name, sizeof(d.name), "%s", PQgetvalue(c, 0, 0));
    snprintf(d.slug, sizeof(d.slug), "%s", PQgetvalue(c, 0, 1));
    d.starts_at_ms = strtoll(PQgetvalue(c, 0, 2), NULL, 10);
    d.ends_at_ms = strtoll(PQgetvalue(c, 0, 3), NULL, 10);
    d.freezes_at_ms = strtoll(PQgetvalue(c, 0, 4), NULL, 10);
    d.unfreeze_auto = !strcmp(PQgetvalue(c, 0, 5), "t");
    d.penalty_minutes = (int)strtol(PQgetvalue(c, 0, 6), NULL, 10);
    d.scoring = !strcmp(PQgetvalue(c, 0, 7), "ioi") ? CST_SCORING_IOI : CST_SCORING_ICPC;
    d.open_registration = !strcmp(PQgetvalue(c, 0, 8), "t");
    d.unfreeze_delay_ms = d.unfreeze_auto ? strtoll(PQgetvalue(c, 0, 9), NULL, 10) : 0;
    for (int i = 0; i < CST_MEDAL_KINDS; i++)
        d.medals[i] = (int)strtol(PQgetvalue(c, 0, 10 + i), NULL, 10);
    d.nproblems = (size_t)PQntuples(pr);
    d.problems = gv_calloc(d.nproblems ? d.nproblems : 1, sizeof(*d.problems));
    /* An open contest's participants registered themselves: the definition
     * says "open", not who came. */
    d.nparticipants = d.open_registration ? 0 : (size_t)PQntuples(pa);
    d.participants = gv_calloc(d.nparticipants ? d.nparticipants : 1, sizeof(*d.participants));
    if (!d.problems || !d.participants) {
        rc = -ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < d.nproblems; i++) {
        snprintf(d.problems[i].slug, sizeof(d.problems[i].slug), "%s",
                 PQgetvalue(pr, (int)i, 0));
        snprintf(d.problems[i].label, sizeof(d.problems[i].label), "%s",
                 PQgetvalue(pr, (int)i, 1));
        snprintf(d.problems[i].color, sizeof(d.problems[i].color), "%s",
                 PQgetvalue(pr, (int)i, 2));
        d.problems[i].points = strtod(PQgetvalue(pr, (int)i, 3), NULL);
    }
    for (size_t i = 0; i < d.nparticipants; i++)
        snprintf(d.participants[i].username, sizeof(d.participants[i].username), "%s",
                 PQgetvalue(pa, (int)i, 0));
    *out = d;
    memset(&d, 0, sizeof(d));
out:
    cst_def_release(&d);
    PQclear(c);
    PQclear(pr);
    PQclear(pa);
    return rc;
}

int db_contest_update(char *err, size_t err_len, struct db_pg *pg, int64_t contest_id,
                      const struct cst_def *d, bool force, int64_t now_ms)
{
    struct cst_def old = {0};
    struct names nm = {0};
    char cid[24], *locked = NULL;
    const char *p[] = {cid};
    int rc;

    if (err_len)
        err[0] = '\0';
    I64(cid, contest_id);
    rc = db_pg_exec_script(pg, "BEGIN");
    if (rc < 0)
        return rc;
    /* Two organizers updating at once: one waits for the other and checks
     * the rules against what it wrote. */
    rc = db_pg_query_value(&locked, pg, "SELECT id FROM contests WHERE id = $1::bigint FOR UPDATE",
                           1, p);
    if (rc == 0 && !locked)
        rc = GV_ENOTFOUND;
    if (rc == 0)
        rc = db_contest_def_load(&old, pg, contest_id);
    if (rc == 0)
        rc = cst_def_update_check(&old, d, now_ms, force, err, err_len);
    if (rc == 0)
        rc = names_resolve(&nm, err, err_len, pg, d);
    if (rc == 0)
        rc = write_contest_row(pg, d, contest_id, false, NULL);
    if (rc == 0)
        rc = write_problems(pg, contest_id, d, nm.problems);
    if (rc == GV_EDB && !strcmp(db_pg_last_sqlstate(pg), "23503"))
        rc = gv_err_say(err, err_len, GV_EINVAL,
                        "problems: a problem with submissions cannot leave the contest");
    if (rc == 0)
        rc = add_participants(pg, contest_id, nm.users, d->nparticipants);
    rc = db__pg_tx_end(pg, rc);
    gv_free(locked);
    gv_free(nm.users);
    cst_def_release(&old);
    return rc;
}

int db_contest_resolve(int64_t *out_id, struct db_pg *pg, const char *id_or_slug)
{
    const char *p[] = {id_or_slug};
    char *val = NULL;
    int rc = db_pg_query_value(&val, pg,
                               "SELECT id FROM contests WHERE slug = $1 OR (($1 ~ '^[0-9]{1,18}$') "
                               "AND id = CASE WHEN $1 ~ '^[0-9]{1,18}$' THEN $1::bigint END) "
                               "ORDER BY slug = $1 DESC LIMIT 1",
                               1, p);

    if (rc == 0 && !val)
        rc = GV_ENOTFOUND;
    if (rc == 0)
        *out_id = strtoll(val, NULL, 10);
    gv_free(val);
    return rc;
}

int db_contest_unfreeze(struct db_pg *pg, int64_t contest_id, int64_t now_ms)
{
    char cid[24], now[24], *val = NULL;
    const char *p[] = {cid, now};
    int rc;

    I64(cid, contest_id);
    I64(now, now_ms);
    /* One statement decides and writes: 'n' not ended, 'a' already
     * published, 'u' published now; no row, no contest. */
    rc = db_pg_query_value(
        &val, pg,
        "WITH c AS (SELECT id, ends_at, unfrozen_at FROM contests WHERE id = $1::bigint FOR "
        "UPDATE), u AS (UPDATE contests SET unfrozen_at = " TS("$2") " FROM c WHERE contests.id "
        "= c.id AND c.ends_at <= " TS("$2") " AND (c.unfrozen_at IS NULL OR c.unfrozen_at > "
        TS("$2") ") RETURNING 1) SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN 'u' WHEN "
        "c.ends_at > " TS("$2") " THEN 'n' ELSE 'a' END FROM c",
        2, p);
    if (rc == 0 && !val)
        rc = GV_ENOTFOUND;
    else if (rc == 0 && *val == 'n')
        rc = -EACCES;
    else if (rc == 0 && *val == 'a')
        rc = GV_EEXIST;
    gv_free(val);
    return rc;
}

int db_contest_phases_pending(struct db_phase_pending **out, size_t *count, struct db_pg *pg)
{
    PGresult *res = NULL;
    size_t n;
    int rc;

    *out = NULL;
    *count = 0;
    rc = db__pg_select(&res, pg, "pending phases",
                       "SELECT id, " EPOCH_MS("starts_at") ", coalesce(" EPOCH_MS("freezes_at")
                       ", 0), " EPOCH_MS("ends_at") ", coalesce(" EPOCH_MS("unfrozen_at")
                       ", 0), announced_phase::text FROM contests WHERE announced_phase <> "
                       "'finalized' ORDER BY id",
                       0, NULL);
    if (rc < 0)
        return rc;
    n = (size_t)PQntuples(res);
    if (n) {
        *out = gv_calloc(n, sizeof(**out));
        if (!*out) {
            PQclear(res);
            return -ENOMEM;
        }
    }
    for (size_t i = 0; i < n; i++) {
        struct db_phase_pending *p = &(*out)[*count];
        int r = (int)i;

        p->contest_id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
        p->schedule = (struct cst_schedule){strtoll(PQgetvalue(res, r, 1), NULL, 10),
                                            strtoll(PQgetvalue(res, r, 2), NULL, 10),
                                            strtoll(PQgetvalue(res, r, 3), NULL, 10),
                                            strtoll(PQgetvalue(res, r, 4), NULL, 10)};
        if (cst_phase_parse(&p->announced, PQgetvalue(res, r, 5)) == 0 &&
            cst_schedule_valid(&p->schedule))
            (*count)++;
    }
    PQclear(res);
    return 0;
}

/* The problem set a start reveals, into the event. */
static int phase_problems(struct cst_event_phase *ph, struct db_pg *pg, const char *cid)
{
    const char *p[] = {cid};
    PGresult *res = NULL;
    int rc = db__pg_select(&res, pg, "contest problems",
                           "SELECT cp.label, p.slug, coalesce(cp.color, '') FROM contest_problems "
                           "cp JOIN problems p ON p.id = cp.problem_id WHERE cp.contest_id = "
                           "$1::bigint ORDER BY cp.ordinal LIMIT 64",
                           1, p);

    if (rc < 0)
        return rc;
    ph->nproblems = (size_t)PQntuples(res);
    if (ph->nproblems && !(ph->problems = gv_calloc(ph->nproblems, sizeof(*ph->problems)))) {
        PQclear(res);
        return -ENOMEM;
    }
    for (size_t i = 0; i < ph->nproblems; i++) {
        struct cst_event_problem *pr = &ph->problems[i];

        snprintf(pr->label, sizeof(pr->label), "%s", PQgetvalue(res, (int)i, 0));
        snprintf(pr->slug, sizeof(pr->slug), "%s", PQgetvalue(res, (int)i, 1));
        snprintf(pr->color, sizeof(pr->color), "%s", PQgetvalue(res, (int)i, 2));
    }
    PQclear(res);
    return 0;
}

int db_contest_phase_claim(struct cst_event *out, struct db_pg *pg, int64_t contest_id,
                           enum cst_phase from, enum cst_phase to, int64_t at_ms)
{
    struct cst_event ev;
    char cid[24];
    int64_t affected = 0;
    int rc;

    cst_event_init(out, CST_EVENT_CONTEST_PHASE);
    cst_event_init(&ev, CST_EVENT_CONTEST_PHASE);
    ev.contest_id = contest_id;
    ev.u.phase.phase = to;
    ev.u.phase.at_ms = at_ms;
    I64(cid, contest_id);
    rc = db_pg_exec_script(pg, "BEGIN");
    if (rc < 0)
        return rc;
    {
        /* The claim: only one transaction finds `from` still there. */
        const char *p[] = {cid, cst_phase_name(from), cst_phase_name(to)};
        rc = db_pg_exec(&affected, pg,
                        "UPDATE contests SET announced_phase = $3::contest_phase WHERE id = "
                        "$1::bigint AND announced_phase = $2::contest_phase",
                        3, p);
    }
    if (rc == 0 && affected != 1)
        rc = GV_EEXIST;
    if (rc == 0 && to == CST_PHASE_RUNNING)
        rc = phase_problems(&ev.u.phase, pg, cid);
    if (rc == 0)
        rc = db_event_insert(pg, &ev);
    rc = db__pg_tx_end(pg, rc);
    if (rc < 0) {
        cst_event_release(&ev);
        return rc;
    }
    *out = ev;
    return 0;
}

int db_user_set(struct db_pg *pg, const char *username, const char *role, const char *tier)
{
    static const char *const roles[] = {"contestant", "organizer", "admin"};
    const char *p[3];
    int64_t affected = 0;
    int rc;

    if (role && !strcmp(role, "jury"))
        role = "organizer";
    if (role) {
        size_t i;
        for (i = 0; i < sizeof(roles) / sizeof(*roles) && strcmp(roles[i], role); i++)
            ;
        if (i == sizeof(roles) / sizeof(*roles))
            return GV_EINVAL;
    }
    if (tier && strcmp(tier, "free") && strcmp(tier, "paid"))
        return GV_EINVAL;
    p[0] = username;
    p[1] = role;
    p[2] = tier;
    rc = db_pg_exec(&affected, pg,
                    "UPDATE users SET role = coalesce($2::user_role, role), tier = "
                    "coalesce($3::user_tier, tier) WHERE lower(username) = lower($1)",
                    3, p);
    if (rc == 0 && affected != 1)
        rc = GV_ENOTFOUND;
    return rc;
}

int db_user_list(char **json, struct db_pg *pg, int page, int page_size)
{
    char off[24], lim[16], pg_no[16];
    const char *p[] = {off, lim, pg_no};

    I64(off, (int64_t)(page - 1) * page_size);
    I64(lim, page_size);
    I64(pg_no, page);
    return db_pg_query_value(
        json, pg,
        "SELECT json_build_object('users', coalesce((SELECT json_agg(json_build_object('id', u.id, "
        "'username', u.username, 'display_name', u.display_name, 'role', u.role, 'tier', u.tier, "
        "'created_at', " EPOCH_MS("u.created_at") ") ORDER BY u.id) FROM (SELECT * FROM users "
        "ORDER BY id OFFSET $1::bigint LIMIT $2::int) u), '[]'::json), 'total', (SELECT count(*) "
        "FROM users), 'page', $3::int, 'page_size', $2::int)::text",
        3, p);
}
