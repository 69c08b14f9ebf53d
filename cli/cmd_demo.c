/* SPDX-License-Identifier: MIT
 * cmd_demo.c - `gavel demo seed`: demo users, problems and a contest.
 *
 * Idempotent: everything is keyed by its natural key (username, slug) and
 * inserted only when missing, in one transaction, so a second run changes
 * nothing and a failed run leaves nothing half-seeded. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "db.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "banned.h"

#define DEMO_PASSWORD "demo"

struct demo_user {
    const char *username, *display_name, *role, *tier;
};

static const struct demo_user demo_users[] = {
    {"admin", "Administrator", "admin", "paid"},
    {"jury", "Contest Jury", "organizer", "paid"},
    {"alice", "Alice", "contestant", "free"},
    {"bob", "Bob", "contestant", "paid"},
};

/* A test case is generated into `in` and `ans` from its index. */
typedef int demo_gen_fn(struct gv_buf *in, struct gv_buf *ans, int index);

struct demo_problem {
    const char *slug, *name;
    int difficulty, time_limit_ms, memory_limit_mb, n_samples, n_tests;
    int is_public;
    const char *statement;
    demo_gen_fn *gen;
};

static uint64_t lcg(uint64_t *state)
{
    *state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
    return *state >> 33;
}

static int gen_hello(struct gv_buf *in, struct gv_buf *ans, int index)
{
    return gv_buf_puts(ans, "Hello, Gavel!\n");
}

static int gen_a_plus_b(struct gv_buf *in, struct gv_buf *ans, int index)
{
    static const long long fixed[][2] = {{1, 2},
                                         {-5, 5},
                                         {1000000000000LL, 999999999999LL},
                                         {-1000000000000000000LL, -1000000000000000000LL}};
    uint64_t st = (uint64_t)index * 7919 + 1;
    long long a, b;
    int err;

    if (index < (int)(sizeof(fixed) / sizeof(fixed[0]))) {
        a = fixed[index][0];
        b = fixed[index][1];
    } else {
        a = (long long)(lcg(&st) % 2000000001ULL) - 1000000000LL;
        b = (long long)(lcg(&st) % 2000000001ULL) - 1000000000LL;
    }
    err = gv_buf_printf(in, "%lld %lld\n", a, b);
    return err < 0 ? err : gv_buf_printf(ans, "%lld\n", a + b);
}

static int gen_max_subarray(struct gv_buf *in, struct gv_buf *ans, int index)
{
    static const int sizes[] = {5, 1, 8, 1000, 200000};
    int n = sizes[index % 5];
    uint64_t st = (uint64_t)index * 104729 + 17;
    long long best = 0, run = 0;
    int err;

    err = gv_buf_printf(in, "%d\n", n);
    for (int i = 0; i < n && err == 0; i++) {
        long long v = index == 0 ? (long long[]){-2, 1, -3, 4, -1}[i]
                                 : (long long)(lcg(&st) % 2000001ULL) - 1000000LL;

        /* Kadane, with the empty subarray allowed (answer >= 0). */
        run = run + v > 0 ? run + v : 0;
        best = run > best ? run : best;
        err = gv_buf_printf(in, "%lld%c", v, i + 1 == n ? '\n' : ' ');
    }
    return err < 0 ? err : gv_buf_printf(ans, "%lld\n", best);
}

static const struct demo_problem demo_problems[] = {
    {"hello-gavel", "Hello, Gavel!", 800, 1000, 256, 1, 1, 1,
     "Print the line `Hello, Gavel!`.\n\n## Input\n\nThere is no input.\n\n"
     "## Output\n\nThe single line `Hello, Gavel!`.\n",
     gen_hello},
    {"a-plus-b", "A + B", 800, 1000, 256, 1, 8, 1,
     "Given two integers $a$ and $b$, print $a + b$.\n\n## Input\n\n"
     "One line with two integers $a$ and $b$ ($-10^{18} \\le a, b \\le 10^{18}$).\n\n"
     "## Output\n\nOne line with $a + b$. It fits in a signed 64-bit integer.\n",
     gen_a_plus_b},
    {"max-subarray", "Maximum Subarray Sum", 1400, 1000, 256, 1, 5, 0,
     "Given $n$ integers, find the largest sum of a contiguous, possibly empty, "
     "run of them.\n\n## Input\n\nThe first line holds $n$ ($1 \\le n \\le 2 \\cdot 10^5$). "
     "The second holds $n$ integers $a_i$ ($|a_i| \\le 10^6$).\n\n"
     "## Output\n\nThe largest sum. The empty run has sum $0$.\n",
     gen_max_subarray},
};

static int seed_users(struct db_pg *pg)
{
    for (size_t i = 0; i < sizeof(demo_users) / sizeof(demo_users[0]); i++) {
        const struct demo_user *u = &demo_users[i];
        int err =
            db_user_create(NULL, pg, u->username, u->display_name, DEMO_PASSWORD, u->role, u->tier);

        if (err == GV_EEXIST)
            continue;
        if (err < 0)
            return err;
        printf("created user %s (%s, %s)\n", u->username, u->role, u->tier);
    }
    return 0;
}

static int seed_tests(struct db_pg *pg, const char *version_id, const struct demo_problem *p)
{
    struct gv_buf in, ans;
    int err = 0;

    /* Inputs stay well below the blob store's limits. */
    gv_buf_init(&in, 16 << 20);
    gv_buf_init(&ans, 1 << 20);
    for (int i = 0; i < p->n_tests && err == 0; i++) {
        char in_key[DB_SHA256_HEX_LEN + 1], ans_key[DB_SHA256_HEX_LEN + 1];
        char ordinal[16], name[32];
        const char *params[] = {version_id, ordinal, name, i < p->n_samples ? "t" : "f",
                                in_key,     ans_key};

        gv_buf_reset(&in);
        gv_buf_reset(&ans);
        err = p->gen(&in, &ans, i);
        if (err == 0)
            err = db_blob_put(in_key, pg, in.data ? in.data : "", in.len);
        if (err == 0)
            err = db_blob_put(ans_key, pg, ans.data ? ans.data : "", ans.len);
        if (err < 0)
            break;
        snprintf(ordinal, sizeof(ordinal), "%d", i + 1);
        snprintf(name, sizeof(name), "%s/%02d", i < p->n_samples ? "sample" : "secret", i + 1);
        err = db_pg_exec(NULL, pg,
                         "INSERT INTO test_cases (problem_version_id, ordinal, name, is_sample,"
                         " input_blob, answer_blob)"
                         " VALUES ($1, $2, $3, $4, decode($5, 'hex'), decode($6, 'hex'))",
                         6, params);
    }
    gv_buf_release(&in);
    gv_buf_release(&ans);
    return err;
}

static int seed_problem(struct db_pg *pg, const struct demo_problem *p)
{
    char difficulty[16], time_ms[16], memory_kb[16];
    const char *params[] = {p->slug, p->name, difficulty, p->is_public ? "t" : "f"};
    char *problem_id = NULL, *version_id = NULL;
    int err;

    snprintf(difficulty, sizeof(difficulty), "%d", p->difficulty);
    snprintf(time_ms, sizeof(time_ms), "%d", p->time_limit_ms);
    snprintf(memory_kb, sizeof(memory_kb), "%d", p->memory_limit_mb * 1024);
    err = db_pg_query_value(&problem_id, pg,
                            "INSERT INTO problems (slug, name, difficulty, is_public)"
                            " VALUES ($1, $2, $3, $4) ON CONFLICT (slug) DO NOTHING RETURNING id",
                            4, params);
    if (err < 0 || !problem_id)
        goto out; /* already seeded */
    {
        const char *vparams[] = {problem_id, p->statement, time_ms, memory_kb};

        err = db_pg_query_value(&version_id, pg,
                                "INSERT INTO problem_versions (problem_id, version, statement_md,"
                                " time_limit_ms, memory_limit_kb) VALUES ($1, 1, $2, $3, $4)"
                                " RETURNING id",
                                4, vparams);
    }
    if (err < 0)
        goto out;
    err = seed_tests(pg, version_id, p);
    if (err == 0)
        printf("created problem %s (%d tests)\n", p->slug, p->n_tests);
out:
    gv_free(problem_id);
    gv_free(version_id);
    return err;
}

/* The demo contest starts ten minutes before the first seeding and runs for
 * four hours, so a fresh demo shows a live contest with a countdown to its
 * freeze. Re-seeding never moves it. */
static int seed_contest(struct db_pg *pg)
{
    static const char *const labels[][2] = {{"A", "a-plus-b"}, {"B", "max-subarray"}};
    char *contest_id = NULL;
    int err;

    err = db_pg_query_value(
        &contest_id, pg,
        "INSERT INTO contests (slug, title, scoring, starts_at, freezes_at, ends_at,"
        " created_by) SELECT 'demo-contest', 'Gavel Demo Contest', 'icpc',"
        " now() - interval '10 minutes', now() + interval '2 hours 50 minutes',"
        " now() + interval '3 hours 50 minutes', (SELECT id FROM users WHERE username = 'jury')"
        " ON CONFLICT (slug) DO NOTHING RETURNING id",
        0, NULL);
    if (err < 0 || !contest_id)
        goto out;
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]) && err == 0; i++) {
        char ordinal[8];
        const char *params[] = {contest_id, labels[i][1], labels[i][0], ordinal};

        snprintf(ordinal, sizeof(ordinal), "%zu", i + 1);
        err = db_pg_exec(NULL, pg,
                         "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal)"
                         " SELECT $1, id, $3, $4 FROM problems WHERE slug = $2",
                         4, params);
    }
    if (err == 0) {
        const char *params[] = {contest_id};

        err = db_pg_exec(NULL, pg,
                         "INSERT INTO participants (contest_id, user_id)"
                         " SELECT $1, id FROM users WHERE role = 'contestant'",
                         1, params);
    }
    if (err == 0)
        printf("created contest demo-contest (running now, 4 hours)\n");
out:
    gv_free(contest_id);
    return err;
}

static int demo_seed(void)
{
    struct db_pg *pg;
    char why[512];
    int err;

    if (db_pg_open(&pg, db_pg_url(), 5, why, sizeof(why)) < 0) {
        char url[512];

        fprintf(stderr, "gavel: cannot connect to PostgreSQL (GAVEL_PG_URL=%s): %s\n",
                db_pg_url_redact(url, sizeof(url), db_pg_url()), why);
        return CLI_EXIT_FAIL;
    }
    err = db_pg_exec_script(pg, "BEGIN");
    if (err == 0)
        err = seed_users(pg);
    for (size_t i = 0; i < sizeof(demo_problems) / sizeof(demo_problems[0]) && err == 0; i++)
        err = seed_problem(pg, &demo_problems[i]);
    if (err == 0)
        err = seed_contest(pg);
    if (err == 0)
        err = db_pg_exec_script(pg, "COMMIT");
    if (err < 0) {
        fprintf(stderr, "gavel: demo seed failed, nothing was changed: %s\n%s", gv_strerror(err),
                db_pg_last_error(pg));
        db_pg_exec_script(pg, "ROLLBACK");
        db_pg_close(pg);
        return CLI_EXIT_FAIL;
    }
    printf("demo data is in place (users: admin, jury, alice, bob; password '%s')\n",
           DEMO_PASSWORD);
    db_pg_close(pg);
    return CLI_EXIT_OK;
}

int cli_cmd_demo(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "seed"))
        return demo_seed();
    fprintf(stderr, "usage: gavel demo seed\n");
    return CLI_EXIT_USAGE;
}
