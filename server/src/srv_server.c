/* srv_server.c - the lws context: static files, /healthz and the /ws endpoint.
 *
 * Theory of operation. Everything here runs on the single lws service thread
 * (Debian's lws is built with LWS_MAX_SMP=1), so the per-connection state
 * needs no locks; the only shared data is the health state, which the
 * monitor thread publishes (srv_health.c).
 *
 * Two protocols share the vhost:
 *   "http"      protocol 0. lws itself serves the "/" file mount through
 *               lws_callback_http_dummy; we answer the "/healthz" callback
 *               mount; and we refuse every WebSocket upgrade that lands here,
 *               which is what lws does with an upgrade that names no
 *               subprotocol.
 *   "gavel.v1"  the WebSocket protocol, accepted on the path /ws only.
 *
 * A WebSocket session reassembles fragments into one message of at most
 * SRV_MSG_MAX bytes, decodes it (srv_codec.c), and queues the reply in its
 * bounded outgoing queue (srv_outq.c), which SERVER_WRITEABLE drains one
 * frame at a time. Backpressure policy, per connection:
 *   - While SESS_RX_PAUSE_AT or more replies wait, we stop reading the
 *     client's requests (lws_rx_flow_control), resuming at SESS_RX_RESUME_AT:
 *     a client that pipelines faster than it reads is slowed down by TCP,
 *     not by our memory.
 *   - If the queue is full all the same (a burst already parsed when the
 *     pause began; later, server-pushed events), the connection is closed
 *     with 1008 and the reason "outgoing queue full".
 *   - A message over SRV_MSG_MAX is discarded as it arrives and answered
 *     with a "too_large" error; the connection stays open.
 * permessage-deflate is not offered (no extensions are registered): it
 * costs about 89 KiB per connection and slows broadcast threefold. */
#define _GNU_SOURCE /* accept4() */
#include "srv.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libwebsockets.h>

#include "db.h"
#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_config.h"
#include "gv_err.h"
#include "gv_log.h"
#include "srv_codec.h"
#include "srv_health.h"
#include "srv_outq.h"
#include "banned.h"

#define SRV_WS_PATH "/ws"
#define SRV_WS_PROTOCOL "gavel.v1"

#define SESS_OUTQ_SLOTS 32
#define SESS_OUTQ_BYTES (256 * 1024)
#define SESS_RX_PAUSE_AT 8
#define SESS_RX_RESUME_AT 2

struct srv_server {
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    struct lws *listener;                /* our listening socket, adopted as a raw fd */
    lws_sorted_usec_list_t accept_retry; /* resumes accepting after EMFILE */
    struct srv_health *health;
    struct lws_http_mount mount_root, mount_healthz;
    char *web_root;
    char *version;
    volatile sig_atomic_t stop;
};

/* Per HTTP connection (lws zeroes it). */
struct http_pss {
    unsigned char *body; /* LWS_PRE headroom + body, gv_malloc'd; NULL when none */
    size_t body_len;
};

/* Per WebSocket connection (lws zeroes it; ESTABLISHED initializes it). */
struct ws_session {
    struct gv_buf rx;  /* the message being reassembled */
    bool rx_oversized; /* the current message passed SRV_MSG_MAX: discard it */
    bool rx_binary;
    bool rx_paused; /* we turned rx flow control off */
    struct srv_outq outq;
};

static struct srv_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

/* --- HTTP ----------------------------------------------------------------- */

static int healthz_begin(struct lws *wsi, struct http_pss *pss, const char *rest)
{
    struct srv_server *s = server_of(wsi);
    unsigned char hdr[LWS_PRE + 512], *start = hdr + LWS_PRE, *p = start;
    unsigned char *end = hdr + sizeof(hdr) - 1;
    static const char no_store[] = "no-store";
    struct srv_health_state st;
    char *json = NULL;
    size_t len;
    bool ok;
    int err;

    /* The mount matches "/healthz" and anything under it; only the exact
     * path exists. */
    if (rest && *rest && strcmp(rest, "/")) {
        lws_return_http_status(wsi, HTTP_STATUS_NOT_FOUND, NULL);
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    if (!lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI)) {
        lws_return_http_status(wsi, HTTP_STATUS_METHOD_NOT_ALLOWED, "use GET");
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }

    srv_health_get(s->health, &st);
    err = srv_health_to_json(&json, &len, &ok, &st, s->version);
    if (err < 0) {
        lws_return_http_status(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR, NULL);
        return -1;
    }
    pss->body = gv_malloc(LWS_PRE + len);
    if (!pss->body) {
        gv_free(json);
        lws_return_http_status(wsi, HTTP_STATUS_INTERNAL_SERVER_ERROR, NULL);
        return -1;
    }
    memcpy(pss->body + LWS_PRE, json, len);
    pss->body_len = len;
    gv_free(json);

    if (lws_add_http_common_headers(wsi, ok ? HTTP_STATUS_OK : HTTP_STATUS_SERVICE_UNAVAILABLE,
                                    "application/json", len, &p, end) ||
        lws_add_http_header_by_token(wsi, WSI_TOKEN_HTTP_CACHE_CONTROL,
                                     (const unsigned char *)no_store, sizeof(no_store) - 1, &p,
                                     end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return -1;
    /* The body goes out from HTTP_WRITEABLE, as lws wants for HTTP/1.1. */
    lws_callback_on_writable(wsi);
    return 0;
}

static int healthz_write(struct lws *wsi, struct http_pss *pss)
{
    int n;

    if (!pss->body)
        return 0;
    n = lws_write(wsi, pss->body + LWS_PRE, pss->body_len, LWS_WRITE_HTTP_FINAL);
    gv_free(pss->body);
    pss->body = NULL;
    if (n < 0)
        return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int callback_http(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    struct http_pss *pss = user;

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* An upgrade bound to protocol 0: it named no subprotocol we speak. */
        gv_log(GV_LOG_DEBUG, "ws", "refusing an upgrade without subprotocol '%s'", SRV_WS_PROTOCOL);
        return 1;
    case LWS_CALLBACK_HTTP:
        return healthz_begin(wsi, pss, in);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (pss && pss->body)
            return healthz_write(wsi, pss);
        break;
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss) {
            gv_free(pss->body);
            pss->body = NULL;
        }
        break;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* --- WebSocket ------------------------------------------------------------ */

/* Queues one reply; < 0 means the connection must close (the reason is set). */
static int sess_send(struct lws *wsi, struct ws_session *ss, char *text, size_t len)
{
    int err = srv_outq_push(&ss->outq, text, len);

    gv_free(text);
    if (err == GV_ETOOBIG) {
        static const char why[] = "outgoing queue full: the client is not reading its replies";

        gv_log(GV_LOG_WARN, "ws", "closing a connection: %s", why);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, (unsigned char *)why,
                         sizeof(why) - 1);
        return -1;
    }
    if (err < 0)
        return -1;
    if (ss->outq.count >= SESS_RX_PAUSE_AT && !ss->rx_paused) {
        ss->rx_paused = true;
        lws_rx_flow_control(wsi, 0);
    }
    lws_callback_on_writable(wsi);
    return 0;
}

static int sess_send_error(struct lws *wsi, struct ws_session *ss, const cJSON *id,
                           const char *code, const char *message)
{
    char *text;
    size_t len;

    if (srv_codec_error(&text, &len, id, code, message) < 0)
        return -1;
    return sess_send(wsi, ss, text, len);
}

static int sess_handle(struct lws *wsi, struct ws_session *ss)
{
    struct srv_request req;
    char *text = NULL;
    size_t len;
    int err;

    if (ss->rx_oversized) {
        char why[80];

        snprintf(why, sizeof(why), "message exceeds %d bytes and was discarded", SRV_MSG_MAX);
        return sess_send_error(wsi, ss, NULL, SRV_ERR_TOO_LARGE, why);
    }
    if (ss->rx_binary)
        return sess_send_error(wsi, ss, NULL, SRV_ERR_BAD_REQUEST,
                               "binary frames are not part of gavel.v1; send JSON text");

    err = srv_codec_decode(&req, ss->rx.data ? ss->rx.data : "", ss->rx.len);
    if (err == GV_EPARSE) {
        err = sess_send_error(wsi, ss, req.id, req.err_code, req.err_message);
        goto out;
    }
    if (err < 0)
        goto out;
    switch (req.type) {
    case SRV_REQ_PING:
        err = srv_codec_pong(&text, &len, req.id);
        if (err == 0)
            err = sess_send(wsi, ss, text, len);
        break;
    case SRV_REQ_NONE:
        assert(0 && "decode succeeded without a type");
        err = -1;
        break;
    }
out:
    srv_request_release(&req);
    return err < 0 ? -1 : 0;
}

static int sess_receive(struct lws *wsi, struct ws_session *ss, const void *in, size_t len)
{
    int err;

    if (lws_is_first_fragment(wsi)) {
        gv_buf_reset(&ss->rx);
        ss->rx_oversized = false;
        ss->rx_binary = lws_frame_is_binary(wsi);
    }
    if (!ss->rx_oversized) {
        err = gv_buf_append(&ss->rx, in, len);
        if (err == GV_ETOOBIG) {
            /* Keep reading (and dropping) the rest of the message so the
             * stream stays in sync; the reply goes out when it ends. */
            ss->rx_oversized = true;
            gv_buf_release(&ss->rx);
        } else if (err < 0) {
            return -1;
        }
    }
    /* lws hands a large frame over in pieces; the message ends with the last
     * piece of the final fragment. */
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi))
        return 0;
    err = sess_handle(wsi, ss);
    gv_buf_reset(&ss->rx);
    return err;
}

static int sess_writeable(struct lws *wsi, struct ws_session *ss)
{
    unsigned char *frame;
    size_t len;

    frame = srv_outq_peek(&ss->outq, &len);
    if (!frame)
        return 0;
    /* lws buffers whatever the kernel does not take, so a short count is an
     * error, not a partial write. */
    if (lws_write(wsi, frame, len, LWS_WRITE_TEXT) < (int)len)
        return -1;
    srv_outq_pop(&ss->outq);
    if (ss->rx_paused && ss->outq.count <= SESS_RX_RESUME_AT) {
        ss->rx_paused = false;
        lws_rx_flow_control(wsi, 1);
    }
    if (ss->outq.count)
        lws_callback_on_writable(wsi);
    return 0;
}

static int callback_gavel(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                          size_t len)
{
    struct ws_session *ss = user;
    char uri[64] = "";

    switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
        /* lws picks the protocol by subprotocol name on any path; the path
         * is ours to check. */
        if (lws_hdr_copy(wsi, uri, sizeof(uri), WSI_TOKEN_GET_URI) < 0 ||
            strcmp(uri, SRV_WS_PATH)) {
            gv_log(GV_LOG_DEBUG, "ws", "refusing an upgrade on '%.60s'", uri);
            return 1;
        }
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        gv_buf_init(&ss->rx, SRV_MSG_MAX);
        srv_outq_init(&ss->outq, SESS_OUTQ_SLOTS, SESS_OUTQ_BYTES, LWS_PRE);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return sess_receive(wsi, ss, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return sess_writeable(wsi, ss);
    case LWS_CALLBACK_CLOSED:
        /* Last use of the session: lws frees it after this returns. */
        gv_buf_release(&ss->rx);
        srv_outq_release(&ss->outq);
        return 0;
    default:
        return 0;
    }
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

static void accept_resume(lws_sorted_usec_list_t *sul)
{
    struct srv_server *s = lws_container_of(sul, struct srv_server, accept_retry);

    if (s->listener)
        lws_rx_flow_control(s->listener, 1);
}

static int listener_accept(struct lws *wsi)
{
    struct srv_server *s = server_of(wsi);
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
        server_of(wsi)->listener = NULL; /* lws closes the fd */
        return 0;
    default:
        return 0;
    }
}

/* The protocol table is per vhost and lws keeps a pointer to it. */
static const struct lws_protocols srv_protocols[] = {
    {.name = "http", .callback = callback_http, .per_session_data_size = sizeof(struct http_pss)},
    {.name = SRV_WS_PROTOCOL,
     .callback = callback_gavel,
     .per_session_data_size = sizeof(struct ws_session),
     .rx_buffer_size = 4096},
    {.name = "gavel-listen", .callback = callback_listener},
    {0},
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
    out->version = version;
    return 0;
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
    s->web_root = gv_strdup(opt->web_root);
    s->version = gv_strdup(opt->version ? opt->version : "unknown");
    if (!s->web_root || !s->version) {
        err = -ENOMEM;
        goto fail;
    }

    /* "/healthz" is answered by callback_http; everything else is a file. */
    s->mount_healthz.mountpoint = "/healthz";
    s->mount_healthz.mountpoint_len = (unsigned char)strlen("/healthz");
    s->mount_healthz.protocol = "http";
    s->mount_healthz.origin_protocol = LWSMPRO_CALLBACK;
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

    info.vhost_name = "gavel";
    info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
    info.protocols = srv_protocols;
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

    err = srv_health_start(&s->health, opt->pg_url, opt->redis_url);
    if (err < 0) {
        gv_log(GV_LOG_ERROR, "server", "cannot start the health monitor: %s", gv_strerror(err));
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
    /* Connections first: their CLOSED callbacks still run on this thread. */
    if (s->ctx)
        lws_context_destroy(s->ctx);
    srv_health_stop(s->health);
    gv_free(s->web_root);
    gv_free(s->version);
    gv_free(s);
}
