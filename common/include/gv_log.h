/* SPDX-License-Identifier: MIT
 * gv_log.h - leveled logging to stderr.
 *
 * The level is checked before any formatting (as redis' serverLog does), so
 * a disabled debug line costs one comparison. Messages are lower case,
 * failure first, subject quoted: "cannot connect to '%s': %s". */
#ifndef GV_LOG_H
#define GV_LOG_H

enum gv_log_level { GV_LOG_DEBUG, GV_LOG_INFO, GV_LOG_WARN, GV_LOG_ERROR };

extern enum gv_log_level gv_log_min_level;

/* Reads GAVEL_LOG_LEVEL (debug, info, warn, error); default info. */
void gv_log_init(const char *program);

void gv_log_write(enum gv_log_level level, const char *subsystem, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define gv_log(level, subsystem, ...)                                                              \
    do {                                                                                           \
        if ((level) >= gv_log_min_level)                                                           \
            gv_log_write((level), (subsystem), __VA_ARGS__);                                       \
    } while (0)

#endif
