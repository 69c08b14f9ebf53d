/* SPDX-License-Identifier: MIT
 * fuzz_ws_codec.c - the gavel.v1 decoder and its request validation on
 * arbitrary frames: no crash, no leak, every outcome yields a reply the
 * client can parse, and a request that decodes has fields inside the limits
 * docs/PROTOCOL.md promises (what the job threads then rely on without
 * checking again). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "srv_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_reply(char *reply, size_t len)
{
    cJSON *parsed;

    if (!reply || strlen(reply) != len)
        abort();
    parsed = cJSON_Parse(reply);
    if (!parsed || !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(parsed, "type")))
        abort();
    cJSON_Delete(parsed);
    gv_free(reply);
}

static void check_string(const char *s, size_t min, size_t max)
{
    size_t n;

    if (!s)
        abort();
    n = strlen(s);
    if (n < min || n > max)
        abort();
}

static void check_slug(const char *s)
{
    check_string(s, 1, 64);
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            abort();
}

/* What each decoded type guarantees to srv_proto.c. */
static void check_params(const struct srv_request *req)
{
    const struct srv_params *p = &req->p;

    switch (req->type) {
    case SRV_REQ_REGISTER:
        check_string(p->username, SRV_USERNAME_MIN, SRV_USERNAME_MAX);
        check_string(p->password, SRV_PASSWORD_MIN, SRV_PASSWORD_MAX);
        if (p->display_name)
            check_string(p->display_name, 1, SRV_DISPLAY_NAME_MAX);
        break;
    case SRV_REQ_LOGIN:
        check_string(p->username, 1, 64);
        check_string(p->password, 1, SRV_PASSWORD_MAX);
        break;
    case SRV_REQ_PROBLEMS_LIST:
        if (p->page < 1 || p->page > SRV_PAGE_MAX || p->page_size < 1 ||
            p->page_size > SRV_PAGE_SIZE_MAX || p->difficulty_min < 0 || p->difficulty_max < 0 ||
            (unsigned)p->sort > SRV_SORT_SOLVES)
            abort();
        break;
    case SRV_REQ_PROBLEM_GET:
    case SRV_REQ_PROBLEM_LIKE:
        check_slug(p->slug);
        break;
    case SRV_REQ_SUBMIT:
        check_slug(p->slug);
        check_string(p->language, 1, 6);
        if (!p->source || p->source_len < 1 || p->source_len > SRV_SOURCE_MAX ||
            strlen(p->source) != p->source_len || p->contest_id < 0)
            abort();
        if (!srv_request_needs_user(req))
            abort();
        break;
    case SRV_REQ_SUBMISSION_GET:
        if (p->submission_id < 1)
            abort();
        break;
    case SRV_REQ_SUBSCRIBE:
        if ((p->topic == SRV_TOPIC_SUBMISSION && p->submission_id < 1) ||
            (p->topic == SRV_TOPIC_CONTEST && p->contest_id < 1))
            abort();
        if (srv_request_needs_user(req) != (p->topic == SRV_TOPIC_SUBMISSION))
            abort();
        break;
    case SRV_REQ_RESUME:
        if (!srv_event_id_ok(p->last_event_id))
            abort();
        break;
    case SRV_REQ_CONTEST_REGISTER:
    case SRV_REQ_CONTEST_SCOREBOARD:
        if (p->contest_id < 1)
            abort();
        if (srv_request_needs_user(req) != (req->type == SRV_REQ_CONTEST_REGISTER))
            abort();
        break;
    case SRV_REQ_CONTEST_BOARD_WINDOW:
        if (p->contest_id < 1 || p->window_count < 1 || p->window_count > SRV_BOARD_WINDOW_MAX ||
            p->window_from < 0 || p->radius < 0 || p->radius > SRV_BOARD_WINDOW_MAX / 2 ||
            p->around < 0 || srv_request_needs_user(req))
            abort();
        break;
    case SRV_REQ_CONTEST_ANNOUNCE:
        if (p->contest_id < 1 || !srv_request_needs_user(req))
            abort();
        check_string(p->text, 1, SRV_ANNOUNCEMENT_MAX);
        break;
    case SRV_REQ_CONTEST_CREATE:
    case SRV_REQ_CONTEST_UPDATE:
        if (!p->definition || p->definition_len < 1 || p->definition_len > SRV_DEFINITION_MAX ||
            strlen(p->definition) != p->definition_len ||
            (req->type == SRV_REQ_CONTEST_UPDATE) != (p->contest_id >= 1))
            abort();
        break;
    case SRV_REQ_CONTEST_DEFINITION:
    case SRV_REQ_CONTEST_UNFREEZE:
        if (p->contest_id < 1)
            abort();
        break;
    case SRV_REQ_USER_SET:
        check_string(p->username, SRV_USERNAME_MIN, SRV_USERNAME_MAX);
        if (!p->role && !p->tier)
            abort();
        break;
    case SRV_REQ_USERS_LIST:
        if (p->page < 1 || p->page > SRV_PAGE_MAX)
            abort();
        break;
    default:
        break;
    }
    /* The jury's requests are never open to anonymous callers. */
    if (req->type >= SRV_REQ_CONTEST_CREATE && req->type <= SRV_REQ_OPS_STATUS &&
        !srv_request_needs_user(req))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int initialized;
    struct srv_request req;
    char *reply = NULL, *text;
    size_t len = 0;
    int err;

    if (!initialized) {
        srv_codec_init();
        initialized = 1;
    }
    /* The event-id check on the raw bytes too: it must never read past
     * the terminator. */
    text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    (void)srv_event_id_ok(text);
    free(text);

    err = srv_codec_decode(&req, data, size);
    if (err == 0) {
        if (req.type == SRV_REQ_NONE || !strcmp(srv_req_name(req.type), "?"))
            abort();
        check_params(&req);
        if (req.type == SRV_REQ_PING)
            err = srv_codec_pong(&reply, &len, req.id);
        else
            err = srv_codec_ok(&reply, &len, req.id, "{}");
        if (err < 0)
            abort();
        check_reply(reply, len);
    } else if (err == GV_EPARSE) {
        if (!req.err_code || req.type != SRV_REQ_NONE ||
            srv_codec_error_retry(&reply, &len, req.id, req.err_code, req.err_message,
                                  (int64_t)size) < 0)
            abort();
        check_reply(reply, len);
    } else if (err != -ENOMEM) {
        abort();
    }
    srv_request_release(&req);
    return 0;
}
