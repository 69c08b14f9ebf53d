/* SPDX-License-Identifier: MIT
 * srv_outq.c - bounded ring of outgoing frames (see srv_outq.h). */
#include "srv_outq.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

void srv_outq_init(struct srv_outq *q, unsigned cap, size_t max_bytes, size_t headroom)
{
    assert(cap >= 1 && cap <= SRV_OUTQ_MAX_SLOTS);
    memset(q, 0, sizeof(*q));
    q->cap = cap;
    q->max_bytes = max_bytes;
    q->headroom = headroom;
}

void srv_outq_release(struct srv_outq *q)
{
    while (q->count)
        srv_outq_pop(q);
}

int srv_outq_push(struct srv_outq *q, const void *data, size_t len)
{
    unsigned char *mem;
    unsigned tail;

    /* The byte bound is a high-water mark on the backlog, not a limit on a
     * reply: a frame goes in while less than max_bytes wait, whatever its
     * size (a contest's board snapshot of a few thousand rows is one reply
     * over 256 KiB, often behind the replies to the hello before it, and
     * refusing it closed every subscriber's connection). Past the mark,
     * nothing more until the backlog drains. */
    if (q->count == q->cap || q->bytes >= q->max_bytes)
        return GV_ETOOBIG;
    mem = gv_malloc(q->headroom + len);
    if (!mem)
        return -ENOMEM;
    memcpy(mem + q->headroom, data, len);
    tail = (q->head + q->count) % q->cap;
    q->slot[tail].mem = mem;
    q->slot[tail].len = len;
    q->count++;
    q->bytes += len;
    return 0;
}

unsigned char *srv_outq_peek(struct srv_outq *q, size_t *len)
{
    if (!q->count)
        return NULL;
    *len = q->slot[q->head].len;
    return q->slot[q->head].mem + q->headroom;
}

void srv_outq_pop(struct srv_outq *q)
{
    assert(q->count > 0);
    gv_free(q->slot[q->head].mem);
    q->bytes -= q->slot[q->head].len;
    q->slot[q->head].mem = NULL;
    q->slot[q->head].len = 0;
    q->head = (q->head + 1) % q->cap;
    q->count--;
}
