/* SPDX-License-Identifier: MIT
 * gv_err.c - names for error codes. */
#include "gv_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "banned.h"

const char *gv_strerror(int err)
{
    if (err == 0)
        return "success";
    switch (err) {
#define GV_ERR_CASE(name, off, msg)                                                                \
    case name:                                                                                     \
        return msg;
        GV_ERR_TABLE(GV_ERR_CASE)
#undef GV_ERR_CASE
    default:
        break;
    }
    if (err < 0 && err > GV_EBASE)
        return strerror(-err);
    return "unknown error";
}

int gv_err_say(char *err, size_t err_len, int code, const char *fmt, ...)
{
    va_list ap;

    if (err_len) {
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return code;
}
