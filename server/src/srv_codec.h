/* srv_codec.h - the gavel.v1 message codec: a frame in, a request out;
 * a request's outcome in, a reply frame out.
 *
 * Pure functions: no I/O and no libwebsockets, so the unit tests (and later
 * the fuzzer) drive them directly. Every message is one JSON object with a
 * string "type" and an optional "id" (any JSON scalar) that the reply echoes:
 *
 *   {"type":"ping","id":7}                  ->  {"type":"pong","id":7}
 *   {"type":"nope","id":"a"}                ->  {"type":"error","id":"a",
 *                                                "code":"unknown_type","message":"..."}
 *
 * Numeric ids go through a double (cJSON): integers up to 2^53 come back
 * exactly, other numbers as the shortest text of the same double (1.50 ->
 * 1.5). A client that needs larger ids or exact text sends a string. */
#ifndef SRV_CODEC_H
#define SRV_CODEC_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The largest message a client may send, in bytes (after reassembly of
 * fragments). Larger ones are answered with SRV_ERR_TOO_LARGE. */
#define SRV_MSG_MAX (64 * 1024)

/* Stable error codes of the protocol: clients switch on them. */
#define SRV_ERR_BAD_REQUEST "bad_request"
#define SRV_ERR_UNKNOWN_TYPE "unknown_type"
#define SRV_ERR_TOO_LARGE "too_large"

enum srv_req_type {
    SRV_REQ_NONE = 0,
    SRV_REQ_PING,
};

struct srv_request {
    enum srv_req_type type; /* SRV_REQ_NONE unless decoding succeeded */
    const cJSON *id;        /* borrowed from root; NULL when absent or unusable */
    const char *err_code;   /* on failure: one of the SRV_ERR_* strings */
    char err_message[160];  /* on failure: for people, not for parsing */
    cJSON *root;            /* owned: srv_request_release() */
};

/* Routes cJSON's allocations through gv_malloc/gv_free, so allocation-failure
 * tests reach the codec too. Call once, before any other thread uses cJSON. */
void srv_codec_init(void);

/* Decodes one text message of `len` bytes (not NUL-terminated). Returns 0
 * with out->type set; GV_EPARSE when the message is malformed or of an
 * unknown type, with out->err_code, out->err_message and (when the message
 * carried a usable one) out->id set for the error reply; -ENOMEM. Always
 * call srv_request_release() afterwards. */
int srv_codec_decode(struct srv_request *out, const void *data, size_t len);
void srv_request_release(struct srv_request *req);

/* Reply builders. *out is a NUL-terminated gv_malloc'd string (caller frees
 * with gv_free) of *out_len bytes. `id` NULL is encoded as JSON null. */
int srv_codec_pong(char **out, size_t *out_len, const cJSON *id);
int srv_codec_error(char **out, size_t *out_len, const cJSON *id, const char *code,
                    const char *message);

#endif
