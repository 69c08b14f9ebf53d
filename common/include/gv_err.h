/* SPDX-License-Identifier: MIT
 * gv_err.h - error codes shared by every module.
 *
 * Functions return 0 on success or a negative code: either -errno (as libuv
 * does) or one of the GV_E* codes below, which start at GV_EBASE so the two
 * ranges never collide. gv_strerror() names either kind. */
#ifndef GV_ERR_H
#define GV_ERR_H

#include <stddef.h>

#define GV_EBASE (-1000)

/* X(name, offset, message). Append only: codes may be logged or stored. */
#define GV_ERR_TABLE(X)                                                                            \
    X(GV_ETOOBIG, 1, "input exceeds its size limit")                                               \
    X(GV_EPARSE, 2, "malformed input")                                                             \
    X(GV_ECONFIG, 3, "invalid configuration")                                                      \
    X(GV_EDB, 4, "database error")                                                                 \
    X(GV_EREDIS, 5, "redis error")                                                                 \
    X(GV_ENOTFOUND, 6, "not found")                                                                \
    X(GV_EEXIST, 7, "already exists")                                                              \
    X(GV_EINVAL, 8, "invalid argument")                                                            \
    X(GV_EUNAVAIL, 9, "service unavailable")                                                       \
    X(GV_EINTERNAL, 10, "internal error")                                                          \
    X(GV_ECHECKSUM, 11, "checksum mismatch")                                                       \
    X(GV_EGIVEUP, 12, "gave up on a sandbox run that never ended (slot replaced)")

enum gv_err {
#define GV_ERR_ENUM(name, off, msg) name = GV_EBASE - (off),
    GV_ERR_TABLE(GV_ERR_ENUM)
#undef GV_ERR_ENUM
};

/* Returns a static string for a negative code (-errno or GV_E*), "success"
 * for 0. Never NULL. Not thread-safe for unknown errno values. */
const char *gv_strerror(int err);

/* Formats a message for the caller's `err` buffer (skipped when `err_len` is
 * 0) and returns `code`, so a refusal is one statement:
 * `return gv_err_say(err, err_len, GV_EINVAL, "line %d: ...", n);` */
int gv_err_say(char *err, size_t err_len, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
