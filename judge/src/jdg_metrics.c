/* SPDX-License-Identifier: MIT
 * jdg_metrics.c - gavel-judge's registry and its text (see jdg_metrics.h). */
#include "jdg_metrics.h"

#include "banned.h"

/* A hello-world in a warm slot (a tenth of a second) to a large problem's
 * many tests, up to the time limits a problem may set times its tests. */
static const double judging_bounds[] = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300};

/* Zero is a valid start for every atomic here (static storage, C17
 * 7.17.2.1): no init call. */
struct jdg_metrics jdg_metrics = {
    .judging_seconds = {.bounds = judging_bounds,
                        .nbounds = sizeof(judging_bounds) / sizeof(judging_bounds[0])},
};

/* Labels of the queue levels, by enum cst_priority. */
static const char *const level_names[CST_PRIO_LEVELS] = {
    "contest_paid", "contest_free", "practice_paid", "practice_free", "rejudge",
};

void jdg_metrics_judged(enum jdg_verdict v, double seconds)
{
    gv_counter_add(&jdg_metrics.judgings, 1);
    if ((unsigned)v < JDG_METRICS_VERDICTS)
        gv_counter_add(&jdg_metrics.verdicts[v], 1);
    gv_hist_observe(&jdg_metrics.judging_seconds, seconds);
}

static void queue_gauge(struct gv_metrics_out *m, const char *name, const char *help,
                        const atomic_int_fast64_t *v)
{
    gv_metrics_family(m, name, "gauge", help);
    for (int i = 0; i < CST_PRIO_LEVELS; i++) {
        struct gv_label l = {"level", level_names[i]};

        gv_metrics_sample(m, name, &l, 1, (double)gv_gauge_get(&v[i]));
    }
}

int jdg_metrics_text(char **out, size_t *out_len)
{
    struct jdg_metrics *s = &jdg_metrics;
    struct gv_metrics_out m;

    gv_metrics_out_init(&m, 64 * 1024);
    gv_metrics_family(&m, "gavel_judgings_total", "counter",
                      "Verdicts this worker wrote (a duplicate delivery writes none).");
    gv_metrics_sample(&m, "gavel_judgings_total", NULL, 0, (double)gv_counter_get(&s->judgings));
    /* Every verdict, zeros included: the set is small and fixed, and a
     * series that exists from the start makes rate() right from the start. */
    gv_metrics_family(&m, "gavel_verdicts_total", "counter", "Verdicts written, by verdict.");
    for (int v = 0; v < JDG_METRICS_VERDICTS; v++) {
        struct gv_label l = {"verdict", jdg_verdict_name((enum jdg_verdict)v)};

        gv_metrics_sample(&m, "gavel_verdicts_total", &l, 1,
                          (double)gv_counter_get(&s->verdicts[v]));
    }
    gv_metrics_family(&m, "gavel_judging_duration_seconds", "histogram",
                      "Time from taking a submission to its verdict written, compilation "
                      "included.");
    gv_metrics_hist(&m, "gavel_judging_duration_seconds", NULL, 0, &s->judging_seconds);
    gv_metrics_family(&m, "gavel_sandbox_runs_total", "counter",
                      "Programs run in the sandbox: compilers, tests and validators.");
    gv_metrics_sample(&m, "gavel_sandbox_runs_total", NULL, 0,
                      (double)gv_counter_get(&s->sandbox_runs));
    gv_metrics_family(&m, "gavel_sandbox_failures_total", "counter",
                      "Sandbox runs that failed through no fault of the program (judge errors).");
    gv_metrics_sample(&m, "gavel_sandbox_failures_total", NULL, 0,
                      (double)gv_counter_get(&s->sandbox_failures));
    gv_metrics_family(&m, "gavel_judge_sandbox_giveups_total", "counter",
                      "Sandbox runs and resets whose slot never answered or died (replaced; the "
                      "submission was put back on the queue).");
    gv_metrics_sample(&m, "gavel_judge_sandbox_giveups_total", NULL, 0,
                      (double)gv_counter_get(&s->sandbox_giveups));
    if (atomic_load_explicit(&s->queue_known, memory_order_relaxed)) {
        queue_gauge(&m, "gavel_judge_queue_waiting",
                    "Judge queue entries not yet taken, by priority level (the shared queue: "
                    "every worker reports the same).",
                    s->queue_waiting);
        queue_gauge(&m, "gavel_judge_queue_pending",
                    "Judge queue entries taken by a worker and not yet acknowledged, by level.",
                    s->queue_pending);
    }
    return gv_metrics_out_finish(out, out_len, &m);
}
