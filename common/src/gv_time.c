/* SPDX-License-Identifier: MIT
 * gv_time.c - clocks and jittered exponential backoff. */
#include "gv_time.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

#include "gv_err.h"

#include "banned.h"

int64_t gv_time_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t gv_time_mono_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
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

/* --- ISO 8601 ---------------------------------------------------------------- */

#define MS_PER_DAY 86400000LL

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t *y, int *m, int *d, int64_t z)
{
    int64_t era, doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int64_t y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : days[m - 1];
}

/* Exactly `n` digits at `s` as a number; -1 when they are not all there. */
static int fixed_digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int gv_time_iso_parse(int64_t *out_ms, int *offset_min, const char *s)
{
    int y = fixed_digits(s, 4), mo, d, h, mi, sec, oh = 0, om = 0, sign = 1;
    int64_t ms = 0;

    if (y < 0 || s[4] != '-' || (mo = fixed_digits(s + 5, 2)) < 0 || s[7] != '-' ||
        (d = fixed_digits(s + 8, 2)) < 0 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        (h = fixed_digits(s + 11, 2)) < 0 || s[13] != ':' || (mi = fixed_digits(s + 14, 2)) < 0 ||
        s[16] != ':' || (sec = fixed_digits(s + 17, 2)) < 0)
        return GV_EPARSE;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
        return GV_EPARSE;
    s += 19;
    if (*s == '.') {
        int k = 0;

        for (s++; *s >= '0' && *s <= '9'; s++, k++)
            if (k < 3)
                ms = ms * 10 + (*s - '0');
        if (k == 0)
            return GV_EPARSE;
        for (; k < 3; k++)
            ms *= 10;
    }
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s == '-' ? -1 : 1;
        if ((oh = fixed_digits(s + 1, 2)) < 0 || oh > 23)
            return GV_EPARSE;
        s += 3;
        s += *s == ':';
        if (*s && ((om = fixed_digits(s, 2)) < 0 || om > 59))
            return GV_EPARSE;
        s += *s ? 2 : 0;
    } else {
        return GV_EPARSE;
    }
    if (*s)
        return GV_EPARSE;
    if (offset_min)
        *offset_min = sign * (oh * 60 + om);
    *out_ms = days_from_civil(y, mo, d) * MS_PER_DAY + ((h * 60LL + mi) * 60 + sec) * 1000 + ms -
              sign * (oh * 60LL + om) * 60000;
    return 0;
}

void gv_time_iso_format(char out[GV_TIME_ISO_MAX], int64_t epoch_ms, int offset_min, bool brief)
{
    int64_t local = epoch_ms + offset_min * 60000LL;
    int64_t days = floor_div(local, MS_PER_DAY), rem = local - days * MS_PER_DAY, y;
    unsigned off = (unsigned)(offset_min < 0 ? -offset_min : offset_min);
    char frac[8] = "", zone[8] = "Z";
    int m, d;

    civil_from_days(&y, &m, &d, days);
    if (!brief || rem % 1000)
        snprintf(frac, sizeof(frac), ".%03u", (unsigned)(rem % 1000));
    if (!brief || offset_min)
        snprintf(zone, sizeof(zone), "%c%02u:%02u", offset_min < 0 ? '-' : '+', off / 60 % 100,
                 off % 60);
    snprintf(out, GV_TIME_ISO_MAX, "%04lld-%02d-%02dT%02u:%02u:%02u%s%s", (long long)y, m, d,
             (unsigned)(rem / 3600000), (unsigned)(rem / 60000 % 60), (unsigned)(rem / 1000 % 60),
             frac, zone);
}
