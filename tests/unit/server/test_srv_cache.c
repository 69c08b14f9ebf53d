/* SPDX-License-Identifier: MIT
 * test_srv_cache.c - the session and snapshot caches of gavel-server
 * (srv_cache.h) as pure logic: what keeps an entry, what drops it, and
 * what each caller is told of a shared snapshot. The clock is the tests'
 * (every call takes it), so nothing here waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "gv_alloc.h"
#include "srv_cache.h"

#include "banned.h"

#define TOKEN_A "aaaa000000000000000000000000000000000000000000000000000000000001"
#define TOKEN_B "bbbb000000000000000000000000000000000000000000000000000000000002"

static struct db_user_info user(int64_t id, const char *role)
{
    struct db_user_info u = {.id = id};

    snprintf(u.username, sizeof(u.username), "u%lld", (long long)id);
    snprintf(u.role, sizeof(u.role), "%s", role);
    snprintf(u.tier, sizeof(u.tier), "free");
    return u;
}

static void test_session_ttl_and_drops(void **state)
{
    struct srv_cache *c;
    struct db_user_info a = user(7, "contestant"), b = user(8, "contestant"), got;

    (void)state;
    assert_int_equal(srv_cache_new(&c, 2000, 1000), 0);
    assert_false(srv_cache_session_get(c, TOKEN_A, 0, &got));
    srv_cache_session_put(c, TOKEN_A, &a, 100);
    srv_cache_session_put(c, TOKEN_B, &b, 100);
    assert_true(srv_cache_session_get(c, TOKEN_A, 2099, &got));
    assert_int_equal(got.id, 7);
    assert_false(srv_cache_session_get(c, TOKEN_A, 2100, &got)); /* the TTL is a bound */
    srv_cache_session_put(c, TOKEN_A, &a, 3000);
    srv_cache_session_drop_token(c, TOKEN_A); /* logout */
    assert_false(srv_cache_session_get(c, TOKEN_A, 3001, &got));
    srv_cache_session_put(c, TOKEN_B, &b, 3000);
    srv_cache_session_drop_user(c, 8); /* user.set, a role seen changed */
    assert_false(srv_cache_session_get(c, TOKEN_B, 3001, &got));
    srv_cache_free(c);
}

static void test_session_not_cached(void **state)
{
    struct srv_cache *c;
    struct db_user_info org = user(9, "organizer"), a = user(7, "contestant"), got;

    (void)state;
    assert_int_equal(srv_cache_new(&c, 2000, 1000), 0);
    srv_cache_session_put(c, TOKEN_A, &org, 0); /* rights follow PostgreSQL */
    assert_false(srv_cache_session_get(c, TOKEN_A, 1, &got));
    srv_cache_session_put(c, "abc", &a, 0); /* not a token */
    assert_false(srv_cache_session_get(c, "abc", 1, &got));
    srv_cache_free(c);
    assert_int_equal(srv_cache_new(&c, 0, 1000), 0); /* GAVEL_SESSION_CACHE_MS=0 */
    srv_cache_session_put(c, TOKEN_A, &a, 0);
    assert_false(srv_cache_session_get(c, TOKEN_A, 1, &got));
    srv_cache_free(c);
}

/* A snapshot of contest 3 with participants 2, 5 and asker 5. */
static void put_snapshot(struct srv_cache *c, bool jury, int window, uint64_t gen, int64_t now,
                         int64_t valid)
{
    static const int64_t participants[] = {2, 5}, askers[] = {5};
    struct srv_cache_snapshot s = {.info = {.id = 3}};

    s.board = gv_strdup(jury ? "{\"jury\":true}" : "{\"rows\":[]}");
    s.announcements = gv_strdup("[]");
    s.public_clars = gv_strdup("[1]");
    s.people.participants = gv_malloc(sizeof(participants));
    s.people.askers = gv_malloc(sizeof(askers));
    assert_non_null(s.board);
    memcpy(s.people.participants, participants, sizeof(participants));
    memcpy(s.people.askers, askers, sizeof(askers));
    s.people.nparticipants = 2;
    s.people.naskers = 1;
    srv_cache_snapshot_put(c, 3, jury, window, gen, now, valid, &s);
    assert_null(s.board); /* taken */
}

static void test_snapshot_views_and_invalidation(void **state)
{
    struct srv_cache *c;
    struct srv_cache_view v;
    uint64_t gen;

    (void)state;
    assert_int_equal(srv_cache_new(&c, 2000, 1000), 0);
    gen = srv_cache_contest_gen(c, 3);
    put_snapshot(c, false, 0, gen, 0, INT64_MAX);
    assert_true(srv_cache_snapshot_get(c, 3, false, 0, gen, 10, 2, &v));
    assert_true(v.registered);
    assert_false(v.asked);
    assert_string_equal(v.board, "{\"rows\":[]}");
    assert_string_equal(v.public_clars, "[1]");
    srv_cache_view_release(&v);
    assert_true(srv_cache_snapshot_get(c, 3, false, 0, gen, 10, 5, &v));
    assert_true(v.registered && v.asked);
    srv_cache_view_release(&v);
    assert_true(srv_cache_snapshot_get(c, 3, false, 0, gen, 10, 4, &v));
    assert_false(v.registered || v.asked);
    srv_cache_view_release(&v);
    assert_true(srv_cache_snapshot_get(c, 3, false, 0, gen, 10, 0, &v)); /* a visitor */
    assert_false(v.registered);
    srv_cache_view_release(&v);
    /* Other keys are other snapshots: the jury's view, a window. */
    assert_false(srv_cache_snapshot_get(c, 3, true, 0, gen, 10, 2, &v));
    assert_false(srv_cache_snapshot_get(c, 3, false, 100, gen, 10, 2, &v));
    assert_false(srv_cache_snapshot_get(c, 4, false, 0, srv_cache_contest_gen(c, 4), 10, 2, &v));
    /* The loop saw an event of the contest: the snapshot is gone. */
    srv_cache_contest_touch(c, 3);
    assert_int_not_equal(srv_cache_contest_gen(c, 3), gen);
    assert_false(srv_cache_snapshot_get(c, 3, false, 0, srv_cache_contest_gen(c, 3), 10, 2, &v));
    /* The TTL and the next phase change bound an entry. */
    gen = srv_cache_contest_gen(c, 3);
    put_snapshot(c, false, 0, gen, 100, INT64_MAX);
    assert_true(srv_cache_snapshot_get(c, 3, false, 0, gen, 1099, 2, &v));
    srv_cache_view_release(&v);
    assert_false(srv_cache_snapshot_get(c, 3, false, 0, gen, 1100, 2, &v));
    put_snapshot(c, false, 0, gen, 100, 500);
    assert_false(srv_cache_snapshot_get(c, 3, false, 0, gen, 500, 2, &v));
    srv_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_ttl_and_drops),
        cmocka_unit_test(test_session_not_cached),
        cmocka_unit_test(test_snapshot_views_and_invalidation),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
