/* SPDX-License-Identifier: MIT
 * jdg_metrics.h - gavel-judge's metrics, scraped as GET /metrics on
 * GAVEL_JUDGE_METRICS_PORT (judge_main.c serves them).
 *
 * One process-wide registry: the judging loop counts what it judges (in
 * jdg_worker.c and jdg_judge.c), the metrics thread formats it; each value
 * is one relaxed atomic (gv_metrics.h). The families:
 *   gavel_judgings_total                 counter, verdicts written by this worker
 *   gavel_verdicts_total{verdict}        counter, the same by verdict (AC, WA, ...)
 *   gavel_judging_duration_seconds       histogram, from taking a submission to its verdict
 *   gavel_sandbox_runs_total             counter, programs run in the sandbox (compilers,
 *                                        tests, validators)
 *   gavel_sandbox_failures_total         counter, runs where the sandbox itself failed
 *   gavel_judge_sandbox_giveups_total    counter, runs and resets whose slot never answered:
 *                                        the slot was replaced, the submission requeued
 *   gavel_judge_queue_waiting{level}     gauge, queue entries not yet taken
 *   gavel_judge_queue_pending{level}     gauge, taken by a worker, not yet acknowledged
 * The queue gauges describe the shared queue, so every worker reports the
 * same values (aggregate them with max, not sum); the loop refreshes them
 * at most once a second, and they are absent until it first could. */
#ifndef GV_JDG_METRICS_H
#define GV_JDG_METRICS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cst.h"
#include "gv_metrics.h"
#include "jdg.h"

#define JDG_METRICS_VERDICTS (JDG_JE + 1)

struct jdg_metrics {
    atomic_uint_fast64_t judgings;
    atomic_uint_fast64_t verdicts[JDG_METRICS_VERDICTS];
    struct gv_hist judging_seconds;
    atomic_uint_fast64_t sandbox_runs, sandbox_failures, sandbox_giveups;
    atomic_bool queue_known;
    atomic_int_fast64_t queue_waiting[CST_PRIO_LEVELS], queue_pending[CST_PRIO_LEVELS];
};

extern struct jdg_metrics jdg_metrics;

/* A verdict was written after `seconds` of judging. */
void jdg_metrics_judged(enum jdg_verdict v, double seconds);

/* The registry in the Prometheus text format (0.0.4), gv_malloc'd into
 * *out (caller frees). -ENOMEM, or GV_ETOOBIG past the text's bound. */
int jdg_metrics_text(char **out, size_t *out_len);

#endif
