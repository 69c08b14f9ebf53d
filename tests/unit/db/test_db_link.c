/* SPDX-License-Identifier: MIT
 * test_db_link.c - the reconnect rules of struct db_link, on a store the
 * test switches on and off (db__link_init_ops): a failed connect arms the
 * backoff and nothing is tried before it allows; a lost connection is
 * retried at once, a failed one after a backoff step; an idle connection
 * the server closed is replaced before use; the log says "down" and "up"
 * once per change, however many attempts lie between. */
#include "../test.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_internal.h"
#include "db_link.h"
#include "gv_err.h"
#include "gv_time.h"

static struct {
    bool up;     /* connects succeed */
    bool usable; /* an open connection looks alive */
    bool ping_ok;
    int opens, closes, open_conns;
} store;

static int conn_token;

static int fake_open(void **conn, const char *url, int timeout_ms, char *errbuf, size_t errlen)
{
    store.opens++;
    if (!store.up) {
        *conn = NULL;
        snprintf(errbuf, errlen,
                 "could not connect to server: Connection refused\n\tIs the "
                 "server running?\n");
        return GV_EUNAVAIL;
    }
    store.open_conns++;
    *conn = &conn_token;
    return 0;
}

static int fake_ping(void *conn)
{
    return store.ping_ok ? 0 : GV_EUNAVAIL;
}

static bool fake_usable(void *conn)
{
    return store.usable;
}

static const char *fake_last_error(void *conn)
{
    return "server closed the connection unexpectedly\n";
}

static void fake_close(void *conn)
{
    assert_ptr_equal(conn, &conn_token);
    store.closes++;
    store.open_conns--;
}

static const struct db__link_ops fake = {
    .name = "fake",
    .open = fake_open,
    .ping = fake_ping,
    .usable = fake_usable,
    .last_error = fake_last_error,
    .close = fake_close,
};

/* The log goes to stderr: a file here, counted per test. */
static FILE *log_file;
static int saved_stderr = -1;

static int setup(void **state)
{
    memset(&store, 0, sizeof(store));
    store.usable = store.ping_ok = true;
    fflush(stderr);
    saved_stderr = dup(2);
    log_file = tmpfile();
    if (saved_stderr < 0 || !log_file || dup2(fileno(log_file), 2) < 0)
        return -1;
    return 0;
}

/* The captured log goes to the real stderr afterwards, with cmocka's
 * messages about a failure among it. */
static int teardown(void **state)
{
    char buf[4096];
    size_t n;

    fflush(stderr);
    dup2(saved_stderr, 2);
    close(saved_stderr);
    rewind(log_file);
    while ((n = fread(buf, 1, sizeof(buf), log_file)) > 0)
        fwrite(buf, 1, n, stderr);
    fclose(log_file);
    return store.open_conns == 0 ? 0 : -1; /* every connection closed */
}

static int log_count(const char *needle)
{
    char line[1024];
    int n = 0;

    fflush(stderr);
    rewind(log_file);
    while (fgets(line, sizeof(line), log_file))
        n += strstr(line, needle) != NULL;
    fseek(log_file, 0, SEEK_END);
    return n;
}

/* Waits out the backoff, however long the jitter made it. */
static void wait_retry(struct db_link *l)
{
    gv_time_sleep_ms(db_link_retry_in_ms(l));
}

static void failed_connects_back_off(void **state)
{
    struct db_link l;
    int64_t first;

    db__link_init_ops(&l, &fake, "fake://", 1000, "test");
    assert_string_equal(db_link_error(&l), "not connected yet");
    assert_int_equal(db_link_retry_in_ms(&l), 0);

    assert_int_equal(db_link_connect(&l), GV_EUNAVAIL);
    assert_int_equal(store.opens, 1);
    /* The driver's lines become one. */
    assert_string_equal(db_link_error(&l), "could not connect to server: Connection refused Is "
                                           "the server running?");
    /* 100 ms with full jitter: between 50 and 100. */
    first = db_link_retry_in_ms(&l);
    assert_true(first > 0 && first <= 100);
    /* Meanwhile no attempt at all. */
    assert_int_equal(db_link_connect(&l), GV_EUNAVAIL);
    assert_int_equal(db_link_connect(&l), GV_EUNAVAIL);
    assert_int_equal(store.opens, 1);

    wait_retry(&l);
    assert_int_equal(db_link_connect(&l), GV_EUNAVAIL);
    assert_int_equal(store.opens, 2);
    /* The ceiling doubled: between 100 and 200. */
    assert_true(db_link_retry_in_ms(&l) > 50);

    store.up = true;
    wait_retry(&l);
    assert_int_equal(db_link_connect(&l), 1);
    assert_int_equal(store.opens, 3);
    assert_string_equal(db_link_error(&l), "");
    assert_int_equal(db_link_retry_in_ms(&l), 0);
    /* A usable connection is kept. */
    assert_int_equal(db_link_connect(&l), 0);
    assert_int_equal(store.opens, 3);

    /* Three failed attempts, one line; one line for the way back. */
    assert_int_equal(log_count("fake is down: could not connect"), 1);
    assert_int_equal(log_count("fake is up"), 1);
    db_link_release(&l);
    assert_int_equal(store.closes, 1);
}

static void lost_reconnects_at_once(void **state)
{
    struct db_link l;

    store.up = true;
    db__link_init_ops(&l, &fake, "fake://", 1000, "test");
    assert_int_equal(db_link_connect(&l), 1);

    /* A connection that worked and broke: the store most likely restarted,
     * so no backoff stands between the next request and the store. */
    db_link_lost(&l, NULL);
    assert_int_equal(store.closes, 1);
    assert_string_equal(db_link_error(&l), "server closed the connection unexpectedly");
    assert_int_equal(db_link_retry_in_ms(&l), 0);
    assert_int_equal(db_link_connect(&l), 1);
    assert_int_equal(store.opens, 2);
    /* Nothing to lose without a connection. */
    db_link_release(&l);
    db_link_lost(&l, "again");
    assert_int_equal(store.closes, 2);

    /* Even after failed connects, a loss does not add a backoff step. */
    store.up = false;
    db__link_init_ops(&l, &fake, "fake://", 1000, "test");
    assert_int_equal(db_link_connect(&l), GV_EUNAVAIL);
    wait_retry(&l);
    store.up = true;
    assert_int_equal(db_link_connect(&l), 1);
    db_link_lost(&l, "gone");
    assert_int_equal(db_link_connect(&l), 1);

    assert_int_equal(log_count("fake is down: server closed"), 1);
    assert_int_equal(log_count("fake is down: gone"), 1);
    assert_int_equal(log_count("fake is up"), 4);
    db_link_release(&l);
}

static void failures_back_off(void **state)
{
    struct db_link l;

    store.up = true;
    db__link_init_ops(&l, &fake, "fake://", 1000, "test");
    assert_int_equal(db_link_connect(&l), 1);
    /* What the caller builds on the connection fails: a new one would
     * meet the same at once. */
    db_link_fail(&l, "cannot open the queue");
    assert_string_equal(db_link_error(&l), "cannot open the queue");
    assert_true(db_link_retry_in_ms(&l) > 0);
    assert_int_equal(db_link_connect(&l), GV_EUNAVAIL);
    assert_int_equal(store.opens, 1);
    wait_retry(&l);
    assert_int_equal(db_link_connect(&l), 1);
    db_link_release(&l);
}

static void idle_connections_are_checked_before_use(void **state)
{
    struct db_link l;

    store.up = true;
    db__link_init_ops(&l, &fake, "fake://", 1000, "test");
    assert_int_equal(db_link_connect(&l), 1);
    /* The server closed it while we waited: replaced, at once. */
    store.usable = false;
    assert_int_equal(db_link_connect(&l), 1);
    assert_int_equal(store.closes, 1);
    assert_int_equal(store.opens, 2);
    /* And if the store is gone by now, the caller learns it here. */
    store.up = false;
    assert_int_equal(db_link_connect(&l), GV_EUNAVAIL);
    assert_int_equal(store.closes, 2);
    db_link_release(&l);
}

static void pings_drop_dead_connections(void **state)
{
    struct db_link l;

    db__link_init_ops(&l, &fake, "fake://", 1000, "test");
    assert_int_equal(db_link_ping(&l), GV_EUNAVAIL);
    assert_int_equal(store.opens, 0);
    store.up = true;
    assert_int_equal(db_link_connect(&l), 1);
    assert_int_equal(db_link_ping(&l), 0);
    store.ping_ok = false;
    assert_int_equal(db_link_ping(&l), GV_EUNAVAIL);
    assert_int_equal(store.closes, 1);
    assert_int_equal(db_link_retry_in_ms(&l), 0);
    db_link_release(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(failed_connects_back_off, setup, teardown),
        cmocka_unit_test_setup_teardown(lost_reconnects_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(failures_back_off, setup, teardown),
        cmocka_unit_test_setup_teardown(idle_connections_are_checked_before_use, setup, teardown),
        cmocka_unit_test_setup_teardown(pings_drop_dead_connections, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
