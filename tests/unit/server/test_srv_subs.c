/* SPDX-License-Identifier: MIT
 * test_srv_subs.c - subscriptions and the push policy of one connection:
 * who wants what, bounds, coalescing, resync, drop, ordering. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "srv_live.h"
#include "srv_subs.h"
/* Not live anywhere: these tests are about what is wanted, not when. */
#define NOMARK SRV_SUBS_MARK_UNKNOWN

#include "banned.h"

/* An event as the live thread would build it: frame = the id, so tests can
 * read the order back directly. */
static struct srv_live_event ev_make(const char *id, const char *type, int64_t sub, int64_t user,
                                     int64_t contest, char *frame_buf, size_t frame_size)
{
    struct srv_live_event e = {0};

    snprintf(e.id, sizeof(e.id), "%s", id);
    assert_int_equal(cst_event_type_parse(&e.type, type), 0);
    e.audience = cst_event_info(e.type)->audience;
    e.submission_id = sub;
    e.user_id = user;
    e.contest_id = contest;
    snprintf(frame_buf, frame_size, "%s:%s", type, id);
    e.frame = frame_buf;
    e.frame_len = strlen(frame_buf);
    return e;
}

static enum srv_subs_verdict offer(struct srv_subs *s, const char *id, const char *type,
                                   int64_t sub, int64_t user, int64_t contest, int64_t now)
{
    char buf[96];
    struct srv_live_event e = ev_make(id, type, sub, user, contest, buf, sizeof(buf));

    return srv_subs_offer(s, &e, now);
}

static void expect_next(struct srv_subs *s, const char *want)
{
    struct srv_frame *f = srv_subs_next(s);

    assert_non_null(f);
    assert_int_equal(f->len, strlen(want));
    assert_string_equal((const char *)srv_frame_payload(f), want);
    srv_frame_unref(f);
}

static void expect_empty(struct srv_subs *s)
{
    assert_null(srv_subs_next(s));
    assert_int_equal(srv_subs_pending(s), 0);
}

static void test_wants(void **state)
{
    struct srv_subs s;
    char b[64];
    struct srv_live_event e;

    (void)state;
    srv_subs_init(&s);
    e = ev_make("1-0", "judging.verdict", 10, 7, 0, b, sizeof(b));
    assert_false(srv_subs_wants(&s, &e)); /* nobody logged in, nothing subscribed */
    srv_subs_set_user(&s, 7, false, NOMARK);
    assert_true(srv_subs_wants(&s, &e)); /* own submission */
    srv_subs_set_user(&s, 8, false, NOMARK);
    assert_false(srv_subs_wants(&s, &e));
    assert_int_equal(srv_subs_add_submission(&s, 10, NOMARK), 0);
    assert_true(srv_subs_wants(&s, &e)); /* subscribed submission */

    /* A contest subscription brings contest-level events, never another
     * contestant's judging. */
    assert_int_equal(srv_subs_add_contest(&s, 3, NOMARK), 0);
    e = ev_make("2-0", "judging.verdict", 11, 9, 3, b, sizeof(b));
    assert_false(srv_subs_wants(&s, &e));
    e = ev_make("3-0", "contest.announcement", 0, 0, 3, b, sizeof(b));
    assert_true(srv_subs_wants(&s, &e));
    e = ev_make("4-0", "contest.announcement", 0, 0, 4, b, sizeof(b));
    assert_false(srv_subs_wants(&s, &e));
    /* Own judging in a contest: wanted through the user rule. */
    e = ev_make("5-0", "judging.test", 12, 8, 3, b, sizeof(b));
    assert_true(srv_subs_wants(&s, &e));
    srv_subs_set_user(&s, 0, false, NOMARK);
    assert_false(srv_subs_wants(&s, &e));
    /* Absent ids (0) never match an unset user. */
    e = ev_make("6-0", "judging.test", 0, 0, 0, b, sizeof(b));
    assert_false(srv_subs_wants(&s, &e));

    /* A question (or a private answer) of user 9 in contest 3: the jury
     * among the contest's subscribers and its asker, nobody else; once
     * public, every subscriber. */
    e = ev_make("7-0", "contest.clarification", 0, 9, 3, b, sizeof(b));
    assert_int_equal(e.audience, CST_AUDIENCE_JURY);
    srv_subs_set_user(&s, 8, false, NOMARK);
    assert_false(srv_subs_wants(&s, &e));
    srv_subs_set_user(&s, 8, true, NOMARK);
    assert_true(srv_subs_wants(&s, &e));
    srv_subs_set_user(&s, 9, false, NOMARK);
    assert_true(srv_subs_wants(&s, &e));
    srv_subs_set_user(&s, 0, true, NOMARK); /* the jury flag needs a user */
    assert_false(srv_subs_wants(&s, &e));
    e.audience = CST_AUDIENCE_CONTEST;
    assert_true(srv_subs_wants(&s, &e));
    /* The list's watchers get public events of every contest. */
    e = ev_make("8-0", "contest.phase", 0, 0, 5, b, sizeof(b));
    assert_false(srv_subs_wants(&s, &e));
    srv_subs_watch_contests(&s, NOMARK);
    assert_true(srv_subs_wants(&s, &e));
    srv_subs_release(&s);
}

static void test_subscription_bounds(void **state)
{
    struct srv_subs s, copy;

    (void)state;
    srv_subs_init(&s);
    for (int64_t i = 1; i <= SRV_SUBS_MAX_SUBMISSIONS; i++)
        assert_int_equal(srv_subs_add_submission(&s, i, NOMARK), 0);
    assert_int_equal(srv_subs_add_submission(&s, 1, NOMARK), 0); /* idempotent */
    assert_int_equal(srv_subs_add_submission(&s, 1000, NOMARK), GV_ETOOBIG);
    assert_int_equal(srv_subs_add_submission(&s, 0, NOMARK), GV_EINVAL);
    assert_int_equal(srv_subs_add_submission(&s, -5, NOMARK), GV_EINVAL);
    for (int64_t i = 1; i <= SRV_SUBS_MAX_CONTESTS; i++)
        assert_int_equal(srv_subs_add_contest(&s, i, NOMARK), 0);
    assert_int_equal(srv_subs_add_contest(&s, 2, NOMARK), 0);
    assert_int_equal(srv_subs_add_contest(&s, 99, NOMARK), GV_ETOOBIG);
    assert_int_equal(srv_subs_add_contest(&s, 0, NOMARK), GV_EINVAL);
    /* Unsubscribing makes room, and the contest's events stop. */
    {
        char b[64];
        struct srv_live_event e = ev_make("1-1", "contest.announcement", 0, 0, 4, b, sizeof(b));

        assert_true(srv_subs_wants(&s, &e));
        srv_subs_remove_contest(&s, 4);
        srv_subs_remove_contest(&s, 4); /* a no-op the second time */
        assert_false(srv_subs_wants(&s, &e));
    }
    assert_int_equal(srv_subs_add_contest(&s, 99, NOMARK), 0);
    assert_int_equal(srv_subs_add_contest(&s, 100, NOMARK), GV_ETOOBIG);
    srv_subs_remove_submission(&s, 7);
    assert_int_equal(srv_subs_add_submission(&s, 1000, NOMARK), 0);
    srv_subs_remove_contest(&s, 99);
    assert_int_equal(srv_subs_add_contest(&s, 4, NOMARK), 0);

    srv_subs_set_user(&s, 42, false, NOMARK);
    assert_int_equal(srv_subs_copy_filter(&copy, &s), 0);
    assert_int_equal(copy.user_id, 42);
    assert_int_equal(copy.nsubmissions, SRV_SUBS_MAX_SUBMISSIONS);
    assert_int_equal(copy.ncontests, SRV_SUBS_MAX_CONTESTS);
    assert_int_equal(copy.npending, 0);
    srv_subs_release(&s);
    srv_subs_release(&copy);

    /* Out of memory while growing: an error, and nothing half-done. */
    srv_subs_init(&s);
    gv_alloc_fail_after(1);
    assert_int_equal(srv_subs_add_submission(&s, 5, NOMARK), -ENOMEM);
    gv_alloc_fail_reset();
    assert_int_equal(s.nsubmissions, 0);
    srv_subs_release(&s);
}

static void test_fifo_and_unwanted(void **state)
{
    struct srv_subs s;

    (void)state;
    srv_subs_init(&s);
    srv_subs_set_user(&s, 7, false, NOMARK);
    assert_int_equal(offer(&s, "100-0", "judging.state", 1, 7, 0, 0), SRV_SUBS_OK);
    assert_int_equal(offer(&s, "100-1", "judging.test", 1, 7, 0, 0), SRV_SUBS_OK);
    assert_int_equal(offer(&s, "100-2", "judging.test", 2, 8, 0, 0), SRV_SUBS_OK); /* not ours */
    assert_int_equal(offer(&s, "101-0", "judging.verdict", 1, 7, 0, 0), SRV_SUBS_OK);
    assert_int_equal(srv_subs_pending(&s), 3);
    expect_next(&s, "judging.state:100-0");
    expect_next(&s, "judging.test:100-1");
    expect_next(&s, "judging.verdict:101-0");
    expect_empty(&s);
    assert_null(s.pending); /* idle: no heap memory */
    srv_subs_release(&s);
}

static void test_coalescing(void **state)
{
    struct srv_subs s;

    (void)state;
    srv_subs_init(&s);
    srv_subs_set_user(&s, 7, false, NOMARK);
    offer(&s, "10-0", "judging.state", 1, 7, 0, 0); /* compiling */
    offer(&s, "11-0", "judging.state", 1, 7, 0, 0); /* running replaces compiling */
    offer(&s, "12-0", "judging.test", 1, 7, 0, 0);
    offer(&s, "13-0", "judging.test", 2, 7, 0, 0); /* another submission: kept */
    offer(&s, "14-0", "judging.test", 1, 7, 0, 0); /* replaces 12-0 */
    offer(&s, "15-0", "judging.verdict", 1, 7, 0, 0);
    offer(&s, "16-0", "judging.verdict", 1, 7, 0, 0); /* verdicts never coalesce */
    offer(&s, "12-5", "judging.test", 1, 7, 0, 0);    /* older than 14-0 (a replay): dropped */
    offer(&s, "14-0", "judging.test", 1, 7, 0, 0);    /* the same event twice: once */
    assert_int_equal(srv_subs_pending(&s), 5);
    expect_next(&s, "judging.state:11-0");
    expect_next(&s, "judging.test:13-0");
    expect_next(&s, "judging.test:14-0");
    expect_next(&s, "judging.verdict:15-0");
    expect_next(&s, "judging.verdict:16-0");
    expect_empty(&s);

    /* Once sent, a newer test event is a new push, not a replacement. */
    offer(&s, "20-0", "judging.test", 1, 7, 0, 0);
    expect_next(&s, "judging.test:20-0");
    offer(&s, "21-0", "judging.test", 1, 7, 0, 0);
    expect_next(&s, "judging.test:21-0");
    expect_empty(&s);
    srv_subs_release(&s);
}

/* A contest's scoreboard rows coalesce per contestant: a row is the whole
 * state of that row, so only the newest unsent one matters. */
static void test_board_rows_coalesce(void **state)
{
    struct srv_subs s;

    (void)state;
    srv_subs_init(&s);
    assert_int_equal(srv_subs_add_contest(&s, 3, NOMARK), 0);
    offer(&s, "10-0", "contest.scoreboard", 0, 41, 3, 0);
    offer(&s, "11-0", "contest.scoreboard", 0, 42, 3, 0); /* another row: kept */
    offer(&s, "12-0", "contest.announcement", 0, 0, 3, 0);
    offer(&s, "13-0", "contest.scoreboard", 0, 41, 3, 0); /* replaces 10-0 */
    offer(&s, "14-0", "contest.announcement", 0, 0, 3, 0); /* never coalesced */
    offer(&s, "15-0", "contest.scoreboard", 0, 41, 4, 0);  /* not subscribed */
    assert_int_equal(srv_subs_pending(&s), 4);
    expect_next(&s, "contest.scoreboard:11-0");
    expect_next(&s, "contest.announcement:12-0");
    expect_next(&s, "contest.scoreboard:13-0");
    expect_next(&s, "contest.announcement:14-0");
    expect_empty(&s);
    srv_subs_release(&s);
}

/* A resume's replay is exact: every missed progress event is delivered,
 * and a live one arriving meanwhile does not replace it. */
static void test_exact_replay_is_not_coalesced(void **state)
{
    struct srv_subs s;
    char b1[96], b2[96], b3[96];
    struct srv_live_event e1 = ev_make("30-0", "judging.test", 1, 7, 0, b1, sizeof(b1));
    struct srv_live_event e2 = ev_make("31-0", "judging.test", 1, 7, 0, b2, sizeof(b2));
    struct srv_live_event e3 = ev_make("32-0", "judging.test", 1, 7, 0, b3, sizeof(b3));

    (void)state;
    srv_subs_init(&s);
    srv_subs_set_user(&s, 7, false, NOMARK);
    e1.exact = e2.exact = true;
    assert_int_equal(srv_subs_offer(&s, &e1, 0), SRV_SUBS_OK);
    assert_int_equal(srv_subs_offer(&s, &e2, 0), SRV_SUBS_OK);
    assert_int_equal(srv_subs_offer(&s, &e3, 0), SRV_SUBS_OK); /* live, newer */
    assert_int_equal(srv_subs_pending(&s), 3);
    expect_next(&s, "judging.test:30-0");
    expect_next(&s, "judging.test:31-0");
    expect_next(&s, "judging.test:32-0");
    expect_empty(&s);
    srv_subs_release(&s);
}

static void test_ordering_with_replay(void **state)
{
    struct srv_subs s;

    (void)state;
    srv_subs_init(&s);
    srv_subs_set_user(&s, 7, false, NOMARK);
    /* Live events overtook a resume; the replayed ones slot in by id. */
    offer(&s, "50-0", "judging.verdict", 3, 7, 0, 0);
    offer(&s, "60-0", "judging.verdict", 4, 7, 0, 0);
    offer(&s, "40-0", "judging.verdict", 2, 7, 0, 0);
    offer(&s, "55-0", "judging.verdict", 5, 7, 0, 0);
    offer(&s, "50-0", "judging.verdict", 3, 7, 0, 0); /* replayed twice: once */
    offer(&s, "9-0", "judging.verdict", 1, 7, 0, 0);  /* numeric, not text order */
    expect_next(&s, "judging.verdict:9-0");
    expect_next(&s, "judging.verdict:40-0");
    expect_next(&s, "judging.verdict:50-0");
    expect_next(&s, "judging.verdict:55-0");
    expect_next(&s, "judging.verdict:60-0");
    expect_empty(&s);
    srv_subs_release(&s);
}

static void test_overflow_resync_then_recover(void **state)
{
    struct srv_subs s;
    char id[32];

    (void)state;
    srv_subs_init(&s);
    srv_subs_set_user(&s, 7, false, NOMARK);
    for (int i = 0; i < SRV_SUBS_PENDING_MAX; i++) {
        snprintf(id, sizeof(id), "%d-0", 100 + i);
        assert_int_equal(offer(&s, id, "judging.verdict", 1 + i, 7, 0, 1000), SRV_SUBS_OK);
    }
    assert_int_equal(srv_subs_pending(&s), SRV_SUBS_PENDING_MAX);
    /* One more: everything pending goes, one resync stays. */
    assert_int_equal(offer(&s, "900-0", "judging.verdict", 99, 7, 0, 1000), SRV_SUBS_OK);
    assert_int_equal(srv_subs_pending(&s), 1);
    /* Behind the unsent resync even verdicts are discarded. */
    assert_int_equal(offer(&s, "901-0", "judging.verdict", 100, 7, 0, 1001), SRV_SUBS_OK);
    assert_int_equal(srv_subs_pending(&s), 1);
    expect_next(&s, SRV_SUBS_RESYNC_FRAME);
    expect_empty(&s);
    /* The client read the resync: pushes flow again. */
    assert_int_equal(offer(&s, "902-0", "judging.verdict", 101, 7, 0, 1002), SRV_SUBS_OK);
    expect_next(&s, "judging.verdict:902-0");
    expect_empty(&s);
    srv_subs_release(&s);
}

static void test_overflow_by_bytes(void **state)
{
    struct srv_subs s;
    static char big[SRV_SUBS_PENDING_BYTES / 2 + 2]; /* two do not fit */
    struct srv_live_event e = {0};

    (void)state;
    srv_subs_init(&s);
    srv_subs_set_user(&s, 7, false, NOMARK);
    memset(big, 'x', sizeof(big) - 1);
    e.user_id = 7;
    e.submission_id = 1;
    e.type = CST_EVENT_JUDGING_VERDICT;
    e.frame = big;
    e.frame_len = sizeof(big) - 1;
    snprintf(e.id, sizeof(e.id), "1-0");
    assert_int_equal(srv_subs_offer(&s, &e, 0), SRV_SUBS_OK);
    assert_int_equal(srv_subs_pending(&s), 1);
    snprintf(e.id, sizeof(e.id), "2-0");
    assert_int_equal(srv_subs_offer(&s, &e, 0), SRV_SUBS_OK);
    assert_int_equal(srv_subs_pending(&s), 1); /* the resync alone */
    assert_true(s.resync);
    expect_next(&s, SRV_SUBS_RESYNC_FRAME);
    expect_empty(&s);
    srv_subs_release(&s);
}

static void test_drop_when_resync_ignored(void **state)
{
    struct srv_subs s;
    char id[32];
    enum srv_subs_verdict v = SRV_SUBS_OK;
    int i;

    (void)state;
    srv_subs_init(&s);
    srv_subs_set_user(&s, 7, false, NOMARK);
    for (i = 0; i <= SRV_SUBS_PENDING_MAX; i++) {
        snprintf(id, sizeof(id), "%d-0", 100 + i);
        assert_int_equal(offer(&s, id, "judging.verdict", 1 + i, 7, 0, 0), SRV_SUBS_OK);
    }
    assert_true(s.resync);
    /* The second bound: SRV_SUBS_DISCARD_MAX events discarded behind the
     * unsent resync are tolerated, one more is not. */
    for (i = 0; i < SRV_SUBS_DISCARD_MAX; i++) {
        snprintf(id, sizeof(id), "%d-0", 1000 + i);
        v = offer(&s, id, "judging.verdict", 5000 + i, 7, 0, 10);
        assert_int_equal(v, SRV_SUBS_OK);
    }
    assert_int_equal(offer(&s, "99999-0", "judging.verdict", 1, 7, 0, 10), SRV_SUBS_DROP);
    /* Unwanted events never count. */
    srv_subs_release(&s);
}

static void test_drop_when_behind_too_long(void **state)
{
    struct srv_subs s;

    (void)state;
    srv_subs_init(&s);
    srv_subs_set_user(&s, 7, false, NOMARK);
    assert_int_equal(offer(&s, "1-0", "judging.test", 1, 7, 0, 1000), SRV_SUBS_OK);
    /* Coalescing does not reset the clock: the client is still behind. */
    assert_int_equal(offer(&s, "2-0", "judging.test", 1, 7, 0, 1000 + SRV_SUBS_BEHIND_MAX_MS),
                     SRV_SUBS_OK);
    /* An unwanted event says nothing about this connection. */
    assert_int_equal(offer(&s, "3-0", "judging.test", 9, 8, 0, 2000 + SRV_SUBS_BEHIND_MAX_MS),
                     SRV_SUBS_OK);
    assert_int_equal(offer(&s, "4-0", "judging.test", 1, 7, 0, 1001 + SRV_SUBS_BEHIND_MAX_MS),
                     SRV_SUBS_DROP);
    srv_subs_release(&s);

    /* A reader that keeps up is never behind, however long it lives. */
    srv_subs_init(&s);
    srv_subs_set_user(&s, 7, false, NOMARK);
    for (int64_t t = 0; t < 10 * SRV_SUBS_BEHIND_MAX_MS; t += 1000) {
        char id[32];

        char want[64];

        snprintf(id, sizeof(id), "%lld-0", (long long)t + 1);
        snprintf(want, sizeof(want), "judging.verdict:%s", id);
        assert_int_equal(offer(&s, id, "judging.verdict", 1, 7, 0, t), SRV_SUBS_OK);
        expect_next(&s, want);
    }
    srv_subs_release(&s);
}

static void test_oom_becomes_resync(void **state)
{
    struct srv_subs s;

    (void)state;
    srv_subs_init(&s);
    srv_subs_set_user(&s, 7, false, NOMARK);
    gv_alloc_fail_after(1);
    assert_int_equal(offer(&s, "1-0", "judging.verdict", 1, 7, 0, 0), SRV_SUBS_OK);
    /* The resync frame itself cannot be allocated yet: it stays pending. */
    assert_null(srv_subs_next(&s));
    gv_alloc_fail_reset();
    assert_true(s.resync);
    expect_next(&s, SRV_SUBS_RESYNC_FRAME);
    expect_empty(&s);
    srv_subs_release(&s);
}

/* A live event's frame is shared: every connection holds a reference, the
 * bytes are never copied, and the frame lives until the last one is
 * written (or dropped) even after the event itself is freed. */
static struct srv_subs_mark at(uint64_t ms)
{
    return (struct srv_subs_mark){ms, 0};
}

static bool covers(const struct srv_subs *s, const char *id, const char *type, int64_t sub,
                   int64_t user, int64_t contest)
{
    char buf[96];
    struct srv_live_event e = ev_make(id, type, sub, user, contest, buf, sizeof(buf));

    return srv_subs_live_covers(s, &e);
}

/* A resume drops the replayed events the loop offered live: those after
 * the position at which a subscription that wants them was made. */
static void test_live_covers(void **state)
{
    struct srv_subs s;
    (void)state;

    srv_subs_init(&s);
    /* Logged in when the loop stood at 10-0. */
    srv_subs_set_user(&s, 7, false, at(10));
    assert_false(covers(&s, "9-5", "judging.verdict", 1, 7, 0));
    assert_false(covers(&s, "10-0", "judging.verdict", 1, 7, 0));
    assert_true(covers(&s, "10-1", "judging.verdict", 1, 7, 0));
    assert_true(covers(&s, "11-0", "judging.test", 1, 7, 0));
    /* Not wanted at all: never covered. */
    assert_false(covers(&s, "11-0", "judging.verdict", 2, 8, 0));
    /* Logged in again as herself: the topic never lapsed. As somebody
     * else: from the new position. */
    srv_subs_set_user(&s, 7, false, at(20));
    assert_true(covers(&s, "15-0", "judging.verdict", 1, 7, 0));
    srv_subs_set_user(&s, 8, false, at(20));
    assert_false(covers(&s, "15-0", "judging.verdict", 2, 8, 0));
    assert_true(covers(&s, "21-0", "judging.verdict", 2, 8, 0));
    /* The earliest subscription that wants the event decides; subscribing
     * again keeps the first position. */
    assert_int_equal(srv_subs_add_submission(&s, 2, at(12)), 0);
    assert_int_equal(srv_subs_add_submission(&s, 2, at(30)), 0);
    assert_true(covers(&s, "15-0", "judging.verdict", 2, 8, 0));
    assert_false(covers(&s, "11-0", "judging.verdict", 2, 8, 0));
    /* A contest's events; a gap between unsubscribe and subscribe was not
     * live. */
    assert_int_equal(srv_subs_add_contest(&s, 3, at(40)), 0);
    assert_false(covers(&s, "39-0", "contest.announcement", 0, 0, 3));
    assert_true(covers(&s, "41-0", "contest.announcement", 0, 0, 3));
    srv_subs_remove_contest(&s, 3);
    assert_false(covers(&s, "41-0", "contest.announcement", 0, 0, 3));
    assert_int_equal(srv_subs_add_contest(&s, 3, at(50)), 0);
    assert_false(covers(&s, "45-0", "contest.announcement", 0, 0, 3));
    assert_true(covers(&s, "51-0", "contest.announcement", 0, 0, 3));
    /* A question reaches the jury only since both the subscription and
     * the role. */
    srv_subs_set_user(&s, 8, true, at(60));
    assert_false(covers(&s, "55-0", "contest.clarification", 0, 9, 3));
    assert_true(covers(&s, "61-0", "contest.clarification", 0, 9, 3));
    /* An unknown position (the live thread had not reached Redis): the
     * replay keeps everything, at worst a duplicate, never a loss. */
    srv_subs_watch_contests(&s, SRV_SUBS_MARK_UNKNOWN);
    assert_false(covers(&s, "70-0", "contest.phase", 0, 0, 5));
    assert_true(covers(&s, "70-0", "contest.phase", 0, 0, 3)); /* contest 3 since 50 */
    srv_subs_release(&s);
}

static void test_shared_frame(void **state)
{
    static const char data[] = "{\"contest_id\":3,\"text\":\"hi\"}";
    struct srv_subs a, b, c;
    struct srv_live_event *e;
    struct srv_frame *f, *g;
    struct cst_event ev;
    (void)state;

    srv_subs_init(&a);
    srv_subs_init(&b);
    srv_subs_init(&c);
    assert_int_equal(srv_subs_add_contest(&a, 3, NOMARK), 0);
    assert_int_equal(srv_subs_add_contest(&b, 3, NOMARK), 0);
    assert_int_equal(srv_subs_add_contest(&c, 4, NOMARK), 0);
    assert_int_equal(cst_event_decode(&ev, "contest.announcement", data, strlen(data)), 0);
    assert_int_equal(srv_live_event_new(&e, "9-0", &ev), 0);
    cst_event_release(&ev);
    assert_non_null(e->shared);
    assert_ptr_equal(e->frame, (char *)srv_frame_payload(e->shared));
    assert_int_equal(e->shared->refs, 1);
    assert_int_equal(srv_subs_offer(&a, e, 0), SRV_SUBS_OK);
    assert_int_equal(srv_subs_offer(&b, e, 0), SRV_SUBS_OK);
    assert_int_equal(srv_subs_offer(&c, e, 0), SRV_SUBS_OK); /* not wanted */
    assert_int_equal(e->shared->refs, 3);
    f = srv_subs_next(&a);
    srv_live_event_free(e);
    assert_int_equal(f->refs, 2);
    g = srv_subs_next(&b);
    assert_ptr_equal(f, g);
    assert_int_equal(f->len, strlen((const char *)srv_frame_payload(f)));
    srv_frame_unref(f);
    srv_frame_unref(g);
    assert_null(srv_subs_next(&c));
    srv_subs_release(&a);
    srv_subs_release(&b);
    srv_subs_release(&c);
}

static void test_id_parse(void **state)
{
    uint64_t ms, seq;

    (void)state;
    assert_int_equal(srv_subs_id_parse("1764100000000-3", &ms, &seq), 0);
    assert_true(ms == 1764100000000ull && seq == 3);
    assert_int_equal(srv_subs_id_parse("17", &ms, &seq), 0);
    assert_true(ms == 17 && seq == 0);
    assert_int_equal(srv_subs_id_parse("18446744073709551615-18446744073709551615", &ms, &seq), 0);
    assert_true(ms == UINT64_MAX && seq == UINT64_MAX);
    assert_int_equal(srv_subs_id_parse("18446744073709551616-0", &ms, &seq), GV_EINVAL);
    assert_int_equal(srv_subs_id_parse("", &ms, &seq), GV_EINVAL);
    assert_int_equal(srv_subs_id_parse("-1", &ms, &seq), GV_EINVAL);
    assert_int_equal(srv_subs_id_parse("1-", &ms, &seq), GV_EINVAL);
    assert_int_equal(srv_subs_id_parse("1-2-3", &ms, &seq), GV_EINVAL);
    assert_int_equal(srv_subs_id_parse("1-x", &ms, &seq), GV_EINVAL);
    assert_int_equal(srv_subs_id_parse("$", &ms, &seq), GV_EINVAL);
    assert_int_equal(srv_subs_id_parse(NULL, &ms, &seq), GV_EINVAL);
    assert_true(srv_subs_id_cmp(9, 0, 10, 0) < 0);
    assert_true(srv_subs_id_cmp(10, 1, 10, 0) > 0);
    assert_true(srv_subs_id_cmp(10, 1, 10, 1) == 0);
}

/* The live thread's parser: a decoded event becomes the push, its data the
 * event's one encoding. */
static void test_event_new(void **state)
{
    struct srv_live_event *e = NULL;
    static const char data[] = "{\"submission_id\":12,\"user_id\":7,\"contest_id\":3,"
                               "\"test\":1,\"tests\":4,\"verdict\":\"WA\",\"cpu_ms\":5,"
                               "\"memory_kb\":640}";
    struct cst_event ev;

    (void)state;
    assert_int_equal(cst_event_decode(&ev, "judging.test", data, sizeof(data) - 1), 0);
    assert_int_equal(srv_live_event_new(&e, "5-1", &ev), 0);
    assert_non_null(e);
    assert_string_equal(e->id, "5-1");
    assert_int_equal(e->type, CST_EVENT_JUDGING_TEST);
    assert_int_equal(e->submission_id, 12);
    assert_int_equal(e->user_id, 7);
    assert_int_equal(e->contest_id, 3);
    assert_false(srv_live_event_for_contest(e)); /* a verdict of one contestant */
    assert_int_equal(e->frame_len, strlen(e->frame));
    assert_string_equal(e->frame,
                        "{\"type\":\"event\",\"event\":\"judging.test\",\"event_id\":\"5-1\","
                        "\"data\":{\"submission_id\":12,\"user_id\":7,\"contest_id\":3,"
                        "\"test\":1,\"tests\":4,\"verdict\":\"WA\",\"cpu_ms\":5,"
                        "\"memory_kb\":640}}");
    srv_live_event_free(e);

    /* A stream id that is not one, and an event that is not valid. */
    assert_int_equal(srv_live_event_new(&e, "nope", &ev), GV_EPARSE);
    assert_int_equal(srv_live_event_new(&e, NULL, &ev), GV_EPARSE);
    ev.u.test.test = 5; /* of 4 */
    assert_int_equal(srv_live_event_new(&e, "5-3", &ev), GV_EPARSE);
    assert_null(e);
    cst_event_release(&ev);

    /* An announcement is for the contest's subscribers. */
    {
        static const char d2[] = "{\"contest_id\":3,\"text\":\"hi\"}";

        assert_int_equal(cst_event_decode(&ev, "contest.announcement", d2, strlen(d2)), 0);
        assert_int_equal(srv_live_event_new(&e, "5-2", &ev), 0);
        cst_event_release(&ev);
    }
    assert_true(srv_live_event_for_contest(e));
    assert_int_equal(e->user_id, 0);
    srv_live_event_free(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wants),
        cmocka_unit_test(test_subscription_bounds),
        cmocka_unit_test(test_fifo_and_unwanted),
        cmocka_unit_test(test_coalescing),
        cmocka_unit_test(test_board_rows_coalesce),
        cmocka_unit_test(test_exact_replay_is_not_coalesced),
        cmocka_unit_test(test_ordering_with_replay),
        cmocka_unit_test(test_overflow_resync_then_recover),
        cmocka_unit_test(test_overflow_by_bytes),
        cmocka_unit_test(test_drop_when_resync_ignored),
        cmocka_unit_test(test_drop_when_behind_too_long),
        cmocka_unit_test(test_oom_becomes_resync),
        cmocka_unit_test(test_live_covers),
        cmocka_unit_test(test_shared_frame),
        cmocka_unit_test(test_id_parse),
        cmocka_unit_test(test_event_new),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
