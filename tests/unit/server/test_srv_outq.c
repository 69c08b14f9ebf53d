/* SPDX-License-Identifier: MIT
 * test_srv_outq.c - the bounded outgoing frame queue. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "srv_outq.h"
#include "banned.h"

static void push_str(struct srv_outq *q, const char *s, int want)
{
    assert_int_equal(srv_outq_push(q, s, strlen(s)), want);
}

static void expect_head(struct srv_outq *q, const char *want)
{
    size_t len = 0;
    unsigned char *p = srv_outq_peek(q, &len);

    assert_non_null(p);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(p, want, len);
}

static void test_fifo_and_wraparound(void **state)
{
    struct srv_outq q;
    char buf[8];

    srv_outq_init(&q, 3, 1024, 16);
    assert_null(srv_outq_peek(&q, &(size_t){0}));
    /* Several laps around a ring of three keep the order. */
    for (int i = 0; i < 10; i++) {
        snprintf(buf, sizeof(buf), "m%d", i);
        push_str(&q, buf, 0);
        if (i >= 1) {
            snprintf(buf, sizeof(buf), "m%d", i - 1);
            expect_head(&q, buf);
            srv_outq_pop(&q);
        }
    }
    expect_head(&q, "m9");
    assert_int_equal(q.count, 1);
    srv_outq_release(&q);
    assert_int_equal(q.count, 0);
    assert_int_equal(q.bytes, 0);
}

static void test_full_by_count(void **state)
{
    struct srv_outq q;

    srv_outq_init(&q, 2, 1024, 0);
    push_str(&q, "a", 0);
    push_str(&q, "b", 0);
    push_str(&q, "c", GV_ETOOBIG);
    expect_head(&q, "a"); /* a refused push leaves the queue as it was */
    srv_outq_pop(&q);
    push_str(&q, "c", 0);
    expect_head(&q, "b");
    srv_outq_release(&q); /* frees both frames still queued */
}

/* The byte bound is a high-water mark: frames go in while less than it
 * waits, and the one that passes it may be of any size (a big contest's
 * board snapshot, behind the replies before it); then nothing until the
 * backlog drains below it. */
static void test_full_by_bytes(void **state)
{
    struct srv_outq q;

    srv_outq_init(&q, SRV_OUTQ_MAX_SLOTS, 10, 0);
    push_str(&q, "123456", 0);
    push_str(&q, "0123456789abcdef", 0); /* passes the mark */
    assert_int_equal(q.bytes, 22);
    push_str(&q, "x", GV_ETOOBIG);
    expect_head(&q, "123456"); /* a refused push leaves the queue as it was */
    srv_outq_pop(&q);
    push_str(&q, "x", GV_ETOOBIG); /* 16 still wait */
    srv_outq_pop(&q);
    assert_int_equal(q.bytes, 0);
    push_str(&q, "1234567890", 0);
    push_str(&q, "x", GV_ETOOBIG); /* exactly at the mark */
    srv_outq_release(&q);
}

static void test_headroom_is_writable(void **state)
{
    struct srv_outq q;
    unsigned char *p;
    size_t len;

    srv_outq_init(&q, 1, 64, 16);
    push_str(&q, "x", 0);
    p = srv_outq_peek(&q, &len);
    memset(p - 16, 0xAA, 16); /* lws writes its frame header there */
    assert_int_equal(p[0], 'x');
    srv_outq_release(&q);
}

static void test_allocation_failure(void **state)
{
    struct srv_outq q;

    srv_outq_init(&q, 2, 64, 16);
    gv_alloc_fail_after(1);
    push_str(&q, "x", -ENOMEM);
    gv_alloc_fail_reset();
    assert_int_equal(q.count, 0);
    push_str(&q, "x", 0);
    srv_outq_release(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_and_wraparound), cmocka_unit_test(test_full_by_count),
        cmocka_unit_test(test_full_by_bytes),       cmocka_unit_test(test_headroom_is_writable),
        cmocka_unit_test(test_allocation_failure),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
