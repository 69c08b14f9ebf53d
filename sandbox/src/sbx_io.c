/* SPDX-License-Identifier: MIT
 * sbx_io.c - whole-descriptor reads and writes shared by the slot (files in
 * the box, stdin) and the cgroup code (/proc files). */
#include <errno.h>
#include <unistd.h>

#include "sbx_internal.h"
#include "banned.h"

int sbx__read_all(int fd, struct gv_buf *b)
{
    char buf[16384];
    ssize_t n;
    int err = 0;

    /* Bounded by b->max: a file the program grew past it is GV_ETOOBIG,
     * never an unbounded allocation in the supervisor. */
    while (err == 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
        if (n < 0)
            err = errno == EINTR ? 0 : -errno;
        else
            err = gv_buf_append(b, buf, (size_t)n);
    }
    return err;
}

int sbx__write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno != EINTR)
            return -errno;
        if (n > 0) {
            p += n;
            len -= (size_t)n;
        }
    }
    return 0;
}
