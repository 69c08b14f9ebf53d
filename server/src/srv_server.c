/* SPDX-License-Identifier: MIT
 * srv_server.c - the lws context, our listening socket and the loop.
 *
 * Theory of operation. One lws context with one vhost and one service
 * thread (Debian's lws is built with LWS_MAX_SMP=1) does everything;
 * srv_internal.h says which file serves what. Three protocols share the
 * vhost:
 *   "http"          protocol 0 (srv_http.c): static files, /healthz, /api/.
 *   "gavel.v1"      the WebSocket protocol, on the path /ws only
 *                   (srv_session.c).
 *   "gavel-listen"  our listening socket, adopted as a raw descriptor: this
 *                   file accepts and hands each connection to the vhost.
 * Job threads (srv_jobs.c) and the live thread (srv_live.c) wake the loop
 * with lws_cancel_service(); srv__server_wakeup then hands finished jobs to
 * their connections and live events to the sessions. The only data shared
 * with other threads is theirs (completion lists) and the health state,
 * which the monitor thread publishes (srv_health.c). */
#define _GNU_SOURCE /* accept4() */
#include "srv.h"
#include "srv_clock.h"
#include "srv_internal.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "db_queue.h"
#include "gv_alloc.h"
#include "gv_config.h"
#include "gv_err.h"
#include "gv_log.h"
#include "gv_time.h"
#include "srv_cache.h"
#include "srv_codec.h"
#include "srv_feedw.h"
#include "srv_health.h"
#include "srv_jobs.h"
#include "srv_live.h"
#include "srv_metrics.h"
#include "banned.h"

void srv__server_wakeup(struct srv_server *s)
{
    struct srv_job *job = s->jobs ? srv_jobs_drain(s->jobs) : NULL;
    struct srv_subs_mark pos = s->live_pos;
    struct srv_live_event *ev = s->live ? srv_live_drain(s->live, &pos) : NULL;

    while (job) {
        struct srv_job *next = job->next;
        struct srv__conn *c = srv__conn_find(&s->reg, job->conn_id);
        struct srv_req_job *rj = (struct srv_req_job *)job;

        job->next = NULL;
        if (c && c->kind == SRV__CONN_WS && srv__session_done(c, rj)) {
            job = next;
            continue;
        }
        if (c && c->kind == SRV__CONN_HTTP)
            srv__http_done(c, rj);
        if (c && c->kind == SRV__CONN_FEED)
            srv__feed_done(c, rj);
        /* After the session applied it: a subscription it refused turns a
         * success into an error there. */
        srv_metrics_request(rj->req.type, rj->err_code);
        job->free(job);
        job = next;
    }
    /* Before anyone is offered these events: a snapshot read from now on
     * is checked against them (srv_cache.h). */
    for (const struct srv_live_event *e = ev; e; e = e->next) {
        if (e->contest_id)
            srv_cache_contest_touch(s->proto.cache, e->contest_id);
        /* A logout or a role change, here or on another server: the
         * user's cached tokens are asked of PostgreSQL again. */
        if (e->type == CST_EVENT_SESSION_ENDED)
            srv_cache_session_drop_user(s->proto.cache, e->user_id);
    }
    srv__feed_wakeup(s);
    if (ev) {
        srv__feed_offer(s, ev);
        srv__deliver_events(s, ev); /* frees them */
    }
    /* Only now: the sessions above subscribed before these events were
     * delivered, so these count as live for them. */
    s->live_pos = pos;
}

/* --- Listening socket ------------------------------------------------------ */

/* lws 4.1.6 sets SO_REUSEPORT only when it runs more than one service thread,
 * and ours has one (LWS_MAX_SMP=1), so ALLOW_LISTEN_SHARE alone does not let
 * two processes share a port. We therefore open the listening socket
 * ourselves (listen_open), give it to lws as a raw descriptor, and hand each
 * accepted connection to the vhost, which then treats it exactly like one
 * its own listener accepted. */

#define ACCEPT_BATCH 64
#define ACCEPT_PAUSE_US (100 * LWS_US_PER_MS)
/* Descriptors kept out of the clients' reach. Without a reserve a
 * connection flood takes every descriptor up to RLIMIT_NOFILE, and then the
 * connections already open are served badly: a static file cannot be opened
 * (lws answers 404), a job thread cannot reconnect to PostgreSQL or Redis
 * (every request is "unavailable"), and the flood's extra connections wait in
 * the backlog with no answer. accept() returns the lowest free descriptor, so
 * one at or above the limit minus the reserve means fewer than the reserve
 * are left: that connection gets a 503 and is closed at once. */
#define ACCEPT_FD_RESERVE 64
#define ACCEPT_WARN_EVERY_MS 1000

static const char accept_busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
                                  "Content-Type: text/plain\r\n"
                                  "Content-Length: 35\r\n"
                                  "Retry-After: 1\r\n"
                                  "Connection: close\r\n\r\n"
                                  "the server has too many connections";

static int accept_fd_max(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > INT_MAX)
        return INT_MAX;
    return rl.rlim_cur > 2 * ACCEPT_FD_RESERVE ? (int)rl.rlim_cur - ACCEPT_FD_RESERVE
                                               : (int)rl.rlim_cur / 2;
}

static void accept_resume(lws_sorted_usec_list_t *sul)
{
    struct srv_server *s = lws_container_of(sul, struct srv_server, accept_retry);

    if (s->listener)
        lws_rx_flow_control(s->listener, 1);
}

static int listener_accept(struct lws *wsi)
{
    struct srv_server *s = srv__server_of(wsi);
    int lfd = lws_get_socket_fd(wsi);

    /* A bounded batch: a connection flood must not starve the clients that
     * are already connected. */
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            /* Out of descriptors or memory: the socket stays readable, so
             * polling it again at once would spin. Pause it briefly. */
            gv_log(GV_LOG_WARN, "server", "cannot accept a connection: %s; pausing 100 ms",
                   strerror(errno));
            lws_rx_flow_control(wsi, 0);
            lws_sul_schedule(s->ctx, 0, &s->accept_retry, accept_resume, ACCEPT_PAUSE_US);
            return 0;
        }
        gv_counter_add(&srv_metrics.accepted, 1);
        if (fd >= s->accept_fd_max) {
            int64_t now = gv_time_mono_ms();

            /* Best effort (it fits the new socket's empty buffer); even a
             * bare close is a clearer answer than a wait in the backlog. */
            (void)!send(fd, accept_busy, sizeof(accept_busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
            close(fd);
            if (now - s->accept_warn_ms >= ACCEPT_WARN_EVERY_MS) {
                s->accept_warn_ms = now;
                gv_log(GV_LOG_WARN, "server",
                       "refusing connections: %d descriptors kept for the open ones "
                       "(raise RLIMIT_NOFILE for more clients)",
                       ACCEPT_FD_RESERVE);
            }
            continue;
        }
        if (!lws_adopt_socket_vhost(s->vhost, fd)) /* lws closed fd */
            gv_log(GV_LOG_WARN, "server", "cannot adopt an accepted connection");
    }
    return 0;
}

static int callback_listener(struct lws *wsi, enum lws_callback_reasons reason, void *user,
                             void *in, size_t len)
{
    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        return 1; /* a client naming this internal protocol as a subprotocol */
    case LWS_CALLBACK_RAW_RX_FILE:
        return listener_accept(wsi);
    case LWS_CALLBACK_RAW_CLOSE_FILE:
        srv__server_of(wsi)->listener = NULL; /* lws closes the fd */
        return 0;
    default:
        return 0;
    }
}

static const struct lws_protocols listener_protocol = {
    .name = "gavel-listen",
    .callback = callback_listener,
};

/* lws knows .html .js .css .json .svg .png and friends; these complete what
 * a modern static client uses. */
static const struct lws_protocol_vhost_options mime_map = {NULL, NULL, ".map", "application/json"};
static const struct lws_protocol_vhost_options mime_wasm = {&mime_map, NULL, ".wasm",
                                                            "application/wasm"};
static const struct lws_protocol_vhost_options mime_mjs = {&mime_wasm, NULL, ".mjs",
                                                           "text/javascript"};

/* Idle WebSockets get a PING after 30 s and are dropped when nothing valid
 * has come back for 60 s, so half-open TCP connections do not pile up. */
static const lws_retry_bo_t srv_retry = {
    .secs_since_valid_ping = 30,
    .secs_since_valid_hangup = 60,
};

/* --- Lifecycle ------------------------------------------------------------- */

int srv_options_load(struct srv_options *out, const char *default_web_root, const char *version)
{
    const char *addr;
    long port;
    int err;

    memset(out, 0, sizeof(*out));
    err = gv_config_get_long(&port, "GAVEL_HTTP_PORT", 8080, 1, 65535);
    if (err < 0)
        return err;
    out->http_port = (int)port;
    addr = gv_config_get("GAVEL_HTTP_ADDR", NULL);
    out->http_addr = addr && *addr ? addr : NULL;
    out->web_root = gv_config_get("GAVEL_WEB_ROOT", default_web_root);
    out->pg_url = db_pg_url();
    out->redis_url = db_redis_url();
    err = db_redis_check_settings();
    if (err < 0)
        return err;
    out->version = version;
    err = gv_config_get_long(&port, "GAVEL_SERVER_DB_THREADS", 2, 1, 16);
    if (err < 0)
        return err;
    out->db_threads = (int)port;
    out->queue_prefix = gv_config_get("GAVEL_QUEUE_PREFIX", DB_QUEUE_PREFIX_DEFAULT);
    out->rate_prefix = gv_config_get("GAVEL_RATE_PREFIX", "gavel:ratelimit");
    err = gv_config_get_long(&port, "GAVEL_SUBMIT_RATE_FREE", 6, 1, 100000);
    if (err < 0)
        return err;
    out->rate_free = (int)port;
    err = gv_config_get_long(&port, "GAVEL_SUBMIT_RATE_PAID", 20, 1, 100000);
    if (err < 0)
        return err;
    out->rate_paid = (int)port;
    err = gv_config_get_long(&port, "GAVEL_LOGIN_RATE", 20, 1, 100000);
    if (err < 0)
        return err;
    out->login_rate = (int)port;
    out->allowed_origins = gv_config_get("GAVEL_ALLOWED_ORIGINS", "");
    err = gv_config_get_long(&out->clics_feed_max, "GAVEL_CLICS_FEED_MAX", 2000, 0, 100000);
    if (err < 0)
        return err;
    /* The spec's 120 s; tests shorten it. */
    err = gv_config_get_long(&out->clics_keepalive_ms, "GAVEL_CLICS_KEEPALIVE_MS", 120000, 10,
                             3600000);
    if (err < 0)
        return err;
    err = gv_config_get_long(&out->clics_poll_ms, "GAVEL_CLICS_POLL_MS", 120000, 10, 86400000);
    if (err < 0)
        return err;
    err = gv_config_get_long(&out->clics_batch_ms, "GAVEL_CLICS_BATCH_MS", 100, 0, 10000);
    if (err < 0)
        return err;
    err = gv_config_get_long(&out->clics_yield_ms, "GAVEL_CLICS_YIELD_MS", 2000, 0, 60000);
    if (err < 0)
        return err;
    err = gv_config_get_long(&out->clics_stall_ms, "GAVEL_CLICS_STALL_MS", 30000, 100, 3600000);
    if (err < 0)
        return err;
    err = gv_config_get_long(&out->clics_writer_nice, "GAVEL_CLICS_WRITER_NICE", 10, 0, 19);
    if (err < 0)
        return err;
    err = gv_config_get_long(&out->session_cache_ms, "GAVEL_SESSION_CACHE_MS",
                             SRV_CACHE_SESSION_TTL_MS, 0, 600000);
    if (err < 0)
        return err;
    return gv_config_get_long(&out->snapshot_cache_ms, "GAVEL_SNAPSHOT_CACHE_MS",
                              SRV_CACHE_SNAPSHOT_TTL_MS, 0, 600000);
}

/* Opens the shared listening socket. Returns the fd, or -errno of the step
 * that failed. With no address we listen on IPv6 "::" with V6ONLY off, which
 * takes IPv4 too, and fall back to IPv4 where the host has no IPv6. */
static int listen_open(const char *addr, int port)
{
    struct addrinfo hints = {0}, *res = NULL;
    struct sockaddr_storage ss;
    socklen_t sslen;
    char portstr[16];
    int fd, on = 1, off = 0, err;

    memset(&ss, 0, sizeof(ss));
    if (addr) {
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
        snprintf(portstr, sizeof(portstr), "%d", port);
        if (getaddrinfo(addr, portstr, &hints, &res) != 0 || !res)
            return -EADDRNOTAVAIL;
        memcpy(&ss, res->ai_addr, res->ai_addrlen);
        sslen = res->ai_addrlen;
        freeaddrinfo(res);
    } else {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;

        a6->sin6_family = AF_INET6;
        a6->sin6_addr = in6addr_any;
        a6->sin6_port = htons((uint16_t)port);
        sslen = sizeof(*a6);
    }
    fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 && !addr && errno == EAFNOSUPPORT) {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;

        memset(&ss, 0, sizeof(ss));
        a4->sin_family = AF_INET;
        a4->sin_addr.s_addr = htonl(INADDR_ANY);
        a4->sin_port = htons((uint16_t)port);
        sslen = sizeof(*a4);
        fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    }
    if (fd < 0)
        return -errno;
    /* SO_REUSEPORT is what lets several gavel-servers share the port;
     * SO_REUSEADDR lets a restart bind while old connections sit in
     * TIME_WAIT. A listener of another program shares the port only if it
     * set SO_REUSEPORT too (and runs as the same user); otherwise our bind
     * fails with EADDRINUSE. */
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) < 0 ||
        (ss.ss_family == AF_INET6 && !addr &&
         setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) < 0) ||
        bind(fd, (struct sockaddr *)&ss, sslen) < 0 || listen(fd, SOMAXCONN) < 0) {
        err = -errno;
        close(fd);
        return err;
    }
    return fd;
}

static void report_listen_failure(const struct srv_options *opt, int err)
{
    const char *addr = opt->http_addr ? opt->http_addr : "*";

    if (err == -EADDRINUSE)
        gv_log(GV_LOG_ERROR, "server",
               "cannot listen on port %d (address %s): it is already in use by a program that "
               "does not share it (SO_REUSEPORT); stop that program or choose another port "
               "with GAVEL_HTTP_PORT",
               opt->http_port, addr);
    else if (err == -EACCES)
        gv_log(GV_LOG_ERROR, "server",
               "cannot listen on port %d: permission denied; ports below 1024 need "
               "privileges, choose another one with GAVEL_HTTP_PORT",
               opt->http_port);
    else if (err == -EADDRNOTAVAIL)
        gv_log(GV_LOG_ERROR, "server",
               "cannot listen on address '%s': not an address of this host; fix GAVEL_HTTP_ADDR "
               "or unset it to listen on all addresses",
               addr);
    else
        gv_log(GV_LOG_ERROR, "server",
               "cannot listen on %s port %d: %s (see GAVEL_HTTP_ADDR, GAVEL_HTTP_PORT)", addr,
               opt->http_port, gv_strerror(err));
}

/* lws' own log lines go through gv_log, so one process writes one format. */
static void lws_log_emit(int level, const char *line)
{
    char msg[512];
    size_t n;

    snprintf(msg, sizeof(msg), "%s", line);
    n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    if (level & LLL_ERR)
        gv_log(GV_LOG_ERROR, "lws", "%s", msg);
    else if (level & LLL_WARN)
        gv_log(GV_LOG_WARN, "lws", "%s", msg);
    else
        gv_log(GV_LOG_DEBUG, "lws", "%s", msg);
}

int srv_server_new(struct srv_server **out, const struct srv_options *opt)
{
    struct lws_context_creation_info info;
    lws_sock_file_fd_type desc;
    struct srv_server *s;
    struct stat st;
    int err, fd;

    *out = NULL;
    /* Before the health thread exists: the hooks are process-wide. */
    srv_codec_init();
    if (stat(opt->web_root, &st) < 0 || !S_ISDIR(st.st_mode)) {
        gv_log(GV_LOG_ERROR, "server",
               "cannot serve the web client from '%s': not a directory; set GAVEL_WEB_ROOT to "
               "the web-client/ folder of the source tree",
               opt->web_root);
        return -ENOENT;
    }
    s = gv_calloc(1, sizeof(*s));
    if (!s)
        return -ENOMEM;
    s->live_pos = SRV_SUBS_MARK_UNKNOWN;
    s->feed_spare_fd = -1;
    err = srv__registry_init(&s->reg);
    if (err < 0)
        goto fail;
    s->web_root = gv_strdup(opt->web_root);
    s->version = gv_strdup(opt->version ? opt->version : "unknown");
    s->allowed_origins = gv_strdup(opt->allowed_origins ? opt->allowed_origins : "");
    s->rate_prefix = gv_strdup(opt->rate_prefix ? opt->rate_prefix : "gavel:ratelimit");
    s->accept_fd_max = accept_fd_max();
    s->feed_max = opt->clics_feed_max;
    s->feed_keepalive_ms = opt->clics_keepalive_ms > 0 ? opt->clics_keepalive_ms : 120000;
    s->feed_poll_ms = opt->clics_poll_ms > 0 ? opt->clics_poll_ms : 120000;
    s->feed_batch_ms = opt->clics_batch_ms;
    s->feed_yield_ms = opt->clics_yield_ms;
    s->ws_push_ms = INT64_MIN / 2; /* no push yet */
    s->feed_stall_ms = opt->clics_stall_ms > 0 ? opt->clics_stall_ms : 30000;
    s->feed_nice = opt->clics_writer_nice;
    s->proto.version = s->version;
    s->proto.rate_prefix = s->rate_prefix;
    s->proto.rate_free = opt->rate_free > 0 ? opt->rate_free : 6;
    s->proto.rate_paid = opt->rate_paid > 0 ? opt->rate_paid : 20;
    s->proto.login_rate = opt->login_rate > 0 ? opt->login_rate : 20;
    err = srv_cache_new(&s->proto.cache, opt->session_cache_ms, opt->snapshot_cache_ms);
    if (err < 0)
        goto fail;
    if (!s->web_root || !s->version || !s->allowed_origins || !s->rate_prefix) {
        err = -ENOMEM;
        goto fail;
    }

    /* "/healthz", "/metrics" and "/api" are answered by srv_http.c;
     * everything else is a file. */
    s->mount_healthz.mountpoint = "/healthz";
    s->mount_healthz.mountpoint_len = (unsigned char)strlen("/healthz");
    s->mount_healthz.protocol = "http";
    s->mount_healthz.origin_protocol = LWSMPRO_CALLBACK;
    s->mount_api.mountpoint = "/api";
    s->mount_api.mountpoint_len = (unsigned char)strlen("/api");
    s->mount_api.protocol = "http";
    s->mount_api.origin_protocol = LWSMPRO_CALLBACK;
    s->mount_metrics.mountpoint = "/metrics";
    s->mount_metrics.mountpoint_len = (unsigned char)strlen("/metrics");
    s->mount_metrics.protocol = "http";
    s->mount_metrics.origin_protocol = LWSMPRO_CALLBACK;
    s->mount_healthz.mount_next = &s->mount_metrics;
    s->mount_metrics.mount_next = &s->mount_api;
    /* web-client/node_modules holds the build's npm packages (scripts/
     * build-web copies what the page needs into vendor/), and deployments
     * copy the folder whole: not ours to publish (package versions, demo
     * pages, scripts that CSP's 'self' would let run). A 404 from
     * srv_http.c, as for any path with no file. */
    s->mount_node_modules.mountpoint = "/node_modules";
    s->mount_node_modules.mountpoint_len = (unsigned char)strlen("/node_modules");
    s->mount_node_modules.protocol = "http";
    s->mount_node_modules.origin_protocol = LWSMPRO_CALLBACK;
    s->mount_api.mount_next = &s->mount_node_modules;
    s->mount_root.mount_next = &s->mount_healthz;
    s->mount_root.mountpoint = "/";
    s->mount_root.mountpoint_len = 1;
    s->mount_root.origin = s->web_root;
    s->mount_root.def = "index.html";
    s->mount_root.extra_mimetypes = &mime_mjs;
    s->mount_root.origin_protocol = LWSMPRO_FILE;

    lws_set_log_level(LLL_ERR | LLL_WARN | (gv_log_min_level <= GV_LOG_DEBUG ? LLL_NOTICE : 0),
                      lws_log_emit);

    memset(&info, 0, sizeof(info));
    /* EXPLICIT_VHOSTS: the vhost is created below, without a listener of its
     * own (see listen_open). VALIDATE_UTF8: text frames must be UTF-8
     * (RFC 6455), checked before they reach us. The security headers option
     * adds a strict CSP, nosniff and friends to every response. */
    info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS | LWS_SERVER_OPTION_VALIDATE_UTF8 |
                   LWS_SERVER_OPTION_HTTP_HEADERS_SECURITY_BEST_PRACTICES_ENFORCE;
    info.user = s;
    info.gid = -1;
    info.uid = -1;
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        gv_log(GV_LOG_ERROR, "server", "cannot create the libwebsockets context");
        err = GV_EINTERNAL;
        goto fail;
    }

    /* Protocol 0 is where lws puts plain HTTP and upgrades that name no
     * subprotocol we speak; a zeroed entry (calloc) ends the table. */
    s->protocols[0] = srv__http_protocol;
    s->protocols[1] = srv__session_protocol;
    s->protocols[2] = listener_protocol;
    info.vhost_name = "gavel";
    /* A path with no file reaches srv_http.c, which answers 404 with our
     * own page (web-client/404.html). This only covers 404s that lws
     * makes by itself: a redirect to that page rather than lws's status
     * page, which links an /error.css of its own. */
    info.error_document_404 = "/404.html";
    info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
    info.protocols = s->protocols;
    info.mounts = &s->mount_root;
    info.retry_and_idle_policy = &srv_retry;
    s->vhost = lws_create_vhost(s->ctx, &info);
    if (!s->vhost) {
        gv_log(GV_LOG_ERROR, "server", "cannot create the libwebsockets vhost");
        err = GV_EINTERNAL;
        goto fail;
    }

    fd = listen_open(opt->http_addr, opt->http_port);
    if (fd < 0) {
        err = fd;
        report_listen_failure(opt, err);
        goto fail;
    }
    desc.filefd = fd;
    s->listener =
        lws_adopt_descriptor_vhost(s->vhost, LWS_ADOPT_RAW_FILE_DESC, desc, "gavel-listen", NULL);
    if (!s->listener) { /* lws closed fd */
        gv_log(GV_LOG_ERROR, "server", "cannot add the listening socket to the event loop");
        err = GV_EINTERNAL;
        goto fail;
    }

    err = srv__feed_writer_start(s);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "server", "cannot start the feeds' writer: %s", gv_strerror(err));
        goto fail;
    }
    err = srv_health_start(&s->health, opt->pg_url, opt->redis_url);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "server", "cannot start the health monitor: %s", gv_strerror(err));
        goto fail;
    }
    err = srv_jobs_start(&s->jobs, opt->db_threads > 0 ? (unsigned)opt->db_threads : 2, opt->pg_url,
                         opt->redis_url, opt->queue_prefix, s->ctx);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "server", "cannot start the job threads: %s", gv_strerror(err));
        goto fail;
    }
    err = srv_live_start(&s->live, opt->redis_url, s->ctx);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "server", "cannot start the live thread: %s", gv_strerror(err));
        goto fail;
    }
    err = srv_clock_start(&s->clock, opt->pg_url, opt->redis_url);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "server", "cannot start the contests' clock: %s", gv_strerror(err));
        goto fail;
    }
    gv_log(GV_LOG_INFO, "server", "listening on http://%s:%d/ (web root '%s')",
           opt->http_addr ? opt->http_addr : "localhost", opt->http_port, s->web_root);
    *out = s;
    return 0;
fail:
    srv_server_free(s);
    return err;
}

int srv_server_run(struct srv_server *s)
{
    int n = 0;

    while (!s->stop && n >= 0)
        n = lws_service(s->ctx, 0);
    if (n < 0) {
        gv_log(GV_LOG_ERROR, "server", "event loop failed");
        return GV_EINTERNAL;
    }
    gv_log(GV_LOG_INFO, "server", "stopping");
    return 0;
}

void srv_server_stop(struct srv_server *s)
{
    s->stop = 1;
    if (s->ctx)
        lws_cancel_service(s->ctx);
}

void srv_server_free(struct srv_server *s)
{
    if (!s)
        return;
    /* The threads first: they wake the context, which must still exist.
     * Then the connections, whose CLOSED callbacks still run on this thread
     * and free what they own (jobs waiting for their turn). */
    srv_jobs_stop(s->jobs);
    s->jobs = NULL;
    srv_live_stop(s->live);
    s->live = NULL;
    srv_clock_stop(s->clock);
    s->clock = NULL;
    if (s->ctx)
        srv__feed_close_all(s);
    srv__feed_writer_stop(s);
    if (s->ctx)
        lws_context_destroy(s->ctx);
    /* After the connections: the last feeds released their sockets. */
    srv__feedw_free(s->feedw);
    srv_health_stop(s->health);
    srv_cache_free(s->proto.cache);
    gv_free(s->web_root);
    gv_free(s->version);
    gv_free(s->allowed_origins);
    gv_free(s->rate_prefix);
    srv__registry_release(&s->reg);
    gv_free(s);
}
