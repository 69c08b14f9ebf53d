/* SPDX-License-Identifier: MIT
 * test_gv_metrics.c - the Prometheus text format: escaping, numbers,
 * cumulative histogram buckets, and the writer's bound. */
#include "../test.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_metrics.h"

/* The text written by `m` (finished: `m` is released); the caller frees. */
static char *finish(struct gv_metrics_out *m)
{
    char *text = NULL;
    size_t len = 0;

    assert_int_equal(gv_metrics_out_finish(&text, &len, m), 0);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    return text;
}

static void family_and_plain_sample(void **state)
{
    struct gv_metrics_out m;
    char *text;

    gv_metrics_out_init(&m, 4096);
    gv_metrics_family(&m, "gavel_pushes_total", "counter", "Pushes sent.");
    gv_metrics_sample(&m, "gavel_pushes_total", NULL, 0, 42);
    text = finish(&m);
    assert_string_equal(text, "# HELP gavel_pushes_total Pushes sent.\n"
                              "# TYPE gavel_pushes_total counter\n"
                              "gavel_pushes_total 42\n");
    gv_free(text);
}

static void label_values_and_help_are_escaped(void **state)
{
    struct gv_label l[] = {{"type", "a\\b\"c\nd"}, {"code", "ok"}};
    struct gv_metrics_out m;
    char *text;

    gv_metrics_out_init(&m, 4096);
    gv_metrics_family(&m, "x_total", "counter", "Back\\slash \"quoted\"\nsecond line.");
    gv_metrics_sample(&m, "x_total", l, 2, 1);
    text = finish(&m);
    /* HELP escapes backslash and newline only; a label value quotes too. */
    assert_string_equal(text, "# HELP x_total Back\\\\slash \"quoted\"\\nsecond line.\n"
                              "# TYPE x_total counter\n"
                              "x_total{type=\"a\\\\b\\\"c\\nd\",code=\"ok\"} 1\n");
    gv_free(text);
}

static void numbers_are_exact_and_short(void **state)
{
    char n[GV_METRICS_NUM_MAX];

    gv_metrics_num(n, 0);
    assert_string_equal(n, "0");
    gv_metrics_num(n, 18446744073709.0);
    assert_string_equal(n, "18446744073709");
    gv_metrics_num(n, -3);
    assert_string_equal(n, "-3");
    gv_metrics_num(n, 0.005);
    assert_string_equal(n, "0.005");
    gv_metrics_num(n, 0.1 + 0.2); /* not 0.3: the shortest text of that double */
    assert_string_equal(n, "0.30000000000000004");
    gv_metrics_num(n, 2.5);
    assert_string_equal(n, "2.5");
    gv_metrics_num(n, INFINITY);
    assert_string_equal(n, "+Inf");
    gv_metrics_num(n, -INFINITY);
    assert_string_equal(n, "-Inf");
    gv_metrics_num(n, NAN);
    assert_string_equal(n, "NaN");
}

static const double bounds[] = {0.01, 0.1, 1};

static void histogram_buckets_are_cumulative(void **state)
{
    struct gv_label l[] = {{"verdict", "AC"}};
    struct gv_metrics_out m;
    struct gv_hist h;
    char *text;

    gv_hist_init(&h, bounds, 3);
    gv_hist_observe(&h, 0.001);
    gv_hist_observe(&h, 0.01); /* on a bound: counted in that bucket (le = "less or equal") */
    gv_hist_observe(&h, 0.5);
    gv_hist_observe(&h, 7);
    gv_hist_observe(&h, 30);
    gv_hist_observe(&h, -2); /* clock skew: counts as 0 */
    gv_metrics_out_init(&m, 4096);
    gv_metrics_family(&m, "j_seconds", "histogram", "Time.");
    gv_metrics_hist(&m, "j_seconds", l, 1, &h);
    text = finish(&m);
    assert_string_equal(text, "# HELP j_seconds Time.\n"
                              "# TYPE j_seconds histogram\n"
                              "j_seconds_bucket{verdict=\"AC\",le=\"0.01\"} 3\n"
                              "j_seconds_bucket{verdict=\"AC\",le=\"0.1\"} 3\n"
                              "j_seconds_bucket{verdict=\"AC\",le=\"1\"} 4\n"
                              "j_seconds_bucket{verdict=\"AC\",le=\"+Inf\"} 6\n"
                              "j_seconds_sum{verdict=\"AC\"} 37.511\n"
                              "j_seconds_count{verdict=\"AC\"} 6\n");
    gv_free(text);
}

/* Without labels, le is the only label; the +Inf bucket equals the count
 * however many observations there are. */
static void histogram_without_labels(void **state)
{
    struct gv_metrics_out m;
    struct gv_hist_snap s;
    struct gv_hist h;
    char *text, line[128];

    gv_hist_init(&h, bounds, 3);
    for (int i = 0; i < 1000; i++)
        gv_hist_observe(&h, i / 500.0);
    gv_hist_read(&s, &h);
    assert_int_equal(s.count, 1000);
    assert_int_equal(s.counts[0] + s.counts[1] + s.counts[2] + s.counts[3], 1000);
    assert_int_equal(s.counts[3], 499); /* 1.002 .. 1.998 */
    gv_metrics_out_init(&m, 4096);
    gv_metrics_hist(&m, "h", NULL, 0, &h);
    text = finish(&m);
    snprintf(line, sizeof(line), "h_bucket{le=\"+Inf\"} %llu\n", (unsigned long long)s.count);
    assert_non_null(strstr(text, line));
    assert_non_null(strstr(text, "h_bucket{le=\"1\"} 501\n"));
    assert_non_null(strstr(text, "h_count 1000\n"));
    gv_free(text);
}

static void writer_keeps_its_bound(void **state)
{
    struct gv_metrics_out m;
    char *text = (char *)1;
    size_t len = 0;

    gv_metrics_out_init(&m, 64);
    for (int i = 0; i < 10; i++)
        gv_metrics_sample(&m, "a_rather_long_metric_name_total", NULL, 0, i);
    assert_int_equal(gv_metrics_out_finish(&text, &len, &m), GV_ETOOBIG);
    assert_null(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(family_and_plain_sample),
        cmocka_unit_test(label_values_and_help_are_escaped),
        cmocka_unit_test(numbers_are_exact_and_short),
        cmocka_unit_test(histogram_buckets_are_cumulative),
        cmocka_unit_test(histogram_without_labels),
        cmocka_unit_test(writer_keeps_its_bound),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
