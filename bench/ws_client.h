/* SPDX-License-Identifier: MIT
 * ws_client.h - the pieces of a load client that bench/ws_fanout.c and
 * bench/contest_load.c share: a non-blocking RFC 6455 client's framing
 * (upgrade with a fixed nonce, masked client frames, unmasked unfragmented
 * server frames), clocks, /proc figures of the servers under test, and
 * percentiles. Each program keeps its own connections, buffers and event
 * loop; these functions hold no state. */
#ifndef GV_BENCH_WS_CLIENT_H
#define GV_BENCH_WS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

/* One server frame found in a read buffer; payload points into it. */
struct wsc_frame {
    int opcode;
    const unsigned char *payload;
    size_t len;  /* payload bytes */
    size_t size; /* header + payload: what to consume */
};

long long wsc_now_us(void);  /* CLOCK_MONOTONIC */
long long wsc_wall_us(void); /* CLOCK_REALTIME: to compare with Redis stream ids */

/* A non-blocking TCP connection to host:port being made (host: an IPv4
 * address, "127.0.0.1" for a server on this machine; TCP_NODELAY; rcvbuf >
 * 0 shrinks the receive buffer). Returns the descriptor or -errno
 * (-EINVAL: not an IPv4 address). */
int wsc_connect(const char *host, int port, int rcvbuf);
/* Once the socket is writable: checks the connect, sends the upgrade to
 * /ws with the gavel.v1 subprotocol. 0 or -errno. */
int wsc_send_upgrade(int fd, const char *host, int port);
/* The upgrade's answer at the start of buf: 0 while incomplete, the length
 * of the response head when accepted, -EPROTO when refused. */
long wsc_upgrade_check(const unsigned char *buf, size_t len);
/* One masked frame; all or nothing (requests are small and the socket's
 * buffer is empty when they go out): 0, -EMSGSIZE past 64 KiB, -EIO. */
int wsc_send_frame(int fd, int opcode, const void *data, size_t len);
/* The first frame in buf: 1 and *out when complete, 0 when more bytes are
 * needed, -EPROTO for a masked or fragmented frame, -EMSGSIZE past max. */
int wsc_frame_next(struct wsc_frame *out, const unsigned char *buf, size_t avail, size_t max);

/* Figures of another process from /proc: -1 when unreadable. */
long wsc_proc_rss_kb(int pid);
long long wsc_proc_cpu_us(int pid); /* utime + stime of every thread */
long long wsc_self_cpu_us(void);
/* Summed over n processes (the servers under test): -1 when one is unreadable. */
long wsc_rss_sum_kb(const int *pids, int n);
long long wsc_cpu_sum_us(const int *pids, int n);
/* Raises this process' descriptor limit to at least `need`: 0 or -errno. */
int wsc_raise_nofile(long need);
/* The 1-minute load average, -1 when unreadable. */
double wsc_loadavg1(void);

void wsc_sort_floats(float *v, size_t n);
/* The p-quantile (0..1) of sorted v, nearest rank; -1 when n is 0. */
float wsc_pct(const float *sorted, size_t n, double p);

#endif
