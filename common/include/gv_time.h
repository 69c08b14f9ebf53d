/* SPDX-License-Identifier: MIT
 * gv_time.h - clocks and retry backoff. */
#ifndef GV_TIME_H
#define GV_TIME_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC: for durations and deadlines. */
int64_t gv_time_mono_ms(void);
/* The CLOCK_MONOTONIC time `ms` from now, as pthread_cond_timedwait takes
 * it on a condition variable set to that clock (a wall-clock jump then
 * neither stalls nor rushes a sleeping thread). */
struct timespec;
void gv_time_mono_deadline(struct timespec *out, int64_t ms);
/* Milliseconds since the Unix epoch: for timestamps shown to people. */
int64_t gv_time_real_ms(void);
void gv_time_sleep_ms(int64_t ms);

/* Exponential backoff with full jitter (AWS architecture blog): each failure
 * doubles the ceiling up to `max_ms`; the delay is uniform in
 * [ceiling/2, ceiling] so that many clients restarting together spread out. */
struct gv_backoff {
    int64_t base_ms;
    int64_t max_ms;
    int64_t ceiling_ms;
    unsigned attempts;
    uint64_t rng;
};

void gv_backoff_init(struct gv_backoff *b, int64_t base_ms, int64_t max_ms);
/* The delay before the next attempt; counts one more failure. */
int64_t gv_backoff_next(struct gv_backoff *b);
void gv_backoff_reset(struct gv_backoff *b);

#endif
