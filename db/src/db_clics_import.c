/* SPDX-License-Identifier: MIT
 * db_clics_import.c - see db_clics_import.h. */
#include "db_internal.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "db_clics_import.h"
#include "db_event.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

#define I64(buf, v) snprintf(buf, sizeof(buf), "%" PRId64, (int64_t)(v))
/* Epoch milliseconds (a decimal parameter) as a timestamptz, exactly. */
#define TS(n) "('epoch'::timestamptz + $" #n "::bigint * interval '1 millisecond')"
/* No argon2id hash decodes from this: an imported team cannot log in. */
#define NO_LOGIN "$argon2id$imported-from-a-clics-feed$no-login"
#define USERNAME_MAX 32
#define SLUG_MAX 64

/* `s` cut to at most `max` characters of UTF-8 (the schema counts
 * characters), into `out` (4 * max + 1 bytes). */
static void cut_utf8(char *out, const char *s, size_t max)
{
    size_t chars = 0, i = 0;

    for (; s[i]; i++) {
        if (((unsigned char)s[i] & 0xC0) != 0x80 && chars++ == max)
            break;
        out[i] = s[i];
    }
    out[i] = '\0';
}

static bool taken(char names[][SLUG_MAX + 1], size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(names[i], name))
            return true;
    return false;
}

/* `c<cid><sep><ext>`, lowercased for a slug, or the fallback name. */
static void make_name(char *out, size_t max, char names[][SLUG_MAX + 1], size_t i, const char *cid,
                      char sep, const char *ext, const char *fallback, bool slug)
{
    int len = snprintf(out, max + 1, "c%s%c%s", cid, sep, ext);
    bool ok = len > 0 && (size_t)len <= max;

    for (char *p = out + strlen(cid) + 2; ok && *p; p++) {
        if (slug) {
            *p = (char)tolower((unsigned char)*p);
            if (!isalnum((unsigned char)*p) && *p != '-')
                *p = '-';
        } else if (!isalnum((unsigned char)*p) && !strchr("_.-", *p)) {
            ok = false;
        }
    }
    if (!ok || taken(names, i, out))
        snprintf(out, max + 1, "c%s%c%s%zu", cid, sep, fallback, i + 1);
    snprintf(names[i], SLUG_MAX + 1, "%s", out);
}

static bool label_ok(const char *l)
{
    size_t n = l ? strlen(l) : 0;

    if (n < 1 || n > 4 || !isupper((unsigned char)l[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isupper((unsigned char)l[i]) && !isdigit((unsigned char)l[i]))
            return false;
    return true;
}

/* The feed's labels when every one is valid and distinct; else A..Z, A1... */
static bool use_feed_labels(const struct db_import_contest *c)
{
    for (size_t i = 0; i < c->nproblems; i++) {
        if (!label_ok(c->problems[i].label))
            return false;
        for (size_t k = 0; k < i; k++)
            if (!strcmp(c->problems[k].label, c->problems[i].label))
                return false;
    }
    return true;
}

static int insert_problems(char *err, size_t errlen, struct db_pg *pg, const char *cid,
                           struct db_import_contest *c)
{
    char(*slugs)[SLUG_MAX + 1] = gv_calloc(c->nproblems + 1, sizeof(*slugs));
    bool feed_labels = use_feed_labels(c);
    int rc = 0;

    if (!slugs)
        return -ENOMEM;
    for (size_t i = 0; rc == 0 && i < c->nproblems; i++) {
        struct db_import_problem *p = &c->problems[i];
        char slug[SLUG_MAX + 1], label[8], name[4 * 200 + 1], ord[24], *val = NULL;

        make_name(slug, SLUG_MAX, slugs, i, cid, '-', p->ext_id, "p", true);
        if (feed_labels)
            snprintf(label, sizeof(label), "%s", p->label);
        else if (i < 26)
            snprintf(label, sizeof(label), "%c", (char)('A' + i));
        else if (i < 26 * 1000)
            snprintf(label, sizeof(label), "%c%zu", (char)('A' + i % 26), i / 26);
        else
            return gv_err_say(err, errlen, GV_EINVAL, "more problems than labels");
        cut_utf8(name, p->name ? p->name : p->label ? p->label : p->ext_id, 200);
        I64(ord, i + 1);
        {
            const char *q[] = {slug, name};
            rc = db_pg_query_value(&val, pg,
                                   "INSERT INTO problems (slug, name) VALUES ($1, $2) "
                                   "ON CONFLICT (slug) DO NOTHING RETURNING id",
                                   2, q);
        }
        if (rc == 0 && !val)
            rc = gv_err_say(err, errlen, GV_EEXIST, "a problem '%s' already exists", slug);
        if (rc == 0) {
            p->id = strtoll(val, NULL, 10);
            gv_free(val);
            val = NULL;
            const char *q[] = {slug};
            /* A placeholder: one second, 256 MiB, no tests. */
            rc = db_pg_query_value(&val, pg,
                                   "INSERT INTO problem_versions (problem_id, version, "
                                   "time_limit_ms, memory_limit_kb) SELECT id, 1, 1000, 262144 "
                                   "FROM problems WHERE slug = $1 RETURNING id",
                                   1, q);
        }
        if (rc == 0 && val) {
            const char *q[] = {cid, val, label, ord};
            p->version_id = strtoll(val, NULL, 10);
            rc = db_pg_exec(NULL, pg,
                            "INSERT INTO contest_problems (contest_id, problem_id, label, "
                            "ordinal) SELECT $1::bigint, problem_id, $3, $4::integer FROM "
                            "problem_versions WHERE id = $2::bigint",
                            4, q);
        }
        gv_free(val);
    }
    gv_free(slugs);
    return rc;
}

static int insert_teams(char *err, size_t errlen, struct db_pg *pg, const char *cid,
                        struct db_import_contest *c)
{
    char(*names)[SLUG_MAX + 1] = gv_calloc(c->nteams + 1, sizeof(*names));
    int rc = 0;

    if (!names)
        return -ENOMEM;
    for (size_t i = 0; rc == 0 && i < c->nteams; i++) {
        struct db_import_team *t = &c->teams[i];
        char user[USERNAME_MAX + 1], display[4 * 64 + 1], *val = NULL;

        make_name(user, USERNAME_MAX, names, i, cid, '.', t->ext_id, "team", false);
        cut_utf8(display, t->name ? t->name : t->ext_id, 64);
        {
            const char *q[] = {user, display, cid, t->hidden ? "true" : "false"};
            /* The users row and the participation in one statement. */
            rc = db_pg_query_value(&val, pg,
                                   "WITH u AS (INSERT INTO users (username, display_name, "
                                   "password_hash) VALUES ($1, $2, '" NO_LOGIN "') ON CONFLICT "
                                   "DO NOTHING RETURNING id), p AS (INSERT INTO participants "
                                   "(contest_id, user_id, is_hidden) SELECT $3::bigint, id, "
                                   "$4::boolean FROM u) SELECT id FROM u",
                                   4, q);
        }
        if (rc == 0 && !val)
            rc = gv_err_say(err, errlen, GV_EEXIST, "a user '%s' already exists", user);
        if (rc == 0)
            t->user_id = strtoll(val, NULL, 10);
        gv_free(val);
    }
    gv_free(names);
    return rc;
}

int db_import_contest(int64_t *contest_id, char *err, size_t errlen, struct db_pg *pg,
                      struct db_import_contest *c)
{
    char start[24], end[24], frz[24], unf[24], pen[24], title[4 * 200 + 1], *val = NULL;
    int rc;

    *contest_id = 0;
    if (c->ends_at_ms <= c->starts_at_ms)
        return gv_err_say(err, errlen, GV_EINVAL, "the contest's duration is not positive");
    if (c->freezes_at_ms &&
        (c->freezes_at_ms < c->starts_at_ms || c->freezes_at_ms > c->ends_at_ms))
        return gv_err_say(err, errlen, GV_EINVAL, "the freeze is not within the contest");
    if (c->unfrozen_at_ms && c->unfrozen_at_ms < c->ends_at_ms)
        return gv_err_say(err, errlen, GV_EINVAL, "the contest was thawed before it ended");
    if (c->penalty_minutes < 0 || c->penalty_minutes > 1440)
        return gv_err_say(err, errlen, GV_EINVAL, "a penalty of %d minutes is past 1440",
                          c->penalty_minutes);
    I64(start, c->starts_at_ms);
    I64(end, c->ends_at_ms);
    I64(frz, c->freezes_at_ms);
    I64(unf, c->unfrozen_at_ms);
    I64(pen, c->penalty_minutes);
    cut_utf8(title, c->title, 200);
    rc = db_pg_exec_script(pg, "BEGIN");
    if (rc < 0)
        return rc;
    {
        const char *q[] = {c->slug,
                           title,
                           c->ioi ? "ioi" : "icpc",
                           start,
                           end,
                           c->freezes_at_ms ? frz : NULL,
                           c->unfrozen_at_ms ? unf : NULL,
                           pen};
        /* Invited participants only: the contest happened elsewhere. */
        rc = db_pg_query_value(
            &val, pg,
            "INSERT INTO contests (slug, title, scoring, starts_at, ends_at, freezes_at, "
            "unfrozen_at, penalty_minutes, open_registration) VALUES ($1, $2, "
            "$3::contest_scoring, " TS(4) ", " TS(5) ", " TS(6) ", " TS(
                7) ", $8::integer, false) "
                   "ON CONFLICT (slug) DO NOTHING RETURNING id",
            8, q);
    }
    if (rc == 0 && !val)
        rc = gv_err_say(err, errlen, GV_EEXIST, "a contest '%s' already exists", c->slug);
    if (rc == 0) {
        const char *q[] = {val};
        *contest_id = strtoll(val, NULL, 10);
        /* The phases already past are not announced again: they were,
         * where the contest ran (the condition of migration 0003). */
        rc = db_pg_exec(NULL, pg,
                        "UPDATE contests SET announced_phase = CASE "
                        "WHEN now() < starts_at THEN 'scheduled' "
                        "WHEN now() < ends_at AND freezes_at IS NOT NULL AND now() >= freezes_at "
                        "AND freezes_at < ends_at THEN 'frozen' "
                        "WHEN now() < ends_at THEN 'running' "
                        "WHEN unfrozen_at IS NULL OR now() < unfrozen_at THEN 'ended' "
                        "ELSE 'finalized' END::contest_phase WHERE id = $1::bigint",
                        1, q);
    }
    if (rc == 0)
        rc = insert_problems(err, errlen, pg, val, c);
    if (rc == 0)
        rc = insert_teams(err, errlen, pg, val, c);
    if (rc == GV_EDB)
        gv_err_say(err, errlen, rc, "%s", db_pg_last_error(pg));
    gv_free(val);
    rc = db__pg_tx_end(pg, rc);
    if (rc < 0)
        *contest_id = 0;
    return rc;
}

int db_import_submission(int64_t *out_id, struct db_pg *pg, int64_t contest_id,
                         const struct db_import_team *team, const struct db_import_problem *p,
                         const char *language, const char *blob_hex, int64_t at_ms,
                         const char *ext_id)
{
    char cid[24], uid[24], pid[24], vid[24], at[24], *val = NULL;
    const char *q[] = {uid, pid, vid, cid, language, blob_hex, at, ext_id};
    int rc;

    I64(cid, contest_id);
    I64(uid, team->user_id);
    I64(pid, p->id);
    I64(vid, p->version_id);
    I64(at, at_ms);
    rc = db_pg_query_value(&val, pg,
                           "INSERT INTO submissions (user_id, problem_id, problem_version_id, "
                           "contest_id, language, source_blob, source_size, priority, "
                           "created_at, external_id) SELECT $1::bigint, $2::bigint, $3::bigint, "
                           "$4::bigint, $5::submission_language, sha256, size, 0, " TS(
                               7) ", $8 "
                                  "FROM blobs WHERE sha256 = decode($6, 'hex') RETURNING id",
                           8, q);
    if (rc == 0 && !val)
        rc = GV_ENOTFOUND; /* the placeholder blob */
    if (rc == 0)
        *out_id = strtoll(val, NULL, 10);
    gv_free(val);
    return rc;
}

int db_import_verdict(struct cst_event *out, struct db_pg *pg, int64_t contest_id,
                      int64_t submission_id, const struct db_import_team *team,
                      const struct db_import_problem *p, const char *verdict, double score,
                      int64_t start_ms, int64_t end_ms)
{
    char sid[24], sc[48], st[24], en[24], *val = NULL;
    struct cst_event ev;
    int rc;

    cst_event_init(&ev, CST_EVENT_JUDGING_VERDICT);
    ev.submission_id = submission_id;
    ev.user_id = team->user_id;
    ev.contest_id = contest_id;
    ev.u.verdict.problem_id = p->id;
    ev.u.verdict.score = score;
    if ((size_t)snprintf(ev.u.verdict.verdict, sizeof(ev.u.verdict.verdict), "%s", verdict) >=
        sizeof(ev.u.verdict.verdict))
        return GV_EINVAL;
    I64(sid, submission_id);
    I64(st, start_ms);
    I64(en, end_ms);
    snprintf(sc, sizeof(sc), "%.3f", score < 0 ? 0.0 : score);
    rc = db_pg_exec_script(pg, "BEGIN");
    if (rc < 0)
        return rc;
    {
        const char *q[] = {sid, verdict, sc, st, en};
        rc = db_pg_query_value(&val, pg,
                               "INSERT INTO judgings (submission_id, judge_host, verdict, score, "
                               "started_at, finished_at) VALUES ($1::bigint, 'clics-import', "
                               "$2::verdict, $3::numeric, " TS(4) ", " TS(5) ") RETURNING id",
                               5, q);
    }
    if (rc == 0) {
        const char *q[] = {sid, verdict, sc, en};
        ev.u.verdict.judging_id = val ? strtoll(val, NULL, 10) : 0;
        rc = db_pg_exec(NULL, pg,
                        "UPDATE submissions SET status = 'judged', verdict = $2::verdict, "
                        "score = $3::numeric, judged_at = " TS(4) " WHERE id = $1::bigint",
                        4, q);
    }
    if (rc == 0)
        rc = cst_event_valid(&ev) ? db_event_insert(pg, &ev) : GV_EINVAL;
    gv_free(val);
    rc = db__pg_tx_end(pg, rc);
    if (rc == 0)
        *out = ev;
    return rc;
}

int db_import_finish(struct db_pg *pg, int64_t contest_id)
{
    char cid[24];
    const char *q[] = {cid};

    I64(cid, contest_id);
    return db_pg_exec(NULL, pg,
                      "UPDATE problems p SET submission_count = (SELECT count(*) FROM "
                      "submissions s WHERE s.problem_id = p.id AND s.status = 'judged'), "
                      "solve_count = (SELECT count(DISTINCT user_id) FROM submissions s WHERE "
                      "s.problem_id = p.id AND s.verdict = 'AC') FROM contest_problems cp "
                      "WHERE cp.contest_id = $1::bigint AND cp.problem_id = p.id",
                      1, q);
}
