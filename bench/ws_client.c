/* SPDX-License-Identifier: MIT
 * ws_client.c - the framing, clocks and /proc figures the load clients in
 * bench/ share (ws_client.h). */
#define _GNU_SOURCE
#include "ws_client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gv_alloc.h"
#include "banned.h"

/* A benchmark needs no fresh nonce: the server's answer to this one is fixed. */
#define WSC_KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define WSC_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define WSC_MAX_SEND (64 * 1024)

static long long clock_us(clockid_t id)
{
    struct timespec t;

    clock_gettime(id, &t);
    return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

long long wsc_now_us(void)
{
    return clock_us(CLOCK_MONOTONIC);
}

long long wsc_wall_us(void)
{
    return clock_us(CLOCK_REALTIME);
}

int wsc_connect(const char *host, int port, int rcvbuf)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1, fd;

    if (inet_pton(AF_INET, host, &a.sin_addr) != 1)
        return -EINVAL;
    fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (rcvbuf > 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS) {
        int err = -errno;

        close(fd);
        return err;
    }
    return fd;
}

int wsc_send_upgrade(int fd, const char *host, int port)
{
    char req[512];
    int err = 0, n;
    socklen_t elen = sizeof(err);

    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0 || err)
        return -(err ? err : errno);
    n = snprintf(req, sizeof(req),
                 "GET /ws HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n"
                 "Connection: Upgrade\r\nSec-WebSocket-Key: " WSC_KEY "\r\n"
                 "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: gavel.v1\r\n\r\n",
                 host, port);
    return send(fd, req, (size_t)n, MSG_NOSIGNAL) == n ? 0 : -EIO;
}

long wsc_upgrade_check(const unsigned char *buf, size_t len)
{
    const unsigned char *end = memmem(buf, len, "\r\n\r\n", 4);
    size_t hlen;

    if (!end)
        return 0;
    hlen = (size_t)(end - buf) + 4;
    if (hlen < 12 || memcmp(buf, "HTTP/1.1 101", 12) || !memmem(buf, hlen, WSC_ACCEPT, 28))
        return -EPROTO;
    return (long)hlen;
}

int wsc_send_frame(int fd, int opcode, const void *data, size_t len)
{
    unsigned char stack[2048], *buf = stack, mask[4];
    size_t h = 0;
    ssize_t w;

    if (len > WSC_MAX_SEND)
        return -EMSGSIZE;
    if (len + 8 > sizeof(stack) && !(buf = gv_malloc(len + 8)))
        return -ENOMEM;
    buf[h++] = (unsigned char)(0x80 | opcode);
    if (len < 126) {
        buf[h++] = (unsigned char)(0x80 | len);
    } else {
        buf[h++] = 0x80 | 126;
        buf[h++] = (unsigned char)(len >> 8);
        buf[h++] = (unsigned char)len;
    }
    for (int i = 0; i < 4; i++)
        mask[i] = (unsigned char)(rand() & 0xff);
    memcpy(buf + h, mask, 4);
    h += 4;
    for (size_t i = 0; i < len; i++)
        buf[h + i] = ((const unsigned char *)data)[i] ^ mask[i % 4];
    w = send(fd, buf, h + len, MSG_NOSIGNAL);
    if (buf != stack)
        gv_free(buf);
    return w == (ssize_t)(h + len) ? 0 : -EIO;
}

int wsc_frame_next(struct wsc_frame *out, const unsigned char *buf, size_t avail, size_t max)
{
    size_t h = 2;
    uint64_t plen;

    if (avail < 2)
        return 0;
    if (buf[1] & 0x80)
        return -EPROTO; /* servers never mask */
    if (!(buf[0] & 0x80))
        return -EPROTO; /* the server sends whole messages */
    plen = buf[1] & 0x7f;
    if (plen == 126) {
        if (avail < 4)
            return 0;
        plen = (uint64_t)buf[2] << 8 | buf[3];
        h = 4;
    } else if (plen == 127) {
        if (avail < 10)
            return 0;
        plen = 0;
        for (int i = 0; i < 8; i++)
            plen = plen << 8 | buf[2 + i];
        h = 10;
    }
    if (plen > max)
        return -EMSGSIZE;
    if (avail < h + plen)
        return 0;
    out->opcode = buf[0] & 0x0f;
    out->payload = buf + h;
    out->len = (size_t)plen;
    out->size = h + (size_t)plen;
    return 1;
}

long wsc_proc_rss_kb(int pid)
{
    char path[64], line[256];
    long kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, "VmRSS:", 6))
            kb = strtol(line + 6, NULL, 10);
    fclose(f);
    return kb;
}

long long wsc_proc_cpu_us(int pid)
{
    char path[64], buf[2048], *p;
    unsigned long long ut = 0, st = 0;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "/proc/%d/stat", pid);
    f = fopen(path, "r");
    if (!f)
        return -1;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    /* The command name may hold spaces: fields count from its ')'. */
    p = strrchr(buf, ')');
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    return (long long)(ut + st) * 1000000 / sysconf(_SC_CLK_TCK);
}

long long wsc_self_cpu_us(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec +
           ru.ru_stime.tv_usec;
}

long wsc_rss_sum_kb(const int *pids, int n)
{
    long sum = 0;

    for (int i = 0; i < n; i++) {
        long kb = wsc_proc_rss_kb(pids[i]);

        if (kb < 0)
            return -1;
        sum += kb;
    }
    return sum;
}

long long wsc_cpu_sum_us(const int *pids, int n)
{
    long long sum = 0;

    for (int i = 0; i < n; i++) {
        long long us = wsc_proc_cpu_us(pids[i]);

        if (us < 0)
            return -1;
        sum += us;
    }
    return sum;
}

int wsc_raise_nofile(long need)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    if (rl.rlim_cur >= (rlim_t)need)
        return 0;
    rl.rlim_cur = (rlim_t)need;
    if (rl.rlim_max < rl.rlim_cur)
        rl.rlim_max = rl.rlim_cur;
    return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}

double wsc_loadavg1(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");

    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;

    return x < y ? -1 : x > y;
}

void wsc_sort_floats(float *v, size_t n)
{
    qsort(v, n, sizeof(*v), cmp_float);
}

float wsc_pct(const float *sorted, size_t n, double p)
{
    if (!n)
        return -1;
    return sorted[(size_t)(p * (double)(n - 1) + 0.5)];
}
