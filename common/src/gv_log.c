/* SPDX-License-Identifier: MIT
 * gv_log.c - leveled logging to stderr, one line per call: text for a
 * person, or one JSON object per line (GAVEL_LOG_FORMAT=json) for a log
 * collector. */
#include "gv_log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gv_utf8.h"
#include "banned.h"

/* Room for one line; a longer message is cut (and still ends the line). */
#define LINE_MAX_BYTES 2048

enum gv_log_level gv_log_min_level = GV_LOG_INFO;
static const char *log_program = "gavel";
static bool log_json;

void gv_log_init(const char *program)
{
    const char *level = getenv("GAVEL_LOG_LEVEL");
    const char *format = getenv("GAVEL_LOG_FORMAT");

    if (program)
        log_program = program;
    log_json = format && !strcmp(format, "json");
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

/* Appends `s` to out[*n..cap) as the inside of a JSON string, stopping
 * (never mid-escape) when it would not fit with `reserve` bytes to spare.
 * Written out rather than through cJSON because the logger must not
 * allocate: it is what reports running out of memory. Bytes that are not
 * UTF-8 (a program's output quoted in a message) become U+FFFD. */
static void json_append(char *out, size_t *n, size_t cap, size_t reserve, const char *s)
{
    size_t len = strlen(s);

    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        const char *piece = esc;
        size_t plen, step = 1;

        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            plen = 2;
        } else if (c == '\n' || c == '\t' || c == '\r') {
            esc[0] = '\\';
            esc[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
            plen = 2;
        } else if (c < 0x20 || c == 0x7f) {
            plen = (size_t)snprintf(esc, sizeof(esc), "\\u%04x", c);
        } else if (c < 0x80) {
            piece = s + i;
            plen = 1;
        } else if ((step = gv_utf8_seq_len(s + i, len - i)) > 0) {
            piece = s + i;
            plen = step;
        } else {
            piece = "\xef\xbf\xbd";
            plen = 3;
            step = 1;
        }
        if (*n + plen + reserve >= cap)
            return;
        memcpy(out + *n, piece, plen);
        *n += plen;
        i += step;
    }
}

void gv_log_write(enum gv_log_level level, const char *subsystem, const char *fmt, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    char line[LINE_MAX_BYTES + 256], msg[LINE_MAX_BYTES], ts_text[64];
    struct timespec ts;
    struct tm tm;
    va_list ap;
    size_t n;
    int k;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(ts_text, sizeof(ts_text), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
    va_start(ap, fmt);
    k = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (k < 0)
        return;
    if (log_json) {
        k = snprintf(line, sizeof(line), "{\"ts\":\"%s\",\"level\":\"%s\",\"program\":\"", ts_text,
                     names[level]);
        n = (size_t)k;
        json_append(line, &n, sizeof(line), 64, log_program);
        n += (size_t)snprintf(line + n, sizeof(line) - n, "\",\"pid\":%d,\"subsystem\":\"",
                              (int)getpid());
        json_append(line, &n, sizeof(line), 32, subsystem);
        memcpy(line + n, "\",\"msg\":\"", 9);
        n += 9;
        /* The reserve keeps room for the closing "} and the newline. */
        json_append(line, &n, sizeof(line), 4, msg);
        memcpy(line + n, "\"}\n", 4);
    } else {
        snprintf(line, sizeof(line), "%.31s %.64s[%d] %s %.64s: %s", ts_text, log_program,
                 (int)getpid(), names[level], subsystem, msg);
        n = strlen(line);
        if (n < sizeof(line) - 1) {
            line[n] = '\n';
            line[n + 1] = '\0';
        }
    }
    /* One fputs per line keeps lines from concurrent threads whole. */
    fputs(line, stderr);
}
