/* SPDX-License-Identifier: MIT
 * cmd_submit.c - `gavel submit` and `gavel rejudge`: the organizer's (and
 * the tests') way to put work on the judge queue without a browser.
 *
 * Both write PostgreSQL first and push to the queue second, like the
 * server: a crash between the two loses nothing, since every gavel-judge
 * re-queues unjudged submissions (db_queue_recover). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "commands.h"
#include "cst.h"
#include "db.h"
#include "db_queue.h"
#include "db_submission.h"
#include "gv_alloc.h"
#include "gv_config.h"
#include "gv_err.h"
#include "banned.h"

struct stores {
    struct db_pg *pg;
    struct db_redis *redis;
    struct db_queue *queue;
};

static int stores_open(struct stores *s, const char *who)
{
    char msg[512];

    memset(s, 0, sizeof(*s));
    if (db_pg_open(&s->pg, db_pg_url(), 10, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "%s: cannot connect to PostgreSQL: %s\n", who, msg);
        return -1;
    }
    if (db_redis_open(&s->redis, db_redis_url(), 2000, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "%s: cannot connect to Redis: %s\n", who, msg);
        return -1;
    }
    struct db_queue_opts qo = {.prefix = gv_config_get("GAVEL_QUEUE_PREFIX", NULL)};

    if (db_queue_open(&s->queue, s->redis, &qo) < 0) {
        fprintf(stderr, "%s: cannot open the queue: %s\n", who, db_redis_last_error(s->redis));
        return -1;
    }
    return 0;
}

static void stores_close(struct stores *s)
{
    db_queue_close(s->queue);
    db_redis_close(s->redis);
    db_pg_close(s->pg);
}

static int64_t user_id_of(struct db_pg *pg, const char *name)
{
    const char *p[] = {name};
    char *val = NULL;
    int64_t id = 0;

    if (db_pg_query_value(&val, pg, "SELECT id FROM users WHERE lower(username) = lower($1)", 1,
                          p) == 0 &&
        val)
        id = strtoll(val, NULL, 10);
    gv_free(val);
    return id;
}

static int64_t contest_id_of(struct db_pg *pg, const char *slug)
{
    const char *p[] = {slug};
    char *val = NULL;
    int64_t id = 0;

    if (db_pg_query_value(&val, pg, "SELECT id FROM contests WHERE slug = $1", 1, p) == 0 && val)
        id = strtoll(val, NULL, 10);
    gv_free(val);
    return id;
}

static void submit_usage(FILE *f)
{
    fprintf(f, "usage: gavel submit --user NAME --problem SLUG [--contest SLUG] [--lang ID] "
               "SOURCE\n");
    cli_lang_usage(f);
}

int cli_cmd_submit(int argc, char **argv)
{
    const char *user = NULL, *problem = NULL, *contest = NULL, *lang_id = NULL, *source = NULL;
    const struct gv_lang *lang;
    struct db_new_submission in = {0};
    struct stores st;
    struct gv_buf src;
    int64_t id = 0;
    int prio = 0, err, rc = CLI_EXIT_FAIL;
    bool queued = false;

    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--user") && v)
            user = argv[++i];
        else if (!strcmp(argv[i], "--problem") && v)
            problem = argv[++i];
        else if (!strcmp(argv[i], "--contest") && v)
            contest = argv[++i];
        else if (!strcmp(argv[i], "--lang") && v)
            lang_id = argv[++i];
        else if (argv[i][0] != '-' && !source)
            source = argv[i];
        else {
            fprintf(stderr, "gavel submit: unexpected argument '%s'\n", argv[i]);
            submit_usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (!user || !problem || !source) {
        submit_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    lang = cli_lang("submit", lang_id, source);
    if (!lang)
        return CLI_EXIT_USAGE;
    gv_buf_init(&src, DB_SOURCE_MAX);
    err = cli_read_file(&src, source);
    if (err < 0 || src.len == 0) {
        fprintf(stderr, "gavel submit: cannot read source '%s': %s\n", source,
                err == GV_ETOOBIG ? "larger than 1 MiB" : err < 0 ? gv_strerror(err) : "empty");
        gv_buf_release(&src);
        return CLI_EXIT_USAGE;
    }
    if (stores_open(&st, "gavel submit") < 0)
        goto out;
    in.user_id = user_id_of(st.pg, user);
    if (!in.user_id) {
        fprintf(stderr, "gavel submit: no user '%s'\n", user);
        goto out;
    }
    if (contest) {
        in.contest_id = contest_id_of(st.pg, contest);
        if (!in.contest_id) {
            fprintf(stderr, "gavel submit: no contest '%s'\n", contest);
            goto out;
        }
    }
    in.problem_slug = problem;
    in.language = lang->id;
    in.source = src.data;
    in.source_len = src.len;
    err = db_submission_create(&id, &prio, st.pg, &in);
    if (err < 0) {
        fprintf(stderr, "gavel submit: %s\n",
                err == GV_ENOTFOUND ? "no such problem"
                : err == GV_EINVAL  ? "that problem is not in that contest"
                                    : db_pg_last_error(st.pg));
        goto out;
    }
    err = db_queue_push(&queued, st.queue, id, prio, in.user_id);
    if (err < 0) {
        /* Stored but not queued: a worker's recovery sweep picks it up. */
        fprintf(stderr, "gavel submit: submission %" PRId64 " stored but not queued (%s); a "
                        "judge will re-queue it\n", id, gv_strerror(err));
    }
    printf("%" PRId64 "\n", id);
    rc = CLI_EXIT_OK;
out:
    stores_close(&st);
    gv_buf_release(&src);
    return rc;
}

int cli_cmd_rejudge(int argc, char **argv)
{
    static const char *const kinds[] = {"submission", "problem", "contest"};
    const char *kind = NULL, *key = NULL;
    struct stores st;
    int64_t *ids = NULL;
    size_t n = 0, pushed = 0;
    int rc = CLI_EXIT_FAIL, err = 0;

    if (argc == 3) {
        for (size_t k = 0; k < 3; k++) {
            if (!strcmp(argv[1] + (argv[1][0] == '-' && argv[1][1] == '-' ? 2 : 0), kinds[k]))
                kind = kinds[k];
        }
        key = argv[2];
    }
    if (!kind || (!strcmp(kind, "submission") && strspn(key, "0123456789") != strlen(key))) {
        fprintf(stderr, "usage: gavel rejudge --submission ID | --problem SLUG | --contest SLUG\n");
        return CLI_EXIT_USAGE;
    }
    if (stores_open(&st, "gavel rejudge") < 0)
        goto out;
    err = db_submission_select(&ids, &n, st.pg, kind, key);
    if (err < 0) {
        fprintf(stderr, "gavel rejudge: %s\n", db_pg_last_error(st.pg));
        goto out;
    }
    if (n == 0) {
        fprintf(stderr, "gavel rejudge: no submissions match %s %s\n", kind, key);
        goto out;
    }
    err = db_submission_mark_rejudge(st.pg, ids, n);
    if (err < 0) {
        fprintf(stderr, "gavel rejudge: %s\n", db_pg_last_error(st.pg));
        goto out;
    }
    for (size_t i = 0; i < n && err == 0; i++) {
        bool queued = false;
        err = db_queue_push(&queued, st.queue, ids[i], CST_PRIO_REJUDGE, 0);
        pushed += queued;
    }
    if (err < 0) {
        fprintf(stderr, "gavel rejudge: cannot queue: %s\n", gv_strerror(err));
        goto out;
    }
    printf("%zu submissions queued for rejudging (%zu already queued)\n", pushed, n - pushed);
    rc = CLI_EXIT_OK;
out:
    gv_free(ids);
    stores_close(&st);
    return rc;
}
