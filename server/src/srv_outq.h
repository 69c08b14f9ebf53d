/* SPDX-License-Identifier: MIT
 * srv_outq.h - a connection's bounded queue of outgoing frames.
 *
 * A small ring of pending frames, bounded both in count and in bytes, so a
 * client that stops reading costs the server a fixed amount of memory. Each
 * frame is stored with `headroom` spare bytes in front of its payload: lws
 * writes its frame header there (LWS_PRE), which saves a copy at send time.
 *
 * Lifecycle: srv_outq_init() (no allocation), pushes and pops,
 * srv_outq_release() (frees the frames still queued). */
#ifndef SRV_OUTQ_H
#define SRV_OUTQ_H

#include <stddef.h>

#define SRV_OUTQ_MAX_SLOTS 32

struct srv_outq {
    struct {
        unsigned char *mem; /* headroom + payload, gv_malloc'd */
        size_t len;         /* payload bytes */
    } slot[SRV_OUTQ_MAX_SLOTS];
    unsigned cap, head, count;
    size_t bytes, max_bytes, headroom;
};

/* `cap` frames (1..SRV_OUTQ_MAX_SLOTS); a frame is refused once `max_bytes`
 * payload bytes or more wait (so one frame may pass the mark, whatever its
 * size). */
void srv_outq_init(struct srv_outq *q, unsigned cap, size_t max_bytes, size_t headroom);
void srv_outq_release(struct srv_outq *q);

/* Copies `len` bytes to the tail. GV_ETOOBIG when the queue is full (count,
 * or bytes at the mark) and the frame was not queued; -ENOMEM. */
int srv_outq_push(struct srv_outq *q, const void *data, size_t len);

/* The oldest frame's payload (borrowed, valid until the next pop; the
 * `headroom` bytes before it are writable) and its length; NULL when empty. */
unsigned char *srv_outq_peek(struct srv_outq *q, size_t *len);
void srv_outq_pop(struct srv_outq *q);

#endif
