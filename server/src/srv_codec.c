/* srv_codec.c - decode gavel.v1 requests and encode replies (see srv_codec.h). */
#include "srv_codec.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "banned.h"

/* The request types this build understands. Checklist: a new type needs an
 * enum srv_req_type value, a row here, and a case in the server's dispatch. */
static const struct {
    const char *name;
    enum srv_req_type type;
} req_types[] = {
    {"ping", SRV_REQ_PING},
};

void srv_codec_init(void)
{
    cJSON_Hooks hooks = {.malloc_fn = gv_malloc, .free_fn = gv_free};

    cJSON_InitHooks(&hooks);
}

void srv_request_release(struct srv_request *req)
{
    cJSON_Delete(req->root);
    memset(req, 0, sizeof(*req));
}

__attribute__((format(printf, 3, 4))) static int decode_fail(struct srv_request *out,
                                                             const char *code, const char *fmt, ...)
{
    va_list ap;

    out->type = SRV_REQ_NONE;
    out->err_code = code;
    va_start(ap, fmt);
    vsnprintf(out->err_message, sizeof(out->err_message), fmt, ap);
    va_end(ap);
    return GV_EPARSE;
}

static int is_json_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int srv_codec_decode(struct srv_request *out, const void *data, size_t len)
{
    const char *text = data, *end = NULL;
    const cJSON *type, *id;

    memset(out, 0, sizeof(*out));
    if (len > SRV_MSG_MAX)
        return decode_fail(out, SRV_ERR_TOO_LARGE, "message exceeds %d bytes", SRV_MSG_MAX);
    out->root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!out->root) {
        /* cJSON reports a failed allocation and bad syntax alike; the
         * difference does not matter to the client, which sees bad_request
         * either way, and the server stays up. */
        return decode_fail(out, SRV_ERR_BAD_REQUEST, "malformed JSON");
    }
    /* cJSON stops after the first value; "{} x" is still malformed. */
    while (end < text + len && is_json_space(*end))
        end++;
    if (end != text + len)
        return decode_fail(out, SRV_ERR_BAD_REQUEST, "trailing data after the JSON value");
    if (!cJSON_IsObject(out->root))
        return decode_fail(out, SRV_ERR_BAD_REQUEST, "a message must be a JSON object");

    /* The id first, so that every later error can be matched to its request. */
    id = cJSON_GetObjectItemCaseSensitive(out->root, "id");
    if (id && (cJSON_IsObject(id) || cJSON_IsArray(id)))
        return decode_fail(out, SRV_ERR_BAD_REQUEST,
                           "\"id\" must be a string, number, boolean or null");
    out->id = id;

    type = cJSON_GetObjectItemCaseSensitive(out->root, "type");
    if (!type)
        return decode_fail(out, SRV_ERR_BAD_REQUEST, "missing \"type\"");
    if (!cJSON_IsString(type))
        return decode_fail(out, SRV_ERR_BAD_REQUEST, "\"type\" must be a string");
    for (size_t i = 0; i < sizeof(req_types) / sizeof(req_types[0]); i++) {
        if (!strcmp(type->valuestring, req_types[i].name)) {
            out->type = req_types[i].type;
            return 0;
        }
    }
    /* %.40s: the type is the client's text; keep the message short. */
    return decode_fail(out, SRV_ERR_UNKNOWN_TYPE, "unknown message type '%.40s'",
                       type->valuestring);
}

/* A number as the shortest text that reads back as the same double. cJSON's
 * own printer accepts a relative error of DBL_EPSILON, which turns the id
 * 9007199254740993 into 9.00719925474099e+15; a client matching replies by
 * id would never see its answer. */
static cJSON *exact_number(double d)
{
    char text[32];

    if (!isfinite(d)) /* "1e999" parses to inf, which JSON cannot carry */
        return cJSON_CreateNull();
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(text, sizeof(text), "%.*g", prec, d);
        if (strtod(text, NULL) == d)
            break;
    }
    return cJSON_CreateRaw(text);
}

/* Adds a copy of `id` (or null) to `obj`; a false return means out of memory. */
static int add_id(cJSON *obj, const cJSON *id)
{
    cJSON *copy;

    if (!id)
        copy = cJSON_CreateNull();
    else if (cJSON_IsNumber(id))
        copy = exact_number(id->valuedouble);
    else
        copy = cJSON_Duplicate(id, 0);

    if (!copy)
        return 0;
    if (!cJSON_AddItemToObject(obj, "id", copy)) {
        cJSON_Delete(copy);
        return 0;
    }
    return 1;
}

static int print_reply(char **out, size_t *out_len, cJSON *obj)
{
    char *text = cJSON_PrintUnformatted(obj);

    if (!text)
        return -ENOMEM;
    *out = text; /* allocated through the hooks above: gv_free() releases it */
    *out_len = strlen(text);
    return 0;
}

int srv_codec_pong(char **out, size_t *out_len, const cJSON *id)
{
    cJSON *obj = cJSON_CreateObject();
    int err = -ENOMEM;

    if (!obj || !cJSON_AddStringToObject(obj, "type", "pong") || !add_id(obj, id))
        goto out;
    err = print_reply(out, out_len, obj);
out:
    cJSON_Delete(obj);
    return err;
}

int srv_codec_error(char **out, size_t *out_len, const cJSON *id, const char *code,
                    const char *message)
{
    cJSON *obj = cJSON_CreateObject();
    int err = -ENOMEM;

    if (!obj || !cJSON_AddStringToObject(obj, "type", "error") || !add_id(obj, id) ||
        !cJSON_AddStringToObject(obj, "code", code) ||
        !cJSON_AddStringToObject(obj, "message", message))
        goto out;
    err = print_reply(out, out_len, obj);
out:
    cJSON_Delete(obj);
    return err;
}
