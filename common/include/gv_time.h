/* SPDX-License-Identifier: MIT
 * gv_time.h - clocks and retry backoff. */
#ifndef GV_TIME_H
#define GV_TIME_H

#include <stdbool.h>
#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC: for durations and deadlines. */
int64_t gv_time_mono_ms(void);
/* Microseconds on CLOCK_MONOTONIC: to order events across threads finer
 * than a millisecond. */
int64_t gv_time_mono_us(void);
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

/* Date-times as ISO 8601 (RFC 3339) text with an offset, for contest
 * definitions and the CLICS API alike; the proleptic Gregorian calendar
 * by arithmetic (H. Hinnant's algorithms): no timegm, no time zone
 * database. */
#define GV_TIME_ISO_MAX 48

/* "YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH[:MM])" ('t' or a space also separate
 * date and time; digits past milliseconds are dropped) into Unix ms and,
 * when `offset_min` is not NULL, the offset in minutes. The offset is
 * required: a bare local time means something else on every machine that
 * reads it. GV_EPARSE for anything else, an impossible date included. */
int gv_time_iso_parse(int64_t *out_ms, int *offset_min, const char *s);

/* `epoch_ms` as local time at `offset_min`: "2026-12-05T21:00:00.000+01:00".
 * `brief`: UTC (offset 0) as "Z", and the milliseconds only when not 0. */
void gv_time_iso_format(char out[GV_TIME_ISO_MAX], int64_t epoch_ms, int offset_min, bool brief);

#endif
