/* SPDX-License-Identifier: MIT
 * sbx_io.c - whole-descriptor reads and writes shared by the slot (files in
 * the box, stdin) and the cgroup code (/proc files), and the messages on a
 * slot's socket, which both ends of it (the supervisor and the slot's init
 * and run child) send and receive; those two never touch errno (see
 * SBX_RSYS in sbx_internal.h). */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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

int sbx__msg_send(int sock, const struct sbx__msg *m, size_t len, const int *fds, int nfds)
{
    struct iovec iov = {.iov_base = (void *)m, .iov_len = len};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8)];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

    if (nfds > 0) {
        struct cmsghdr *c;
        memset(&u, 0, sizeof(u));
        mh.msg_control = u.buf;
        mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    for (;;) {
        long n = SBX_RSYS(SYS_sendmsg, sock, &mh, MSG_NOSIGNAL);
        if (n != -EINTR)
            return n < 0 ? (int)n : 0;
    }
}

ssize_t sbx__msg_recv(int sock, struct sbx__msg *m, int *fds, int *nfds)
{
    struct iovec iov = {.iov_base = m, .iov_len = sizeof(*m)};
    union {
        char buf[CMSG_SPACE(sizeof(int) * 8)];
        struct cmsghdr align;
    } u;
    struct msghdr mh = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    ssize_t n;
    int room = nfds ? *nfds : 0;

    memset(m, 0, offsetof(struct sbx__msg, text) + 1);
    do
        n = SBX_RSYS(SYS_recvmsg, sock, &mh, MSG_CMSG_CLOEXEC);
    while (n == -EINTR);
    if (nfds)
        *nfds = 0;
    if (n < 0)
        return n;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        int cnt = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        int *in = (int *)CMSG_DATA(c);
        for (int i = 0; i < cnt; i++) {
            if (nfds && *nfds < room)
                fds[(*nfds)++] = in[i];
            else
                SBX_RSYS(SYS_close, in[i]);
        }
    }
    return n;
}
