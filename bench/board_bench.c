/* SPDX-License-Identifier: MIT
 * board_bench.c - the incremental scoreboard (db_ranking.h over Redis)
 * against today's full recomputation (cst_board_compute), same run.
 *
 *   load     every participant's empty row in both views (one db_ranking_put
 *            each, as a rebuild of an empty board would write them);
 *   update   one verdict: that participant's attempts appended to or changed
 *            (1 in 10 a rejudge or a late verdict for an earlier attempt),
 *            both views' rows recomputed from its attempts (cst_board_row)
 *            and written (db_ranking_put: one pipelined round trip);
 *   top 100  db_ranking_window(0, 100) on the public view, sampled: one
 *            request every SAMPLE verdicts, as a page asks;
 *   around   db_ranking_around(a random participant, 50 above and below),
 *            sampled the same way;
 *   PING     one Redis round trip with nothing to do, sampled the same way:
 *            the machine's floor for anything that asks Redis. The three
 *            take turns being the one request after a run of verdicts, so
 *            that each is measured as a page finds Redis, its caches
 *            cooled by what ran in between (docs/CONTESTS.md, "Scale");
 *   back to back: PING, top 100 and around 1000 times each after the
 *            verdicts, for figures not spread by what ran in between;
 *   full     cst_board_compute over all attempts at 1,000, 10,000 and the
 *            run's participants, attempts at the same density.
 * PostgreSQL is not in the loop: a verdict is written there anyway, and the
 * board's part of its cost is what this measures.
 *
 * usage: board_bench [PARTICIPANTS [VERDICTS]]   (default 100000 1000000)
 * Needs GAVEL_REDIS_URL; its keys are bench:<pid>:board:*, deleted at the end. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cst.h"
#include "cst_rank.h"
#include "db.h"
#include "db_ranking.h"
#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

#define PROBLEMS 12
#define MIN (60 * 1000LL)
#define LENGTH_MS (300 * MIN)
#define CONTEST 1
#define TIGHT 1000
#define SAMPLE 500

struct team {
    struct cst_attempt *at;
    size_t n, cap;
};

static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static double now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stats {
    double p50, p99, max, mean;
};

static struct stats stats_of(double *v, size_t n)
{
    struct stats s = {0};
    double sum = 0;

    if (!n)
        return s;
    qsort(v, n, sizeof(*v), cmp_double);
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    s.p50 = v[n / 2];
    s.p99 = v[(size_t)((double)n * 0.99) < n ? (size_t)((double)n * 0.99) : n - 1];
    s.max = v[n - 1];
    s.mean = sum / (double)n;
    return s;
}

static enum cst_outcome random_outcome(void)
{
    uint32_t k = rnd(10);
    return k < 3 ? CST_OUT_ACCEPTED : k < 8 ? CST_OUT_REJECTED : k < 9 ? CST_OUT_IGNORED
                                                                        : CST_OUT_PENDING;
}

static int put_team(struct db_redis *r, const struct cst_board_rules *rules,
                    const struct cst_rank_layout *l, int64_t uid, const struct team *t,
                    const char *names, size_t problem)
{
    static const int64_t none[PROBLEMS] = {INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX,
                                           INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX,
                                           INT64_MAX, INT64_MAX, INT64_MAX, INT64_MAX};
    struct cst_cell cells[2][PROBLEMS];
    struct cst_row rows[2];
    struct db_ranking_entry e[2];
    int err = 0;

    for (int v = 0; v < 2 && err == 0; v++) {
        err = cst_board_row(&rows[v], cells[v], &rules[v], PROBLEMS, t->at, t->n, none);
        e[v] = (struct db_ranking_entry){(enum db_ranking_view)v, l, PROBLEMS, &rows[v], problem};
    }
    return err ? err : db_ranking_put(r, CONTEST, uid, names, e, 2);
}

/* cst_board_compute over `nteams` teams with `per_team` attempts each on
 * average, `runs` times: its p50 and p99 in microseconds. */
static struct stats full_compute(size_t nteams, size_t per_team, int runs,
                                 const struct cst_board_rules *rules)
{
    size_t n = nteams * per_team;
    struct cst_attempt *at = gv_calloc(n, sizeof(*at));
    double *t = gv_calloc((size_t)runs, sizeof(*t));
    struct stats s = {0};

    if (!at || !t)
        goto out;
    for (size_t i = 0; i < n; i++)
        at[i] = (struct cst_attempt){rnd((uint32_t)nteams), rnd(PROBLEMS),
                                     (int64_t)((double)i / (double)n * LENGTH_MS),
                                     random_outcome(), 0};
    for (int k = 0; k < runs; k++) {
        struct cst_board b;
        double t0 = now_us();
        if (cst_board_compute(&b, rules, nteams, PROBLEMS, at, n) < 0) {
            fprintf(stderr, "board_bench: cst_board_compute failed\n");
            exit(1);
        }
        t[k] = now_us() - t0;
        cst_board_release(&b);
    }
    s = stats_of(t, (size_t)runs);
out:
    gv_free(at);
    gv_free(t);
    return s;
}

int main(int argc, char **argv)
{
    long nteams = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
    long nverdicts = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
    struct cst_board_rules rules[2] = {
        {CST_SCORING_ICPC, 20, 240 * MIN, true},  /* jury */
        {CST_SCORING_ICPC, 20, 240 * MIN, false}, /* public */
    };
    struct cst_rank_layout layout;
    struct db_redis *r = NULL;
    struct team *teams = NULL;
    double *upd = NULL, *top = NULL, *around = NULL, *ping = NULL, t0, load_s, upd_s;
    size_t ntop = 0, naround = 0, nping = 0, per_team;
    double load0[3] = {0}, load1[3] = {0};
    char prefix[64], why[256], names[64];
    struct stats su, st, sa, sp, f1, f10, fn, tp, tt, ta;
    static double tping[TIGHT], ttop[TIGHT], taround[TIGHT];
    int err;

    if (nteams < 1 || nverdicts < 1 || !getenv("GAVEL_REDIS_URL")) {
        fprintf(stderr, "usage: board_bench [PARTICIPANTS [VERDICTS]] (needs GAVEL_REDIS_URL)\n");
        return 2;
    }
    snprintf(prefix, sizeof(prefix), "bench:%d:board", (int)getpid());
    setenv("GAVEL_BOARD_PREFIX", prefix, 1);
    if (db_redis_open(&r, getenv("GAVEL_REDIS_URL"), 5000, why, sizeof(why)) < 0) {
        fprintf(stderr, "board_bench: %s\n", why);
        return 1;
    }
    if (cst_rank_layout_for(&layout, CST_SCORING_ICPC, PROBLEMS, LENGTH_MS) < 0)
        return 1;
    teams = gv_calloc((size_t)nteams, sizeof(*teams));
    upd = gv_calloc((size_t)nverdicts, sizeof(*upd));
    top = gv_calloc((size_t)nverdicts / SAMPLE + 1, sizeof(*top));
    around = gv_calloc((size_t)nverdicts / SAMPLE + 1, sizeof(*around));
    ping = gv_calloc((size_t)nverdicts / SAMPLE + 1, sizeof(*ping));
    if (!teams || !upd || !top || !around || !ping)
        return 1;

    getloadavg(load0, 3);
    t0 = now_us();
    for (long u = 0; u < nteams; u++) {
        snprintf(names, sizeof(names), "team%ld\x1fTeam %ld", u + 1, u + 1);
        if ((err = put_team(r, rules, &layout, u + 1, &teams[u], names,
                            DB_RANKING_ALL_PROBLEMS)) < 0) {
            fprintf(stderr, "board_bench: load: %s (%s)\n", gv_strerror(err),
                    db_redis_last_error(r));
            return 1;
        }
    }
    load_s = (now_us() - t0) / 1e6;

    t0 = now_us();
    for (long i = 0; i < nverdicts; i++) {
        size_t u = rnd((uint32_t)nteams);
        struct team *t = &teams[u];
        size_t problem;
        double s;

        if (t->n > 0 && rnd(10) == 0) {
            /* A rejudge, or the late verdict of an earlier attempt. */
            struct cst_attempt *a = &t->at[rnd((uint32_t)t->n)];
            a->outcome = random_outcome();
            problem = a->problem;
        } else {
            if (t->n == t->cap) {
                size_t cap = t->cap ? 2 * t->cap : 4;
                struct cst_attempt *a = gv_realloc(t->at, cap * sizeof(*a));
                if (!a)
                    return 1;
                t->at = a;
                t->cap = cap;
            }
            t->at[t->n++] = (struct cst_attempt){0, rnd(PROBLEMS),
                                                 (int64_t)((double)i / (double)nverdicts *
                                                           LENGTH_MS),
                                                 random_outcome(), 0};
            problem = t->at[t->n - 1].problem;
        }
        s = now_us();
        if ((err = put_team(r, rules, &layout, (int64_t)u + 1, t, NULL, problem)) < 0) {
            fprintf(stderr, "board_bench: update: %s\n", gv_strerror(err));
            return 1;
        }
        upd[i] = now_us() - s;
        if (i % SAMPLE == SAMPLE - 1) {
            struct db_ranking_rows w;
            long k = i / SAMPLE;

            s = now_us();
            if (k % 3 == 0) {
                err = db_ranking_window(&w, r, CONTEST, DB_RANKING_PUBLIC, PROBLEMS, 0, 100);
                top[ntop++] = now_us() - s;
                if (err < 0 || w.n != 100) {
                    fprintf(stderr, "board_bench: top 100: %s\n", gv_strerror(err));
                    return 1;
                }
                db_ranking_rows_release(&w);
            } else if (k % 3 == 1) {
                err = db_ranking_around(&w, r, CONTEST, DB_RANKING_PUBLIC, PROBLEMS,
                                        (int64_t)rnd((uint32_t)nteams) + 1, 50);
                around[naround++] = now_us() - s;
                if (err < 0 || w.n == 0) {
                    fprintf(stderr, "board_bench: around: %s\n", gv_strerror(err));
                    return 1;
                }
                db_ranking_rows_release(&w);
            } else {
                if (db_redis_ping(r) < 0)
                    return 1;
                ping[nping++] = now_us() - s;
            }
        }
    }
    upd_s = (now_us() - t0) / 1e6;
    /* The same three back to back, 1000 times each, on the final board. */
    for (size_t k = 0; k < TIGHT; k++) {
        double s = now_us();
        if (db_redis_ping(r) < 0)
            return 1;
        tping[k] = now_us() - s;
    }
    for (size_t k = 0; k < TIGHT; k++) {
        struct db_ranking_rows w;
        double s = now_us();
        err = db_ranking_window(&w, r, CONTEST, DB_RANKING_PUBLIC, PROBLEMS, 0, 100);
        ttop[k] = now_us() - s;
        db_ranking_rows_release(&w);
        if (err < 0)
            return 1;
    }
    for (size_t k = 0; k < TIGHT; k++) {
        struct db_ranking_rows w;
        double s = now_us();
        err = db_ranking_around(&w, r, CONTEST, DB_RANKING_PUBLIC, PROBLEMS,
                                (int64_t)rnd((uint32_t)nteams) + 1, 50);
        taround[k] = now_us() - s;
        db_ranking_rows_release(&w);
        if (err < 0)
            return 1;
    }
    su = stats_of(upd, (size_t)nverdicts);
    st = stats_of(top, ntop);
    sa = stats_of(around, naround);
    sp = stats_of(ping, nping);
    tp = stats_of(tping, TIGHT);
    tt = stats_of(ttop, TIGHT);
    ta = stats_of(taround, TIGHT);

    per_team = (size_t)(nverdicts / nteams) > 0 ? (size_t)(nverdicts / nteams) : 1;
    f1 = full_compute(1000, per_team, 200, &rules[1]);
    f10 = full_compute(10000, per_team, 40, &rules[1]);
    fn = full_compute((size_t)nteams, per_team, 5, &rules[1]);

    getloadavg(load1, 3);
    printf("board_bench: %ld participants, %ld verdicts, %d problems, ICPC with a freeze\n",
           nteams, nverdicts, PROBLEMS);
    printf("load average: %.2f %.2f %.2f before, %.2f %.2f %.2f after\n", load0[0], load0[1],
           load0[2], load1[0], load1[1], load1[2]);
    printf("load: %ld empty rows in %.1f s\n", nteams, load_s);
    printf("updates: %.0f per second (%.1f s, including the samples)\n", (double)nverdicts / upd_s,
           upd_s);
    printf("\n%-44s %10s %10s %10s %10s\n", "operation (microseconds)", "p50", "p99", "max",
           "mean");
    printf("%-44s %10.1f %10.1f %10.1f %10.1f\n", "sampled: PING round trip (Redis)", sp.p50,
           sp.p99, sp.max, sp.mean);
    printf("%-44s %10.1f %10.1f %10.1f %10.1f\n", "update: 1 verdict, both views (Redis)", su.p50,
           su.p99, su.max, su.mean);
    printf("%-44s %10.1f %10.1f %10.1f %10.1f\n", "sampled: window, top 100 (Redis)", st.p50,
           st.p99, st.max, st.mean);
    printf("%-44s %10.1f %10.1f %10.1f %10.1f\n", "sampled: window, around +-50 (Redis)", sa.p50,
           sa.p99, sa.max, sa.mean);
    printf("%-44s %10.1f %10.1f %10.1f %10.1f\n", "back to back: PING", tp.p50, tp.p99, tp.max,
           tp.mean);
    printf("%-44s %10.1f %10.1f %10.1f %10.1f\n", "back to back: top 100", tt.p50, tt.p99, tt.max,
           tt.mean);
    printf("%-44s %10.1f %10.1f %10.1f %10.1f\n", "back to back: around, +-50", ta.p50, ta.p99,
           ta.max, ta.mean);
    printf("%-44s %10.1f %10.1f %10.1f %10.1f\n", "full cst_board_compute, 1,000", f1.p50, f1.p99,
           f1.max, f1.mean);
    printf("%-44s %10.1f %10.1f %10.1f %10.1f\n", "full cst_board_compute, 10,000", f10.p50,
           f10.p99, f10.max, f10.mean);
    {
        char label[64];
        snprintf(label, sizeof(label), "full cst_board_compute, %ld", nteams);
        printf("%-44s %10.1f %10.1f %10.1f %10.1f\n", label, fn.p50, fn.p99, fn.max, fn.mean);
    }
    printf("\nratios (p50): update / PING %.1f, top 100 / PING %.1f, around / PING %.1f; "
           "full computation at %ld / update %.0f\n",
           su.p50 / sp.p50, st.p50 / sp.p50, sa.p50 / sp.p50, nteams, fn.p50 / su.p50);
    printf(
        "goals: p99 update < 1000 us: %s; p99 window < 1000 us, sampled: %s (back to back: %s)\n",
        su.p99 < 1000 ? "met" : "MISSED", st.p99 < 1000 && sa.p99 < 1000 ? "met" : "MISSED",
        tt.p99 < 1000 && ta.p99 < 1000 ? "met" : "MISSED");

    {
        char pattern[96];
        const char *del[] = {"EVAL",
                             "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do "
                             "redis.call('DEL', k) end return 0",
                             "0", pattern};
        snprintf(pattern, sizeof(pattern), "%s:*", prefix);
        db_redis_command(r, 4, del);
    }
    for (long u = 0; u < nteams; u++)
        gv_free(teams[u].at);
    gv_free(teams);
    gv_free(upd);
    gv_free(top);
    gv_free(around);
    gv_free(ping);
    db_redis_close(r);
    return 0;
}
