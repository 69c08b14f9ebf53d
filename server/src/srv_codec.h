/* SPDX-License-Identifier: MIT
 * srv_codec.h - the gavel.v1 message codec: a frame in, a request out;
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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

/* The largest message a client may send, in bytes (after reassembly of
 * fragments). Larger ones are answered with SRV_ERR_TOO_LARGE. */
#define SRV_MSG_MAX (64 * 1024)

/* Stable error codes of the protocol: clients switch on them. */
#define SRV_ERR_BAD_REQUEST "bad_request"
#define SRV_ERR_UNKNOWN_TYPE "unknown_type"
#define SRV_ERR_TOO_LARGE "too_large"
#define SRV_ERR_INVALID "invalid" /* a field missing, of the wrong type or out of range */
#define SRV_ERR_UNAUTHENTICATED "unauthenticated"
#define SRV_ERR_FORBIDDEN "forbidden"
#define SRV_ERR_NOT_FOUND "not_found"
#define SRV_ERR_CONFLICT "conflict"
#define SRV_ERR_RATE_LIMITED "rate_limited"
#define SRV_ERR_UNAVAILABLE "unavailable"
#define SRV_ERR_INTERNAL "internal"

/* Field limits the decoder enforces (docs/PROTOCOL.md). */
#define SRV_USERNAME_MIN 3
#define SRV_USERNAME_MAX 32
#define SRV_PASSWORD_MIN 8
#define SRV_PASSWORD_MAX 256
#define SRV_DISPLAY_NAME_MAX 64
#define SRV_SOURCE_MAX (64 * 1024)
#define SRV_PAGE_SIZE_MAX 100
#define SRV_PAGE_MAX 100000
#define SRV_ANNOUNCEMENT_MAX 2000
/* contest.board_window: rows per window (db_ranking.h's bound), the
 * default count and radius. */
#define SRV_BOARD_WINDOW_MAX 500
#define SRV_BOARD_WINDOW_DEFAULT 100
#define SRV_BOARD_RADIUS_DEFAULT 10
#define SRV_PLAG_NOTE_MAX 2000 /* DB_PLAG_NOTE_MAX */
/* A contest definition travels in one message, so SRV_MSG_MAX bounds it
 * first; this is the field's own cap, and the cap of contest.definition's
 * reply, so that whatever the server hands out can be sent back. */
#define SRV_DEFINITION_MAX (60 * 1024)

enum srv_req_type {
    SRV_REQ_NONE = 0,
    SRV_REQ_PING,
    SRV_REQ_HELLO,
    SRV_REQ_REGISTER,
    SRV_REQ_LOGIN,
    SRV_REQ_LOGOUT,
    SRV_REQ_PROBLEMS_LIST,
    SRV_REQ_PROBLEM_GET,
    SRV_REQ_PROBLEM_LIKE,
    SRV_REQ_SUBMIT,
    SRV_REQ_SUBMISSIONS_MINE,
    SRV_REQ_SUBMISSION_GET,
    SRV_REQ_SUBSCRIBE,
    SRV_REQ_UNSUBSCRIBE,
    SRV_REQ_RESUME,
    SRV_REQ_CONTESTS_LIST,
    SRV_REQ_CONTEST_REGISTER,
    SRV_REQ_CONTEST_SCOREBOARD,
    SRV_REQ_CONTEST_ANNOUNCE,
    /* Clarifications (srv_proto_clar.c). */
    SRV_REQ_CLAR_ASK,
    SRV_REQ_CLAR_ANSWER,
    SRV_REQ_CLAR_BROADCAST,
    SRV_REQ_CLAR_LIST,
    /* Organizers' requests (srv_proto_org.c). */
    SRV_REQ_CONTEST_CREATE,
    SRV_REQ_CONTEST_UPDATE,
    SRV_REQ_CONTEST_DEFINITION,
    SRV_REQ_CONTEST_UNFREEZE,
    SRV_REQ_USER_SET,
    SRV_REQ_USERS_LIST,
    SRV_REQ_OPS_STATUS,
    /* Rejudges and the reveal (organizers). */
    SRV_REQ_REJUDGE,
    SRV_REQ_REJUDGE_REPORT,
    SRV_REQ_REJUDGES_LIST,
    SRV_REQ_CONTEST_REVEAL,
    /* The CLICS Contest API (srv_proto_clics.c): HTTP only. */
    SRV_REQ_CLICS_GET,
    /* Plagiarism (organizers, srv_proto_plag.c). */
    SRV_REQ_PLAG_REPORT,
    SRV_REQ_PLAG_REVIEW,
    /* A window of a contest's board (srv_proto_contest.c). */
    SRV_REQ_CONTEST_BOARD_WINDOW,
};

enum srv_sort { SRV_SORT_NAME, SRV_SORT_DIFFICULTY, SRV_SORT_LIKES, SRV_SORT_SOLVES };
enum srv_topic { SRV_TOPIC_SUBMISSION, SRV_TOPIC_CONTEST, SRV_TOPIC_CONTESTS };

/* The validated fields of a request; strings are borrowed from `root`.
 * Optional fields that were absent hold their defaults (NULL, 0, page 1,
 * page_size 50, sort name ascending). */
struct srv_params {
    const char *token;                   /* hello */
    const char *username, *password;     /* register, login */
    const char *display_name;            /* register; NULL: the username */
    const char *slug;                    /* problem.get, problem.like, submit ("problem");
                                            rejudge, plag.report ("problem": a slug or a
                                            contest's label) */
    bool like;                           /* problem.like */
    int difficulty_min, difficulty_max;  /* problems.list; 0: no bound */
    enum srv_sort sort;
    bool desc;
    int page, page_size;
    const char *language, *source;       /* submit */
    size_t source_len;
    int64_t contest_id;                  /* submit ("contest"), subscribe contest, contest.*; 0: none */
    const char *text;                    /* contest.announce, clar.* */
    const char *label;                   /* clar.ask, clar.broadcast ("problem"); NULL: none */
    int64_t clar_id;                     /* clar.answer ("clarification") */
    bool is_public;                      /* clar.answer ("public") */
    int64_t submission_id;               /* submission.get, subscribe submission */
    enum srv_topic topic;                /* subscribe */
    const char *last_event_id;           /* resume */
    const char *definition;              /* contest.create, contest.update: YAML */
    size_t definition_len;
    bool force;                          /* contest.update */
    const char *role, *tier;             /* user.set ("username" above); NULL: kept */
    int64_t rejudge_id;                  /* rejudge.report ("rejudge") */
    const char *path;                    /* clics.get: the route under /api/clics */
    const char *since_token;             /* clics.get: the event feed's ?since_token= */
    const char *api_token;               /* clics.get: Authorization: Bearer's token */
    double min_similarity;               /* plag.report; -1: the default */
    int64_t left_id, right_id;           /* plag.review ("left", "right": submissions) */
    const char *status;                  /* plag.review: "cleared", "confirmed"; NULL: none */
    int window_from, window_count;       /* contest.board_window ("from", "count"): 0, 100; subscribe's "window": 0 */
    int64_t around;                      /* contest.board_window: a user id; 0: none */
    int radius;                          /* contest.board_window, subscribe: 10 */
    const char *note;                    /* plag.review; NULL: none */
};

struct srv_request {
    enum srv_req_type type; /* SRV_REQ_NONE unless decoding succeeded */
    const cJSON *id;        /* borrowed from root; NULL when absent or unusable */
    const char *err_code;   /* on failure: one of the SRV_ERR_* strings */
    char err_message[160];  /* on failure: for people, not for parsing */
    struct srv_params p;    /* on success */
    cJSON *root;            /* owned: srv_request_release() */
};

/* Whether a request type needs a logged-in user (checked before any work). */
bool srv_req_needs_user(enum srv_req_type type);
/* Whether this decoded request needs a logged-in user: its type does, or
 * it subscribes to a submission. */
bool srv_request_needs_user(const struct srv_request *req);
/* Whether `id` is a stream event id, "<ms>-<seq>" or "<ms>", each part a
 * decimal number that fits 64 bits (what resume accepts). */
bool srv_event_id_ok(const char *id);
/* The wire name of a type ("problems.list"), for logs. */
const char *srv_req_name(enum srv_req_type type);

/* Routes cJSON's allocations through gv_malloc/gv_free, so allocation-failure
 * tests reach the codec too. Call once, before any other thread uses cJSON. */
void srv_codec_init(void);

/* Decodes one text message of `len` bytes (not NUL-terminated). Returns 0
 * with out->type and out->p set; GV_EPARSE when the message is malformed,
 * of an unknown type, or has a missing or bad field (SRV_ERR_INVALID, the
 * message names the field), with out->err_code, out->err_message and (when the message
 * carried a usable one) out->id set for the error reply; -ENOMEM. Always
 * call srv_request_release() afterwards. */
int srv_codec_decode(struct srv_request *out, const void *data, size_t len);
void srv_request_release(struct srv_request *req);

/* Reply builders. *out is a NUL-terminated gv_malloc'd string (caller frees
 * with gv_free) of *out_len bytes. `id` NULL is encoded as JSON null. */
int srv_codec_pong(char **out, size_t *out_len, const cJSON *id);
int srv_codec_error(char **out, size_t *out_len, const cJSON *id, const char *code,
                    const char *message);
/* An error with "retry_after_ms" (rate_limited). */
int srv_codec_error_retry(char **out, size_t *out_len, const cJSON *id, const char *code,
                          const char *message, int64_t retry_after_ms);
/* The HTTP API's error body, {"code":..,"message":..} with "retry_after_ms"
 * when that is >= 0: the same fields as an error reply, without type or id. */
int srv_codec_http_error(char **out, size_t *out_len, const char *code, const char *message,
                         int64_t retry_after_ms);
/* {"type":"ok","id":..,"data":<data>}: `data` is JSON text inserted as is
 * (the caller built it: a db_catalog result or cJSON output); NULL is {}. */
int srv_codec_ok(char **out, size_t *out_len, const cJSON *id, const char *data);

#endif
