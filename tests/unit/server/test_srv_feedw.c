/* SPDX-License-Identifier: MIT
 * test_srv_feedw.c - the feeds' writer thread (server/src/srv_feedw.c) on
 * real sockets (socket pairs): what it is given arrives whole and in order,
 * TAKEN comes once the peer has it all, a hang-up and a stalled reader are
 * reported, a keep-alive never cuts into bytes on their way, CLOSE closes
 * the socket and gives the port back, and one buffer shared by many ports
 * is freed once (AddressSanitizer sees the rest). With a deferred kick,
 * the writer does nothing until the loop kicks it, and then runs the whole
 * batch, hundreds of ports, in one turn. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "srv_feedw.h"

#define MAXPORTS 200 /* a fixture's ports */
#define NPORTS 50    /* test_shared_bytes's */

struct fix {
    struct srv__feedw *w;
    int wakefd;
    int deferred; /* calls of defer (the test's thread, as the loop's) */
    struct srv__feedw_port port[MAXPORTS];
    int peer[MAXPORTS];
    unsigned got[MAXPORTS]; /* every event seen, per port */
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wake(void *arg)
{
    uint64_t one = 1;
    struct fix *fx = arg;

    assert_int_equal(write(fx->wakefd, &one, sizeof(one)), sizeof(one));
}

static void defer(void *arg)
{
    struct fix *fx = arg;

    fx->deferred++;
}

/* `deferred`: srv__feedw_send never wakes the writer, srv__feedw_kick does. */
static void fix_start_with(struct fix *fx, int64_t stall_ms, bool deferred)
{
    memset(fx, 0, sizeof(*fx));
    fx->wakefd = eventfd(0, EFD_CLOEXEC);
    assert_true(fx->wakefd >= 0);
    assert_int_equal(srv__feedw_start(&fx->w, wake, deferred ? defer : NULL, fx, stall_ms, 0), 0);
}

static void fix_start(struct fix *fx, int64_t stall_ms)
{
    fix_start_with(fx, stall_ms, false);
}

/* Port i on a fresh socket pair; a small send buffer on the port's side,
 * so that a megabyte does not fit. */
static void port_open(struct fix *fx, int i)
{
    int sv[2], small = 4096;

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
    assert_int_equal(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    srv__feedw_port_init(&fx->port[i], sv[0]);
    fx->peer[i] = sv[1];
    srv__feedw_send(fx->w, &fx->port[i], SRV_FEEDW_OPEN, NULL);
}

/* Takes the writer's events into fx->got, waiting up to `ms` for one. */
static void collect(struct fix *fx, int ms)
{
    struct pollfd p = {.fd = fx->wakefd, .events = POLLIN};
    uint64_t v;

    if (poll(&p, 1, ms) == 1)
        assert_int_equal(read(fx->wakefd, &v, sizeof(v)), sizeof(v));
    for (struct srv__feedw_port *q = srv__feedw_drain(fx->w); q; q = q->got_next)
        fx->got[q - fx->port] |= q->got;
}

/* Waits until port i reported `ev`; false after `ms`. */
static bool wait_event(struct fix *fx, int i, unsigned ev, int ms)
{
    int64_t deadline = now_ms() + ms;

    while (!(fx->got[i] & ev) && now_ms() < deadline)
        collect(fx, 50);
    return fx->got[i] & ev;
}

/* Reads from port i's peer until `len` bytes came; the count read. */
static size_t peer_read(struct fix *fx, int i, char *buf, size_t len, int ms)
{
    int64_t deadline = now_ms() + ms;
    size_t n = 0;

    while (n < len && now_ms() < deadline) {
        struct pollfd p = {.fd = fx->peer[i], .events = POLLIN};
        ssize_t r;

        if (poll(&p, 1, 50) != 1)
            continue;
        r = read(fx->peer[i], buf + n, len - n);
        if (r <= 0)
            break;
        n += (size_t)r;
        collect(fx, 0);
    }
    return n;
}

static void fix_end(struct fix *fx)
{
    /* Every port still open is closed through the writer, as the server
     * does; each must come back CLOSED. */
    for (int i = 0; i < MAXPORTS; i++)
        if (fx->peer[i] > 0 && !(fx->got[i] & SRV_FEEDW_CLOSED))
            srv__feedw_send(fx->w, &fx->port[i], SRV_FEEDW_CLOSE, NULL);
    srv__feedw_kick(fx->w); /* a deferred fixture's; harmless otherwise */
    for (int i = 0; i < MAXPORTS; i++) {
        if (fx->peer[i] > 0) {
            assert_true(wait_event(fx, i, SRV_FEEDW_CLOSED, 5000));
            close(fx->peer[i]);
        }
    }
    srv__feedw_free(fx->w);
    close(fx->wakefd);
}

static struct srv__bytes *pattern(size_t len)
{
    char *text = malloc(len);
    struct srv__bytes *b;

    assert_non_null(text);
    for (size_t i = 0; i < len; i++)
        text[i] = (char)('a' + i % 23);
    b = srv__bytes_new(text, len);
    free(text);
    assert_non_null(b);
    return b;
}

static void test_small_write_taken(void **state)
{
    struct fix fx;
    char buf[16] = "";

    (void)state;
    fix_start(&fx, 10000);
    port_open(&fx, 0);
    srv__feedw_send(fx.w, &fx.port[0], SRV_FEEDW_WRITE, srv__bytes_new("{\"a\":1}\n", 8));
    assert_true(wait_event(&fx, 0, SRV_FEEDW_TAKEN, 5000));
    assert_int_equal(peer_read(&fx, 0, buf, 8, 2000), 8);
    assert_memory_equal(buf, "{\"a\":1}\n", 8);
    fix_end(&fx);
}

/* Four megabytes through a 4 KiB socket: written as the peer reads, whole
 * and in order, TAKEN only once all of it is out. */
static void test_large_write_in_order(void **state)
{
    const size_t len = 4u << 20;
    struct srv__bytes *b = pattern(len);
    char *buf = malloc(len);
    struct fix fx;
    size_t n;

    (void)state;
    assert_non_null(buf);
    fix_start(&fx, 10000);
    port_open(&fx, 0);
    srv__feedw_send(fx.w, &fx.port[0], SRV_FEEDW_WRITE, srv__bytes_ref(b));
    collect(&fx, 100);
    assert_false(fx.got[0] & SRV_FEEDW_TAKEN);
    n = peer_read(&fx, 0, buf, len, 20000);
    assert_int_equal(n, len);
    assert_memory_equal(buf, b->data, len);
    assert_true(wait_event(&fx, 0, SRV_FEEDW_TAKEN, 5000));
    srv__bytes_unref(b);
    free(buf);
    fix_end(&fx);
}

/* A keep-alive while bytes wait is dropped (they are the sign of life),
 * never written between them; alone, it is a newline. */
static void test_keepalive(void **state)
{
    const size_t len = 1u << 20;
    struct srv__bytes *b = pattern(len);
    char *buf = malloc(len + 1);
    struct fix fx;

    (void)state;
    assert_non_null(buf);
    fix_start(&fx, 10000);
    port_open(&fx, 0);
    srv__feedw_send(fx.w, &fx.port[0], SRV_FEEDW_WRITE, srv__bytes_ref(b));
    srv__feedw_send(fx.w, &fx.port[0], SRV_FEEDW_KEEPALIVE, NULL);
    assert_int_equal(peer_read(&fx, 0, buf, len, 20000), len);
    assert_memory_equal(buf, b->data, len);
    assert_true(wait_event(&fx, 0, SRV_FEEDW_TAKEN, 5000));
    srv__feedw_send(fx.w, &fx.port[0], SRV_FEEDW_KEEPALIVE, NULL);
    assert_int_equal(peer_read(&fx, 0, buf, 1, 2000), 1);
    assert_int_equal(buf[0], '\n');
    srv__bytes_unref(b);
    free(buf);
    fix_end(&fx);
}

/* A peer that hangs up is reported at once, with nothing being written. */
static void test_hangup(void **state)
{
    struct fix fx;

    (void)state;
    fix_start(&fx, 10000);
    port_open(&fx, 0);
    port_open(&fx, 1);
    close(fx.peer[0]);
    fx.peer[0] = -1;
    assert_true(wait_event(&fx, 0, SRV_FEEDW_LEFT, 5000));
    assert_false(fx.got[1] & (SRV_FEEDW_LEFT | SRV_FEEDW_FAILED));
    /* A write to it after is dropped, not reported again. */
    fx.got[0] = 0;
    srv__feedw_send(fx.w, &fx.port[0], SRV_FEEDW_WRITE, srv__bytes_new("x\n", 2));
    srv__feedw_send(fx.w, &fx.port[0], SRV_FEEDW_CLOSE, NULL);
    assert_true(wait_event(&fx, 0, SRV_FEEDW_CLOSED, 5000));
    assert_int_equal(fx.got[0], SRV_FEEDW_CLOSED);
    fx.peer[0] = 0;
    fix_end(&fx);
}

/* A peer that reads nothing of a megabyte is reported STALLED after the
 * stall time, and not before; one that reads slowly is not. */
static void test_stall(void **state)
{
    const size_t len = 1u << 20;
    struct srv__bytes *b = pattern(len);
    char *buf = malloc(len);
    int64_t t0;
    struct fix fx;

    (void)state;
    assert_non_null(buf);
    fix_start(&fx, 600);
    port_open(&fx, 0);
    port_open(&fx, 1);
    t0 = now_ms();
    srv__feedw_send(fx.w, &fx.port[0], SRV_FEEDW_WRITE, srv__bytes_ref(b));
    srv__feedw_send(fx.w, &fx.port[1], SRV_FEEDW_WRITE, srv__bytes_ref(b));
    /* Port 1's reader takes a little every 200 ms: slow, not stalled. */
    while (!(fx.got[0] & SRV_FEEDW_STALLED) && now_ms() - t0 < 5000) {
        collect(&fx, 200);
        assert_true(read(fx.peer[1], buf, 4096) > 0);
    }
    assert_true(fx.got[0] & SRV_FEEDW_STALLED);
    assert_true(now_ms() - t0 >= 600);
    assert_false(fx.got[1] & SRV_FEEDW_STALLED);
    assert_false(fx.got[0] & SRV_FEEDW_TAKEN);
    srv__bytes_unref(b);
    free(buf);
    fix_end(&fx);
}

/* CLOSE closes the writer's descriptor: the peer sees the end. */
static void test_close(void **state)
{
    struct fix fx;
    char c;

    (void)state;
    fix_start(&fx, 10000);
    port_open(&fx, 0);
    srv__feedw_send(fx.w, &fx.port[0], SRV_FEEDW_CLOSE, NULL);
    assert_true(wait_event(&fx, 0, SRV_FEEDW_CLOSED, 5000));
    assert_int_equal(fx.port[0].fd, -1);
    assert_int_equal(read(fx.peer[0], &c, 1), 0);
    fix_end(&fx);
}

/* One buffer given to every port: each peer gets it, each port reports
 * TAKEN, and the buffer lives until its last reference (ASan: no leak,
 * no use after free). */
static void test_shared_bytes(void **state)
{
    const size_t len = 20000;
    struct srv__bytes *b = pattern(len);
    char *buf = malloc(len);
    struct fix fx;

    (void)state;
    assert_non_null(buf);
    fix_start(&fx, 10000);
    for (int i = 0; i < NPORTS; i++) {
        port_open(&fx, i);
        srv__feedw_send(fx.w, &fx.port[i], SRV_FEEDW_WRITE, srv__bytes_ref(b));
    }
    srv__bytes_unref(b); /* the ports hold it now */
    for (int i = 0; i < NPORTS; i++) {
        memset(buf, 0, len);
        assert_int_equal(peer_read(&fx, i, buf, len, 10000), len);
        assert_int_equal(buf[len - 1], (char)('a' + (len - 1) % 23));
        assert_true(wait_event(&fx, i, SRV_FEEDW_TAKEN, 5000));
    }
    free(buf);
    fix_end(&fx);
}

/* Stopped with ports open and bytes waiting: the loop releases them. */
static void test_stop_with_ports(void **state)
{
    struct srv__bytes *b = pattern(1u << 20);
    struct fix fx;

    (void)state;
    fix_start(&fx, 10000);
    port_open(&fx, 0);
    port_open(&fx, 1);
    srv__feedw_send(fx.w, &fx.port[0], SRV_FEEDW_WRITE, srv__bytes_ref(b));
    collect(&fx, 100);
    srv__feedw_send(fx.w, &fx.port[1], SRV_FEEDW_WRITE, srv__bytes_ref(b));
    srv__feedw_stop(fx.w);
    assert_false(srv__feedw_running(fx.w));
    srv__feedw_port_release(&fx.port[0]);
    srv__feedw_port_release(&fx.port[1]);
    srv__bytes_unref(b);
    for (int i = 0; i < 2; i++) {
        close(fx.peer[i]);
        fx.peer[i] = 0;
    }
    srv__feedw_free(fx.w);
    close(fx.wakefd);
}

/* Whether port i's peer has nothing to read (nor an end of the stream). */
static bool peer_quiet(struct fix *fx, int i)
{
    struct pollfd p = {.fd = fx->peer[i], .events = POLLIN};

    return poll(&p, 1, 0) == 0;
}

/* Port 0 opened, given bytes, kicked, and TAKEN (then forgotten): the
 * writer's turn that reported it found no command waiting, so the writer
 * sleeps from then on until it is kicked (nothing of port 0 waits, so no
 * look for stalls wakes it either). */
static void settle(struct fix *fx)
{
    char buf[8];

    port_open(fx, 0);
    srv__feedw_send(fx->w, &fx->port[0], SRV_FEEDW_WRITE, srv__bytes_new("0\n", 2));
    srv__feedw_kick(fx->w);
    assert_true(wait_event(fx, 0, SRV_FEEDW_TAKEN, 5000));
    assert_int_equal(peer_read(fx, 0, buf, 2, 2000), 2);
    fx->got[0] = 0;
}

/* With a deferred kick, commands wait for the kick, however many: the
 * writer writes nothing and reports nothing before it, `defer` is called
 * once for the batch, and after it every port has its bytes and TAKEN. */
static void test_deferred_kick(void **state)
{
    enum { N = 20 };
    struct fix fx;
    char buf[8];

    (void)state;
    fix_start_with(&fx, 10000, true);
    settle(&fx);
    assert_int_equal(fx.deferred, 1);
    for (int i = 1; i <= N; i++) {
        port_open(&fx, i);
        srv__feedw_send(fx.w, &fx.port[i], SRV_FEEDW_WRITE, srv__bytes_new("x\n", 2));
    }
    srv__feedw_send(fx.w, &fx.port[0], SRV_FEEDW_KEEPALIVE, NULL);
    assert_int_equal(fx.deferred, 2);
    collect(&fx, 300);
    for (int i = 0; i <= N; i++) {
        assert_int_equal(fx.got[i], 0);
        assert_true(peer_quiet(&fx, i));
    }
    srv__feedw_kick(fx.w);
    for (int i = 1; i <= N; i++) {
        assert_int_equal(peer_read(&fx, i, buf, 2, 2000), 2);
        assert_memory_equal(buf, "x\n", 2);
        assert_true(wait_event(&fx, i, SRV_FEEDW_TAKEN, 5000));
    }
    assert_int_equal(peer_read(&fx, 0, buf, 1, 2000), 1);
    assert_int_equal(buf[0], '\n');
    /* A kick with nothing queued is harmless; the next command asks for
     * a kick of its own, and waits for it. */
    srv__feedw_kick(fx.w);
    srv__feedw_send(fx.w, &fx.port[1], SRV_FEEDW_CLOSE, NULL);
    assert_int_equal(fx.deferred, 3);
    collect(&fx, 200);
    assert_false(fx.got[1] & SRV_FEEDW_CLOSED);
    srv__feedw_kick(fx.w);
    assert_true(wait_event(&fx, 1, SRV_FEEDW_CLOSED, 5000));
    fix_end(&fx);
}

/* A batch for 199 ports at once, a fifth of them also closed in it: the
 * writer runs it in one turn, and its events reach the loop together (one
 * drain, each port once); every open port's peer gets its own bytes and
 * the port reports TAKEN, every closed one reports CLOSED alone and its
 * peer gets nothing but the end of the stream. The last port's descriptor
 * is one epoll refuses: its FAILED and CLOSED come in the same turn, one
 * after the other, and reach the loop together. */
static void test_many_ports_one_batch(void **state)
{
    enum { BAD = MAXPORTS - 1 };
    struct fix fx;
    int64_t deadline;
    int drained = 0;

    (void)state;
    fix_start_with(&fx, 10000, true);
    settle(&fx);
    for (int i = 1; i < MAXPORTS; i++) {
        char text[32];
        int n = snprintf(text, sizeof(text), "{\"port\":%d}\n", i);

        if (i == BAD) {
            int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

            assert_true(fd >= 0);
            srv__feedw_port_init(&fx.port[i], fd);
            srv__feedw_send(fx.w, &fx.port[i], SRV_FEEDW_OPEN, NULL);
        } else {
            port_open(&fx, i);
        }
        srv__feedw_send(fx.w, &fx.port[i], SRV_FEEDW_WRITE, srv__bytes_new(text, (size_t)n));
        if (i % 5 == 0 || i == BAD)
            srv__feedw_send(fx.w, &fx.port[i], SRV_FEEDW_CLOSE, NULL);
    }
    assert_int_equal(fx.deferred, 2);
    srv__feedw_kick(fx.w);
    /* The first drain that finds anything (a wake-up may be left over from
     * settle's turn, which settle drained before it came). */
    deadline = now_ms() + 5000;
    while (!drained && now_ms() < deadline) {
        struct pollfd pw = {.fd = fx.wakefd, .events = POLLIN};
        uint64_t v;

        if (poll(&pw, 1, 100) != 1)
            continue;
        assert_int_equal(read(fx.wakefd, &v, sizeof(v)), sizeof(v));
        for (struct srv__feedw_port *q = srv__feedw_drain(fx.w); q; q = q->got_next) {
            fx.got[q - fx.port] |= q->got;
            drained++;
        }
    }
    assert_int_equal(drained, MAXPORTS - 1);
    for (int i = 1; i < MAXPORTS; i++) {
        char text[32], buf[32];
        int n = snprintf(text, sizeof(text), "{\"port\":%d}\n", i);

        if (i == BAD) {
            assert_int_equal(fx.got[i], SRV_FEEDW_FAILED | SRV_FEEDW_CLOSED);
            assert_int_equal(fx.port[i].fd, -1);
        } else if (i % 5 == 0) {
            assert_int_equal(fx.got[i], SRV_FEEDW_CLOSED);
            assert_int_equal(fx.port[i].fd, -1);
            assert_int_equal(read(fx.peer[i], buf, sizeof(buf)), 0);
        } else {
            assert_int_equal(fx.got[i], SRV_FEEDW_TAKEN);
            assert_int_equal(peer_read(&fx, i, buf, (size_t)n, 2000), n);
            assert_memory_equal(buf, text, (size_t)n);
            assert_true(peer_quiet(&fx, i));
        }
    }
    fix_end(&fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_small_write_taken),
        cmocka_unit_test(test_large_write_in_order),
        cmocka_unit_test(test_keepalive),
        cmocka_unit_test(test_hangup),
        cmocka_unit_test(test_stall),
        cmocka_unit_test(test_close),
        cmocka_unit_test(test_shared_bytes),
        cmocka_unit_test(test_stop_with_ports),
        cmocka_unit_test(test_deferred_kick),
        cmocka_unit_test(test_many_ports_one_batch),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
