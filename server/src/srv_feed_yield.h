/* SPDX-License-Identifier: MIT
 * srv_feed_yield.h - when a contest's streamed CLICS feeds read: they give
 * way to the WebSocket pushes.
 *
 * A read for a contest's feeds ends in a write to each of their readers:
 * for a thousand feeds, a thousand sends and as many readers woken, a few
 * milliseconds of both cores at once. Landing on a WebSocket fan-out, that
 * is what stretched the contestants' tail (docs/PROTOCOL.md, "Feed
 * benchmark": fewer reads a second did not help; none during the pushes
 * did). So a channel whose batch is due waits while the loop is pushing to
 * WebSocket clients, until the pushes pause for `quiet_ms`, and at most
 * `yield_ms` after the first event it holds: under WebSocket load the feeds
 * are later, never starved, and their reads of that time merge into one.
 * Pure, for the unit test. */
#ifndef SRV_FEED_YIELD_H
#define SRV_FEED_YIELD_H

#include <stdint.h>

/* A pause in the pushes this long lets the feeds read. Longer than the gap
 * between two events' fan-outs in a burst (10 ms at 100 a second), shorter
 * than a feed reader would notice. */
#define SRV_FEED_PUSH_QUIET_MS 50
/* A fan-out to fewer sessions than this holds no feed: it is over in well
 * under a millisecond. */
#define SRV_FEED_YIELD_MIN_PUSHES 64

/* Milliseconds the channel still waits at `now` (0: read now). `last_push`:
 * when the loop last offered events to WebSocket sessions; `held_since`:
 * when the first event of this batch was offered to the channel (all
 * monotonic ms). yield_ms <= 0 never waits. */
static inline int64_t srv__feed_yield_wait(int64_t now, int64_t last_push, int64_t held_since,
                                           int64_t quiet_ms, int64_t yield_ms)
{
    int64_t quiet_at = last_push + quiet_ms, give_up_at = held_since + yield_ms;

    if (yield_ms <= 0 || now >= quiet_at || now >= give_up_at)
        return 0;
    return (quiet_at < give_up_at ? quiet_at : give_up_at) - now;
}

#endif
