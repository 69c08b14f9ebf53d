/* SPDX-License-Identifier: MIT
 * gv_log.c - leveled logging to stderr, one line per call. */
#include "gv_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"

enum gv_log_level gv_log_min_level = GV_LOG_INFO;
static const char *log_program = "gavel";

void gv_log_init(const char *program)
{
    const char *level = getenv("GAVEL_LOG_LEVEL");

    if (program)
        log_program = program;
    if (!level)
        return;
    if (!strcmp(level, "debug"))
        gv_log_min_level = GV_LOG_DEBUG;
    else if (!strcmp(level, "info"))
        gv_log_min_level = GV_LOG_INFO;
    else if (!strcmp(level, "warn"))
        gv_log_min_level = GV_LOG_WARN;
    else if (!strcmp(level, "error"))
        gv_log_min_level = GV_LOG_ERROR;
}

void gv_log_write(enum gv_log_level level, const char *subsystem, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    char line[2048];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    int n;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%d] %s %s: ",
                 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                 ts.tv_nsec / 1000000, log_program, (int)getpid(), names[level], subsystem);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(line)) {
        va_start(ap, fmt);
        vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
        va_end(ap);
    }
    /* One fputs per line keeps lines from concurrent threads whole. */
    n = (int)strlen(line);
    if (n < (int)sizeof(line) - 1) {
        line[n] = '\n';
        line[n + 1] = '\0';
    }
    fputs(line, stderr);
}
