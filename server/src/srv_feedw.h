/* SPDX-License-Identifier: MIT
 * srv_feedw.h - the feeds' writer thread (srv_feedw.c).
 *
 * A streamed feed's bytes are written by a thread of their own, not by the
 * loop the WebSocket clients share: a verdict read once for a thousand
 * readers is a thousand send() calls, and on the loop they held every
 * WebSocket push behind them. The loop keeps everything else of a feed
 * (its reads, credentials, keep-alive and poll timers, when it ends); the
 * writer only writes, and says when a reader took what it was given, left,
 * or stopped reading.
 *
 * Each feed has a port (struct srv__feedw_port) that it embeds. The loop
 * puts commands in it, the writer events; both cross under the writer's
 * lock. The writer writes to a duplicate of the connection's descriptor,
 * which only it closes: lws may close its own (and the number be reused by
 * a new connection) while the writer still holds the socket, and a write
 * then fails on the socket lws shut down, never lands on another one. A
 * feed's memory is the writer's from `attach` until it reports CLOSED. */
#ifndef SRV_FEEDW_H
#define SRV_FEEDW_H

#include <libwebsockets.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Notifications given to one or more feeds; freed with the last reference,
 * on whichever thread drops it. */
struct srv__bytes {
    atomic_size_t refs;
    size_t len;
    char data[];
};

struct srv__bytes *srv__bytes_new(const char *data, size_t len);
struct srv__bytes *srv__bytes_ref(struct srv__bytes *b); /* NULL: NULL */
void srv__bytes_unref(struct srv__bytes *b);             /* NULL: no-op */

/* The loop's commands. */
enum {
    SRV_FEEDW_OPEN = 1,      /* start watching the port's descriptor */
    SRV_FEEDW_WRITE = 2,     /* write cmd_bytes (the writer's reference) */
    SRV_FEEDW_KEEPALIVE = 4, /* a newline, unless bytes wait to be written */
    SRV_FEEDW_CLOSE = 8,     /* stop, close the descriptor, report CLOSED */
};

/* The writer's events. */
enum {
    SRV_FEEDW_TAKEN = 1,   /* the reader took all it was given */
    SRV_FEEDW_LEFT = 2,    /* the reader hung up */
    SRV_FEEDW_FAILED = 4,  /* a write failed otherwise */
    SRV_FEEDW_STALLED = 8, /* the reader took nothing for the stall time */
    SRV_FEEDW_CLOSED = 16, /* done with the port: its memory is the loop's */
};

struct srv__feedw_port {
    /* Under the writer's lock. */
    struct srv__feedw_port *cmd_next, *ev_next;
    unsigned cmds, events;
    bool cmd_queued, ev_queued;
    struct srv__bytes *cmd_bytes;
    /* The loop's: the events srv__feedw_drain took, and their list. */
    unsigned got;
    struct srv__feedw_port *got_next;
    /* The writer's, within one of its turns: the commands it took from
     * the queue (run_commands), linked by run_next, and the events it
     * gathered for the loop (post), linked by post_next, which end_turn
     * publishes. Moved in one critical section each, so that the lock is
     * taken a few times a turn however many ports the turn serves: the
     * writer runs at a low priority, and preempted while it held the lock
     * it would hold up the loop. */
    struct srv__feedw_port *run_next, *post_next;
    unsigned run_cmds, post_events;
    struct srv__bytes *run_bytes;
    bool post_queued;
    /* The writer's (the loop's before OPEN and after CLOSED). */
    int fd;
    struct srv__bytes *out;
    size_t out_off;
    int64_t progress_ms;     /* when `out` came or the reader last took some */
    bool polling_out;        /* watching for room to write */
    bool dead;               /* reported LEFT, FAILED or STALLED: writes nothing */
    struct lws_dll2 pending; /* in the writer's list of ports with `out` */
};

struct srv__feedw;

/* Starts the thread; it calls `wake(arg)` when it has events for
 * srv__feedw_drain (gavel-server: lws_cancel_service). Without `defer`,
 * srv__feedw_send wakes the writer at the first command of a batch, and
 * the writer then runs beside the loop while the loop queues the rest.
 * With `defer`, srv__feedw_send never wakes it: the first command after
 * the last srv__feedw_kick calls `defer(arg)` instead (on the loop's
 * thread, outside the lock), and the loop then owes a call to
 * srv__feedw_kick once it queued the batch (gavel-server: a timer of no
 * delay, which runs after the callback that queued it). A reader that
 * takes nothing for `stall_ms` is reported STALLED. The thread runs at
 * `nice` (0-19) above the process's nice value. -errno. */
int srv__feedw_start(struct srv__feedw **out, void (*wake)(void *), void (*defer)(void *),
                     void *arg, int64_t stall_ms, int nice);
/* Ends the thread (joins it). Ports it held stay as they were: the loop
 * then releases them itself (srv__feedw_port_release). NULL: no-op. */
void srv__feedw_stop(struct srv__feedw *w);
/* Whether the thread runs (started and not stopped). */
bool srv__feedw_running(const struct srv__feedw *w);
/* Frees the writer once every port is released. NULL: no-op. */
void srv__feedw_free(struct srv__feedw *w);

/* A port whose descriptor is `fd` (the caller's duplicate, now the port's). */
void srv__feedw_port_init(struct srv__feedw_port *p, int fd);
/* Queues commands for the port; `bytes` (a reference the call takes) with
 * SRV_FEEDW_WRITE. The loop sends WRITE again only after TAKEN. */
void srv__feedw_send(struct srv__feedw *w, struct srv__feedw_port *p, unsigned cmds,
                     struct srv__bytes *bytes);
/* The kick `defer` asked for: wakes the writer, once, if commands wait and
 * it sleeps (awake, it runs them before it sleeps). Harmless when nothing
 * waits, without `defer`, or after srv__feedw_stop. NULL: no-op. */
void srv__feedw_kick(struct srv__feedw *w);
/* The ports with events, linked by got_next, each with its events in `got`. */
struct srv__feedw_port *srv__feedw_drain(struct srv__feedw *w);
/* After srv__feedw_stop, or for a port never opened: closes its descriptor
 * and drops its bytes. */
void srv__feedw_port_release(struct srv__feedw_port *p);

#endif
