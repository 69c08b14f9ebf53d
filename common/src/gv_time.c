/* SPDX-License-Identifier: MIT
 * gv_time.c - clocks and jittered exponential backoff. */
#include "gv_time.h"

#include <errno.h>
#include <time.h>

#include "banned.h"

int64_t gv_time_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t gv_time_real_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void gv_time_sleep_ms(int64_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

void gv_backoff_init(struct gv_backoff *b, int64_t base_ms, int64_t max_ms)
{
    b->base_ms = base_ms;
    b->max_ms = max_ms;
    b->rng = (uint64_t)gv_time_real_ms() * 6364136223846793005ULL + (uint64_t)(uintptr_t)b;
    gv_backoff_reset(b);
}

void gv_backoff_reset(struct gv_backoff *b)
{
    b->ceiling_ms = b->base_ms;
    b->attempts = 0;
}

int64_t gv_backoff_next(struct gv_backoff *b)
{
    int64_t ceiling = b->ceiling_ms, half = ceiling / 2;
    uint64_t x;

    /* xorshift64: jitter needs spread, not cryptographic quality. */
    x = b->rng ? b->rng : 0x9e3779b97f4a7c15ULL;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b->rng = x;

    b->attempts++;
    b->ceiling_ms = ceiling > b->max_ms / 2 ? b->max_ms : ceiling * 2;
    return half + (int64_t)(x % (uint64_t)(ceiling - half + 1));
}

void gv_time_mono_deadline(struct timespec *out, int64_t ms)
{
    clock_gettime(CLOCK_MONOTONIC, out);
    out->tv_sec += (time_t)(ms / 1000);
    out->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (out->tv_nsec >= 1000000000L) {
        out->tv_sec++;
        out->tv_nsec -= 1000000000L;
    }
}
