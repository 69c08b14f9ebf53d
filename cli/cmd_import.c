/* SPDX-License-Identifier: MIT
 * cmd_import.c - `gavel contest import --event-feed FILE [--speed N]
 * [--slug SLUG]`: a contest from its CLICS event feed, into PostgreSQL.
 *
 * The feed is read whole by the reader `gavel contest replay` uses
 * (cli_feed.h, contest/'s parser), so both take the same lines and refuse
 * the same ones. What it leaves (updates applied, deletes gone) is stored
 * by db/ (db_clics_import.h): the contest, problems and teams in one
 * transaction, then every submission and its verdict in contest-time
 * order. Each verdict is logged with its judging.verdict event and
 * published with the team's scoreboard row, as gavel-judge does: a browser
 * watching the board and a CLICS event-feed reader see the import as they
 * would see judges at work. With --speed N the submissions and verdicts
 * come at N times the feed's pace, contest time 0 being the moment they
 * start; without it, as fast as PostgreSQL takes them. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_feed.h"
#include "commands.h"
#include "cst_clics.h"
#include "cst_feed.h"
#include "db.h"
#include "db_clics_import.h"
#include "db_contest.h"
#include "db_event.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_time.h"
#include "banned.h"

#define WHO "gavel contest import"
#define IMPORT_USAGE                                                                               \
    "usage: gavel contest import --event-feed FILE [--speed N] [--slug SLUG]\n"                    \
    "FILE is a CLICS event feed (NDJSON, plain or .zst). Stores its contest, problems\n"           \
    "(placeholders), teams (users who cannot log in), submissions and judgements;\n"               \
    "with --speed N the submissions and verdicts arrive at N times the feed's pace.\n"             \
    "SLUG defaults to the feed's contest id, lowercased.\n"

/* What a submission's source says: a feed carries none. */
static const char placeholder[] = "imported from a CLICS event feed, which carries no sources\n";

enum act_kind { ACT_SUBMIT, ACT_VERDICT };

struct action {
    int64_t at_ms; /* contest time */
    enum act_kind kind;
    size_t sub; /* index into the export's subs */
};

struct id_index {
    const char *id;
    size_t i;
};

struct import {
    struct cst_feed_contest x;
    struct db_import_contest c;
    struct id_index *team_ix, *prob_ix;
    size_t *sub_team, *sub_prob; /* per submission: SIZE_MAX when unknown */
    int64_t *sub_id;             /* per submission: our id once stored */
    struct action *acts;
    size_t nacts, nsubs, skipped, unjudged, verdicts;
    struct db_pg *pg;
    struct db_redis *redis;
    int64_t contest_id;
    char blob[DB_SHA256_HEX_LEN + 1];
    bool publish_warned;
};

static int ix_cmp(const void *a, const void *b)
{
    return strcmp(((const struct id_index *)a)->id, ((const struct id_index *)b)->id);
}

static size_t ix_find(const struct id_index *ix, size_t n, const char *id)
{
    struct id_index key = {.id = id};
    const struct id_index *hit = bsearch(&key, ix, n, sizeof(*ix), ix_cmp);

    return hit ? hit->i : SIZE_MAX;
}

static int act_cmp(const void *pa, const void *pb)
{
    const struct action *a = pa, *b = pb;

    if (a->at_ms != b->at_ms)
        return a->at_ms < b->at_ms ? -1 : 1;
    if (a->kind != b->kind)
        return a->kind < b->kind ? -1 : 1; /* a submission before any verdict at its time */
    return a->sub < b->sub ? -1 : a->sub > b->sub;
}

/* Our verdict for the feed's judgement: one that counts on our board as
 * the feed's type counts on its (db__outcome_of: AC solves, CE is ignored,
 * anything else costs penalty time), named as the feed named it when we
 * have that name. NULL: no verdict (judging, or a type nobody defines). */
static const char *our_verdict(const struct cst_feed_submission *s)
{
    static const char *const rejected[][2] = {
        {"WA", "WA"}, {"TLE", "TLE"}, {"MLE", "MLE"}, {"OLE", "OLE"}, {"RTE", "RE"}};

    switch (s->outcome) {
    case CST_OUT_ACCEPTED:
        return "AC";
    case CST_OUT_IGNORED:
        return "CE";
    case CST_OUT_REJECTED:
        for (size_t i = 0; i < sizeof(rejected) / sizeof(rejected[0]); i++)
            if (!strcmp(s->jtype, rejected[i][0]))
                return rejected[i][1];
        return "WA";
    case CST_OUT_PENDING:
        break;
    }
    return NULL;
}

/* The feed's language id as one of ours (the schema has four). */
static const char *our_language(const char *id)
{
    if (!id)
        return "cpp";
    if (!strcmp(id, "c"))
        return "c";
    if (!strncmp(id, "py", 2))
        return "python";
    if (!strcmp(id, "java") || !strcmp(id, "kotlin"))
        return "java";
    return "cpp";
}

/* The feed's contest id as a slug: lowercased, other characters '-'. */
static int default_slug(char *out, size_t n, const char *id)
{
    size_t k = 0;

    for (; id && *id && k + 1 < n && k < 64; id++) {
        char ch = *id >= 'A' && *id <= 'Z' ? (char)(*id - 'A' + 'a') : *id;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')))
            ch = '-';
        if (k == 0 && ch == '-')
            continue;
        out[k++] = ch;
    }
    out[k] = '\0';
    return k ? 0 : GV_EINVAL;
}

static bool slug_ok(const char *s)
{
    size_t n = strlen(s);

    if (n < 1 || n > 64 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* The contest's part of the export, as db/ stores it; the indexes that
 * find a submission's team and problem; the actions in contest time. */
static int plan(struct import *im, const char *slug)
{
    struct cst_feed_contest *x = &im->x;
    struct db_import_contest *c = &im->c;

    c->slug = slug;
    c->title = x->name ? x->name : x->id ? x->id : slug;
    c->ioi = x->ioi;
    c->starts_at_ms = x->start_ms;
    c->ends_at_ms = x->start_ms + x->duration_ms;
    c->freezes_at_ms = x->freeze_ms >= 0 ? c->ends_at_ms - x->freeze_ms : 0;
    c->unfrozen_at_ms = x->thawed_ms;
    c->penalty_minutes = x->penalty_minutes;
    c->nproblems = x->nproblems;
    c->nteams = x->nteams;
    c->problems = gv_calloc(x->nproblems + 1, sizeof(*c->problems));
    c->teams = gv_calloc(x->nteams + 1, sizeof(*c->teams));
    im->prob_ix = gv_calloc(x->nproblems + 1, sizeof(*im->prob_ix));
    im->team_ix = gv_calloc(x->nteams + 1, sizeof(*im->team_ix));
    im->sub_team = gv_calloc(x->nsubs + 1, sizeof(*im->sub_team));
    im->sub_prob = gv_calloc(x->nsubs + 1, sizeof(*im->sub_prob));
    im->sub_id = gv_calloc(x->nsubs + 1, sizeof(*im->sub_id));
    im->acts = gv_calloc(2 * x->nsubs + 1, sizeof(*im->acts));
    if (!c->problems || !c->teams || !im->prob_ix || !im->team_ix || !im->sub_team ||
        !im->sub_prob || !im->sub_id || !im->acts)
        return -ENOMEM;
    for (size_t i = 0; i < x->nproblems; i++) {
        c->problems[i] = (struct db_import_problem){.ext_id = x->problems[i].id,
                                                    .label = x->problems[i].label,
                                                    .name = x->problems[i].name};
        im->prob_ix[i] = (struct id_index){x->problems[i].id, i};
    }
    for (size_t i = 0; i < x->nteams; i++) {
        c->teams[i] = (struct db_import_team){
            .ext_id = x->teams[i].id, .name = x->teams[i].name, .hidden = x->teams[i].hidden};
        im->team_ix[i] = (struct id_index){x->teams[i].id, i};
    }
    qsort(im->prob_ix, x->nproblems, sizeof(*im->prob_ix), ix_cmp);
    qsort(im->team_ix, x->nteams, sizeof(*im->team_ix), ix_cmp);
    for (size_t s = 0; s < x->nsubs; s++) {
        const struct cst_feed_submission *o = &x->subs[s];
        int64_t end;

        im->sub_team[s] = ix_find(im->team_ix, x->nteams, o->team_id);
        im->sub_prob[s] = ix_find(im->prob_ix, x->nproblems, o->problem_id);
        if (im->sub_team[s] == SIZE_MAX || im->sub_prob[s] == SIZE_MAX) {
            im->skipped++; /* as on the replayed board: a team or problem the feed lacks */
            continue;
        }
        im->acts[im->nacts++] = (struct action){o->at_ms, ACT_SUBMIT, s};
        im->nsubs++;
        if (!our_verdict(o)) {
            im->unjudged++;
            continue;
        }
        end = o->judge_end_ms != INT64_MIN ? o->judge_end_ms : o->at_ms;
        im->acts[im->nacts++] = (struct action){end < o->at_ms ? o->at_ms : end, ACT_VERDICT, s};
    }
    qsort(im->acts, im->nacts, sizeof(*im->acts), act_cmp);
    return 0;
}

/* Live delivery is best effort, as gavel-judge's: the events table holds
 * the verdict whatever happens to Redis. Said once. */
static void published(struct import *im, int rc)
{
    if (rc < 0 && rc != GV_ENOTFOUND && !im->publish_warned) {
        fprintf(stderr, "%s: warning: live clients miss some of the import: %s\n", WHO,
                gv_strerror(rc));
        im->publish_warned = true;
    }
}

static int act(struct import *im, const struct action *a)
{
    const struct cst_feed_submission *o = &im->x.subs[a->sub];
    const struct db_import_team *t = &im->c.teams[im->sub_team[a->sub]];
    const struct db_import_problem *p = &im->c.problems[im->sub_prob[a->sub]];
    int64_t start = im->x.start_ms;
    struct cst_event ev;
    int rc;

    if (a->kind == ACT_SUBMIT) {
        rc = db_import_submission(&im->sub_id[a->sub], im->pg, im->contest_id, t, p,
                                  our_language(o->language_id), im->blob, start + o->at_ms, o->id);
    } else {
        int64_t js = o->judge_start_ms != INT64_MIN ? o->judge_start_ms : o->at_ms;
        rc =
            db_import_verdict(&ev, im->pg, im->contest_id, im->sub_id[a->sub], t, p, our_verdict(o),
                              o->score, start + (js > a->at_ms ? a->at_ms : js), start + a->at_ms);
        if (rc == 0 && im->redis) {
            published(im, db_event_publish(NULL, im->redis, &ev));
            cst_event_release(&ev);
        } else if (rc == 0) {
            cst_event_release(&ev);
        }
        if (rc == 0)
            im->verdicts++;
    }
    if (rc < 0) {
        fprintf(stderr, "%s: submission '%s': %s\n", WHO, o->id,
                rc == GV_EDB ? db_pg_last_error(im->pg) : gv_strerror(rc));
        return rc;
    }
    if (im->redis && !t->hidden)
        published(im, db_contest_row_publish(im->pg, im->redis, im->contest_id, t->user_id,
                                             gv_time_real_ms()));
    return 0;
}

static void sleep_until(int64_t mono_ms)
{
    int64_t now = gv_time_mono_ms();

    if (mono_ms > now) {
        struct timespec ts = {(time_t)((mono_ms - now) / 1000),
                              (long)((mono_ms - now) % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
}

static int run(struct import *im, double speed)
{
    char err[512];
    int64_t t0;
    int rc;

    rc = db_import_contest(&im->contest_id, err, sizeof(err), im->pg, &im->c);
    if (rc == GV_EEXIST) {
        fprintf(stderr,
                "%s: %s (imported before? `gavel contest show %s`; or choose another "
                "--slug)\n",
                WHO, err, im->c.slug);
        return rc;
    }
    if (rc == GV_EINVAL || rc == GV_EDB) {
        fprintf(stderr, "%s: %s\n", WHO, err);
        return rc;
    }
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", WHO, gv_strerror(rc));
        return rc;
    }
    rc = db_blob_put(im->blob, im->pg, placeholder, sizeof(placeholder) - 1);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", WHO, db_pg_last_error(im->pg));
        return rc;
    }
    if (speed > 0)
        printf("contest %" PRId64 " ('%s') created; playing %zu submissions at %gx\n",
               im->contest_id, im->c.slug, im->nsubs, speed);
    fflush(stdout);
    t0 = gv_time_mono_ms();
    for (size_t i = 0; i < im->nacts; i++) {
        if (speed > 0 && im->acts[i].at_ms > 0)
            sleep_until(t0 + (int64_t)((double)im->acts[i].at_ms / speed));
        rc = act(im, &im->acts[i]);
        if (rc < 0)
            return rc;
    }
    rc = db_import_finish(im->pg, im->contest_id);
    if (rc < 0)
        fprintf(stderr, "%s: %s\n", WHO, db_pg_last_error(im->pg));
    return rc;
}

static void import_release(struct import *im)
{
    gv_free(im->c.problems);
    gv_free(im->c.teams);
    gv_free(im->prob_ix);
    gv_free(im->team_ix);
    gv_free(im->sub_team);
    gv_free(im->sub_prob);
    gv_free(im->sub_id);
    gv_free(im->acts);
    cst_feed_export_release(&im->x);
    db_redis_close(im->redis);
    db_pg_close(im->pg);
}

int cli_contest_import(int argc, char **argv)
{
    const char *path = NULL, *slug = NULL;
    struct cst_feed *feed = NULL;
    struct import im = {0};
    double speed = 0;
    char slugbuf[72], msg[512];
    int rc;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--event-feed") && i + 1 < argc) {
            path = argv[++i];
        } else if (!strcmp(argv[i], "--slug") && i + 1 < argc) {
            slug = argv[++i];
        } else if (!strcmp(argv[i], "--speed") && i + 1 < argc) {
            char *end;
            speed = strtod(argv[++i], &end);
            if (*end || !(speed > 0) || !isfinite(speed)) {
                fprintf(stderr, "%s: --speed takes a positive number, not '%s'\n", WHO, argv[i]);
                return CLI_EXIT_USAGE;
            }
        } else {
            path = NULL;
            break;
        }
    }
    if (!path) {
        fputs(IMPORT_USAGE, stderr);
        return CLI_EXIT_USAGE;
    }
    if (slug && !slug_ok(slug)) {
        fprintf(stderr, "%s: --slug takes [a-z0-9][a-z0-9-]{0,63}, not '%s'\n", WHO, slug);
        return CLI_EXIT_USAGE;
    }
    rc = cst_feed_new(&feed);
    if (rc == 0)
        rc = cli_feed_read(feed, path, WHO);
    if (rc == 0) {
        rc = cst_feed_export(&im.x, feed);
        if (rc == GV_EINVAL)
            fprintf(stderr, "%s: %s: the feed has no contest with a start time\n", WHO, path);
    }
    if (rc == 0 && !slug) {
        rc = default_slug(slugbuf, sizeof(slugbuf), im.x.id);
        if (rc < 0)
            fprintf(stderr, "%s: %s: the contest's id makes no slug: give --slug\n", WHO, path);
        slug = slugbuf;
    }
    if (rc == 0)
        rc = plan(&im, slug);
    if (rc == 0 && db_pg_open(&im.pg, db_pg_url(), 10, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "%s: cannot connect to PostgreSQL: %s\n", WHO, msg);
        rc = GV_EUNAVAIL;
    }
    if (rc == 0 && db_redis_open(&im.redis, db_redis_url(), 2000, msg, sizeof(msg)) < 0) {
        im.redis = NULL;
        /* Watching is what --speed is for; a plain import is whole without. */
        fprintf(stderr, "%s: %scannot connect to Redis: %s\n", WHO,
                speed > 0 ? "" : "warning: ", msg);
        if (speed > 0)
            rc = GV_EUNAVAIL;
    }
    if (rc == 0)
        rc = run(&im, speed);
    if (rc == 0) {
        if (im.skipped)
            fprintf(stderr,
                    "%s: skipped %zu submissions of teams or problems the feed does not "
                    "have\n",
                    WHO, im.skipped);
        /* The id last, alone on its line: scripts take `| tail -n1`. */
        printf("imported contest '%s': %zu problems, %zu teams, %zu submissions, %zu verdicts "
               "(%zu without one)\n%" PRId64 "\n",
               im.c.slug, im.c.nproblems, im.c.nteams, im.nsubs, im.verdicts,
               im.unjudged, im.contest_id);
    } else if (rc == -ENOMEM) {
        fprintf(stderr, "%s: %s\n", WHO, gv_strerror(rc));
    }
    import_release(&im);
    cst_feed_free(feed);
    return rc == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
}
