/* SPDX-License-Identifier: MIT
 * cmd_submit.c - `gavel submit` and `gavel rejudge`: the organizer's (and
 * the tests') way to put work on the judge queue without a browser, and
 * the report of what a rejudge changed.
 *
 * Both write PostgreSQL first and push to the queue second, like the
 * server: a crash between the two loses nothing, since every gavel-judge
 * re-queues unjudged submissions (db_queue_recover). */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "commands.h"
#include "cst.h"
#include "db.h"
#include "cst_def.h"
#include "db_queue.h"
#include "db_rejudge.h"
#include "db_submission.h"
#include "gv_alloc.h"
#include "gv_config.h"
#include "gv_err.h"
#include "gv_time.h"
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

static void rejudge_usage(FILE *f)
{
    fprintf(f, "usage: gavel rejudge --submission ID | --problem SLUG | --contest C [--problem P]\n"
               "       gavel rejudge --report BATCH [--json]\n"
               "C is a contest's slug or id; P a problem's slug or its label in C.\n");
}

/* A batch from the options: one submission, a problem, a contest or a
 * problem within a contest. Prints the batch's id on the last line. */
static int rejudge_create(struct db_rejudge_target *t)
{
    struct db_rejudge_item *items = NULL;
    const struct passwd *pw = getpwuid(geteuid());
    char origin[65];
    struct stores st;
    size_t n = 0, queued = 0;
    int64_t id = 0;
    int rc = CLI_EXIT_FAIL, err;

    /* Who asked, as far as a command line knows. */
    snprintf(origin, sizeof(origin), "cli:%s", pw ? pw->pw_name : "?");
    t->origin = origin;
    if (stores_open(&st, "gavel rejudge") < 0)
        goto out;
    err = db_rejudge_create(&id, &items, &n, st.pg, t);
    if (err == GV_ENOTFOUND || err == -ENODATA) {
        fprintf(stderr, "gavel rejudge: %s\n",
                err == -ENODATA ? "no submissions match" : "no such submission, problem or contest");
        goto out;
    }
    if (err < 0) {
        fprintf(stderr, "gavel rejudge: %s\n", db_pg_last_error(st.pg));
        goto out;
    }
    err = db_rejudge_queue(&queued, st.queue, items, n);
    if (err < 0) {
        /* Recorded and marked: the judges' recovery sweep queues them. */
        fprintf(stderr, "gavel rejudge: rejudge %" PRId64 " recorded but not all queued (%s); "
                        "a judge will re-queue them\n", id, gv_strerror(err));
    }
    printf("rejudge %" PRId64 ": %zu submissions, %zu queued (%zu already queued)\n%" PRId64 "\n",
           id, n, queued, err < 0 ? 0 : n - queued, id);
    rc = CLI_EXIT_OK;
out:
    gv_free(items);
    stores_close(&st);
    return rc;
}

static const char *str_or(const cJSON *o, const char *key, const char *dflt)
{
    const char *v = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));

    return v ? v : dflt;
}

static double num_of(const cJSON *o, const char *key)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* One view's board change: the rows whose standing moved. */
static void print_board_change(const cJSON *rows, const char *view)
{
    const cJSON *r;

    printf("\n%s board: %d rows changed\n", view, cJSON_GetArraySize(rows));
    if (cJSON_GetArraySize(rows) == 0)
        return;
    printf("  %-20s  %16s  %16s\n", "user", "before", "after");
    printf("  %-20s  %4s %3s %7s  %4s %3s %7s\n", "", "rank", "sol", "pen/pts", "rank", "sol",
           "pen/pts");
    cJSON_ArrayForEach(r, rows)
    {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(r, "before"),
                    *a = cJSON_GetObjectItemCaseSensitive(r, "after");

        printf("  %-20.20s  %4.0f %3.0f %7g  %4.0f %3.0f %7g\n", str_or(r, "username", "?"),
               num_of(b, "rank"), num_of(b, "solved"),
               num_of(b, "score") > 0 ? num_of(b, "score") : num_of(b, "penalty"),
               num_of(a, "rank"), num_of(a, "solved"),
               num_of(a, "score") > 0 ? num_of(a, "score") : num_of(a, "penalty"));
    }
}

static void print_report(const cJSON *o)
{
    const cJSON *counts = cJSON_GetObjectItemCaseSensitive(o, "counts"),
                *by = cJSON_GetObjectItemCaseSensitive(o, "requested_by"),
                *board = cJSON_GetObjectItemCaseSensitive(o, "board"), *it;
    char when[CST_DEF_TIME_TEXT];

    cst_def_format_time(when, (int64_t)num_of(o, "created_at_ms"));
    printf("rejudge %.0f: %s", num_of(o, "rejudge_id"), str_or(o, "scope", "?"));
    if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "contest_id")))
        printf(", contest %.0f", num_of(o, "contest_id"));
    if (str_or(o, "problem", NULL))
        printf(", problem %s", str_or(o, "problem", NULL));
    if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, "submission_id")))
        printf(", submission %.0f", num_of(o, "submission_id"));
    printf("; asked by %s (%s) at %s\n", str_or(by, "username", "-"), str_or(o, "origin", "?"),
           when);
    printf("%.0f submissions: %.0f done, %.0f pending, %.0f changed\n\n",
           num_of(counts, "submissions"), num_of(counts, "done"), num_of(counts, "pending"),
           num_of(counts, "changed"));
    printf("  %10s  %-20s  %-4s %-24s  %-7s  %-7s  %s\n", "submission", "user", "", "problem",
           "before", "after", "changed");
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(o, "submissions"))
    {
        /* No old verdict: it was not judged yet when the batch was made. */
        printf("  %10.0f  %-20.20s  %-4s %-24.24s  %-7s  %-7s  %s\n", num_of(it, "submission_id"),
               str_or(it, "username", "?"), str_or(it, "label", ""), str_or(it, "problem", "?"),
               str_or(it, "old_verdict", "-"), str_or(it, "new_verdict", "pending"),
               cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "changed")) ? "yes" : "");
    }
    if (cJSON_IsObject(board)) {
        print_board_change(cJSON_GetObjectItemCaseSensitive(board, "public"), "public");
        print_board_change(cJSON_GetObjectItemCaseSensitive(board, "jury"), "jury");
    }
}

static int rejudge_report(const char *key, bool json)
{
    struct db_pg *pg = NULL;
    char msg[512], *text = NULL;
    cJSON *o = NULL;
    int rc = CLI_EXIT_FAIL, err;

    if (db_pg_open(&pg, db_pg_url(), 10, msg, sizeof(msg)) < 0) {
        fprintf(stderr, "gavel rejudge: cannot connect to PostgreSQL: %s\n", msg);
        return CLI_EXIT_FAIL;
    }
    err = db_rejudge_report(&text, pg, strtoll(key, NULL, 10), gv_time_real_ms());
    if (err == GV_ENOTFOUND)
        fprintf(stderr, "gavel rejudge: no rejudge %s\n", key);
    else if (err < 0)
        fprintf(stderr, "gavel rejudge: %s\n", gv_strerror(err));
    else if (!(o = cJSON_Parse(text)))
        fprintf(stderr, "gavel rejudge: out of memory\n");
    if (o) {
        if (json)
            cli_json_print(o);
        else
            print_report(o);
        rc = CLI_EXIT_OK;
    }
    cJSON_Delete(o);
    gv_free(text);
    db_pg_close(pg);
    return rc;
}

static bool all_digits(const char *s)
{
    return s && *s && strspn(s, "0123456789") == strlen(s);
}

int cli_cmd_rejudge(int argc, char **argv)
{
    struct db_rejudge_target t = {0};
    const char *sub = NULL, *report = NULL;
    bool json = false;

    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--submission") && v)
            sub = argv[++i];
        else if (!strcmp(argv[i], "--problem") && v)
            t.problem = argv[++i];
        else if (!strcmp(argv[i], "--contest") && v)
            t.contest = argv[++i];
        else if (!strcmp(argv[i], "--report") && v)
            report = argv[++i];
        else if (!strcmp(argv[i], "--json"))
            json = true;
        else {
            fprintf(stderr, "gavel rejudge: unexpected argument '%s'\n", argv[i]);
            rejudge_usage(stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (report && all_digits(report) && !sub && !t.problem && !t.contest)
        return rejudge_report(report, json);
    t.scope = sub       ? DB_REJUDGE_SUBMISSION
              : t.contest ? (t.problem ? DB_REJUDGE_CONTEST_PROBLEM : DB_REJUDGE_CONTEST)
                          : DB_REJUDGE_PROBLEM;
    if (report || json || (sub && (t.problem || t.contest || !all_digits(sub))) ||
        (!sub && !t.problem && !t.contest)) {
        rejudge_usage(stderr);
        return CLI_EXIT_USAGE;
    }
    t.submission_id = sub ? strtoll(sub, NULL, 10) : 0;
    return rejudge_create(&t);
}
