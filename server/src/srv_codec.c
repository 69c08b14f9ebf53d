/* SPDX-License-Identifier: MIT
 * srv_codec.c - decode gavel.v1 requests and encode replies (see srv_codec.h). */
#include "srv_codec.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gv_alloc.h"
#include "gv_err.h"
#include "gv_lang.h"
#include "gv_num.h"
#include "banned.h"

/* The request types this build understands. Checklist: a new type needs an
 * enum srv_req_type value, a row here, and a case in the server's dispatch. */
static const struct {
    const char *name;
    enum srv_req_type type;
    bool needs_user;
} req_types[] = {
    {"ping", SRV_REQ_PING, false},
    {"hello", SRV_REQ_HELLO, false},
    {"register", SRV_REQ_REGISTER, false},
    {"login", SRV_REQ_LOGIN, false},
    {"logout", SRV_REQ_LOGOUT, false},
    {"problems.list", SRV_REQ_PROBLEMS_LIST, false},
    {"problem.get", SRV_REQ_PROBLEM_GET, false},
    {"problem.like", SRV_REQ_PROBLEM_LIKE, true},
    {"submit", SRV_REQ_SUBMIT, true},
    {"submissions.mine", SRV_REQ_SUBMISSIONS_MINE, true},
    {"submission.get", SRV_REQ_SUBMISSION_GET, true},
    {"subscribe", SRV_REQ_SUBSCRIBE, false},
    {"unsubscribe", SRV_REQ_UNSUBSCRIBE, false},
    {"resume", SRV_REQ_RESUME, false},
    {"contests.list", SRV_REQ_CONTESTS_LIST, false},
    {"contest.register", SRV_REQ_CONTEST_REGISTER, true},
    {"contest.scoreboard", SRV_REQ_CONTEST_SCOREBOARD, false},
    {"contest.announce", SRV_REQ_CONTEST_ANNOUNCE, true},
    {"clar.ask", SRV_REQ_CLAR_ASK, true},
    {"clar.answer", SRV_REQ_CLAR_ANSWER, true},
    {"clar.broadcast", SRV_REQ_CLAR_BROADCAST, true},
    {"clar.list", SRV_REQ_CLAR_LIST, false},
    {"contest.create", SRV_REQ_CONTEST_CREATE, true},
    {"contest.update", SRV_REQ_CONTEST_UPDATE, true},
    {"contest.definition", SRV_REQ_CONTEST_DEFINITION, true},
    {"contest.unfreeze", SRV_REQ_CONTEST_UNFREEZE, true},
    {"user.set", SRV_REQ_USER_SET, true},
    {"users.list", SRV_REQ_USERS_LIST, true},
    {"ops.status", SRV_REQ_OPS_STATUS, true},
    {"rejudge", SRV_REQ_REJUDGE, true},
    {"rejudge.report", SRV_REQ_REJUDGE_REPORT, true},
    {"rejudges.list", SRV_REQ_REJUDGES_LIST, true},
    {"contest.reveal", SRV_REQ_CONTEST_REVEAL, true},
    {"clics.get", SRV_REQ_CLICS_GET, false},
    {"plag.report", SRV_REQ_PLAG_REPORT, true},
    {"plag.review", SRV_REQ_PLAG_REVIEW, true},
    {"contest.board_window", SRV_REQ_CONTEST_BOARD_WINDOW, false},
};

bool srv_req_needs_user(enum srv_req_type type)
{
    for (size_t i = 0; i < sizeof(req_types) / sizeof(req_types[0]); i++)
        if (req_types[i].type == type)
            return req_types[i].needs_user;
    return false;
}

bool srv_request_needs_user(const struct srv_request *req)
{
    /* Subscribing to a submission checks who may read it. */
    return srv_req_needs_user(req->type) ||
           (req->type == SRV_REQ_SUBSCRIBE && req->p.topic == SRV_TOPIC_SUBMISSION);
}

/* One decimal number that fits 64 bits; *p moves past it. */
static bool u64_digits(const char **p)
{
    const char *s = *p;
    size_t n = 0;

    while (s[n] >= '0' && s[n] <= '9')
        n++;
    if (!n || n > 20 || (n == 20 && strncmp(s, "18446744073709551615", 20) > 0))
        return false;
    *p = s + n;
    return true;
}

bool srv_event_id_ok(const char *id)
{
    if (!id || !u64_digits(&id))
        return false;
    if (*id == '-') {
        id++;
        if (!u64_digits(&id))
            return false;
    }
    return *id == '\0';
}

const char *srv_req_name(enum srv_req_type type)
{
    for (size_t i = 0; i < sizeof(req_types) / sizeof(req_types[0]); i++)
        if (req_types[i].type == type)
            return req_types[i].name;
    return "?";
}

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

/* --- Fields ---------------------------------------------------------------- */

enum { OPTIONAL, REQUIRED };

static int invalid(struct srv_request *out, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int invalid(struct srv_request *out, const char *fmt, ...)
{
    va_list ap;

    out->type = SRV_REQ_NONE;
    out->err_code = SRV_ERR_INVALID;
    va_start(ap, fmt);
    vsnprintf(out->err_message, sizeof(out->err_message), fmt, ap);
    va_end(ap);
    return GV_EPARSE;
}

/* A string field of minlen..maxlen bytes. Absent and optional: *dst stays. */
static int field_string(struct srv_request *out, const char *name, int required, size_t minlen,
                        size_t maxlen, const char **dst, size_t *len)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(out->root, name);
    size_t n;

    if (!f || (!required && cJSON_IsNull(f))) {
        if (required)
            return invalid(out, "\"%s\" is missing", name);
        return 0;
    }
    if (!cJSON_IsString(f))
        return invalid(out, "\"%s\" must be a string", name);
    n = strlen(f->valuestring);
    if (n < minlen || n > maxlen) {
        if (minlen == maxlen)
            return invalid(out, "\"%s\" must be %zu bytes long", name, minlen);
        if (minlen == 1 && n == 0)
            return invalid(out, "\"%s\" must not be empty", name);
        return invalid(out, "\"%s\" must be %zu to %zu bytes long", name, minlen, maxlen);
    }
    *dst = f->valuestring;
    if (len)
        *len = n;
    return 0;
}

/* An integer field in [min, max]. Absent and optional: *dst stays. */
static int field_int(struct srv_request *out, const char *name, int required, int64_t min,
                     int64_t max, int64_t *dst)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(out->root, name);
    double d;

    if (!f || (!required && cJSON_IsNull(f))) {
        if (required)
            return invalid(out, "\"%s\" is missing", name);
        return 0;
    }
    if (!cJSON_IsNumber(f))
        return invalid(out, "\"%s\" must be an integer", name);
    d = f->valuedouble;
    if (d != floor(d) || d < (double)min || d > (double)max)
        return invalid(out, "\"%s\" must be an integer from %lld to %lld", name, (long long)min,
                       (long long)max);
    *dst = (int64_t)d;
    return 0;
}

/* A number field in [min, max]. Absent and optional: *dst stays. */
static int field_double(struct srv_request *out, const char *name, int required, double min,
                        double max, double *dst)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(out->root, name);

    if (!f || (!required && cJSON_IsNull(f))) {
        if (required)
            return invalid(out, "\"%s\" is missing", name);
        return 0;
    }
    if (!cJSON_IsNumber(f) || !(f->valuedouble >= min && f->valuedouble <= max))
        return invalid(out, "\"%s\" must be a number from %g to %g", name, min, max);
    *dst = f->valuedouble;
    return 0;
}

static int field_small(struct srv_request *out, const char *name, int required, int min, int max,
                       int *dst)
{
    int64_t v = *dst;
    int err = field_int(out, name, required, min, max, &v);

    *dst = (int)v;
    return err;
}

static int field_bool(struct srv_request *out, const char *name, int required, bool *dst)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(out->root, name);

    if (!f) {
        if (required)
            return invalid(out, "\"%s\" is missing", name);
        return 0;
    }
    if (!cJSON_IsBool(f))
        return invalid(out, "\"%s\" must be true or false", name);
    *dst = cJSON_IsTrue(f);
    return 0;
}

/* One of `names` (NULL-terminated); *dst is its index. */
static int field_enum(struct srv_request *out, const char *name, int required,
                      const char *const *names, const char *list, int *dst)
{
    const char *v = NULL;
    int err = field_string(out, name, required, 0, 64, &v, NULL);

    if (err < 0 || !v)
        return err;
    for (int i = 0; names[i]; i++) {
        if (!strcmp(v, names[i])) {
            *dst = i;
            return 0;
        }
    }
    return invalid(out, "\"%s\" must be one of %s", name, list);
}

/* A language id of the table (gv_lang.h); *dst is the table's id string,
 * which outlives the request. */
static int field_lang(struct srv_request *out, const char *name, const char **dst)
{
    const char *v = NULL;
    const struct gv_lang *l;
    char ids[64];
    int err = field_string(out, name, REQUIRED, 0, 64, &v, NULL);

    if (err < 0)
        return err;
    l = gv_lang_find(v);
    if (!l) {
        gv_lang_ids(ids, sizeof(ids), ", ");
        return invalid(out, "\"%s\" must be one of %s", name, ids);
    }
    *dst = l->id;
    return 0;
}

static bool username_ok(const char *u)
{
    for (; *u; u++)
        if (!((*u >= 'a' && *u <= 'z') || (*u >= 'A' && *u <= 'Z') || (*u >= '0' && *u <= '9') ||
              *u == '_' || *u == '.' || *u == '-'))
            return false;
    return true;
}

static bool slug_ok(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return false;
    return true;
}

/* A contest definition's text; its size is `too_large`, like the message's. */
static int field_definition(struct srv_request *out)
{
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(out->root, "definition");

    if (cJSON_IsString(f) && strlen(f->valuestring) > SRV_DEFINITION_MAX)
        return decode_fail(out, SRV_ERR_TOO_LARGE, "\"definition\" exceeds %d bytes",
                           SRV_DEFINITION_MAX);
    return field_string(out, "definition", REQUIRED, 1, SRV_DEFINITION_MAX, &out->p.definition,
                        &out->p.definition_len);
}

static int field_slug(struct srv_request *out, const char *name)
{
    int err = field_string(out, name, REQUIRED, 1, 64, &out->p.slug, NULL);

    if (err == 0 && !slug_ok(out->p.slug))
        return invalid(out, "\"%s\" must be a problem slug ([a-z0-9-], 1 to 64)", name);
    return err;
}

/* The submission or contest a request is about, in its named field `name`.
 * Deprecated, accepted in 0.1.x only (docs/PROTOCOL.md, "Deprecated
 * forms"): without that field, a numeric "id" names the object and is then
 * also the echoed request id, so the client cannot choose its own. With
 * both, the named field is the object and "id" only the request's id. */
static int field_object(struct srv_request *out, const char *name, int64_t *dst)
{
    if (!cJSON_GetObjectItemCaseSensitive(out->root, name) && cJSON_IsNumber(out->id))
        return field_int(out, "id", REQUIRED, 1, INT64_MAX / 2, dst);
    return field_int(out, name, REQUIRED, 1, INT64_MAX / 2, dst);
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        int try_err_ = (expr);                                                                     \
        if (try_err_ < 0)                                                                          \
            return try_err_;                                                                       \
    } while (0)

static int decode_params(struct srv_request *out)
{
    static const char *const sorts[] = {"name", "difficulty", "likes", "solves", NULL};
    static const char *const orders[] = {"asc", "desc", NULL};
    static const char *const topics[] = {"submission", "contest", "contests", NULL};
    /* "jury" is the organizer role's other name (db_user_set). */
    static const char *const roles[] = {"contestant", "jury", "organizer", "admin", NULL};
    static const char *const tiers[] = {"free", "paid", NULL};
    static const char *const plag_marks[] = {"cleared", "confirmed", "none", NULL};
    struct srv_params *p = &out->p;
    int idx;

    memset(p, 0, sizeof(*p));
    p->page = 1;
    p->page_size = 50;
    switch (out->type) {
    case SRV_REQ_HELLO:
        /* Any string: a stale or mangled token simply logs nobody in. */
        TRY(field_string(out, "token", OPTIONAL, 0, 128, &p->token, NULL));
        break;
    case SRV_REQ_REGISTER:
    case SRV_REQ_LOGIN:
        TRY(field_string(out, "username", REQUIRED, out->type == SRV_REQ_LOGIN ? 1 : SRV_USERNAME_MIN,
                         out->type == SRV_REQ_LOGIN ? 64 : SRV_USERNAME_MAX, &p->username, NULL));
        if (out->type == SRV_REQ_REGISTER && !username_ok(p->username))
            return invalid(out, "\"username\" may contain only letters, digits, '_', '.' and '-'");
        TRY(field_string(out, "password", REQUIRED,
                         out->type == SRV_REQ_LOGIN ? 1 : SRV_PASSWORD_MIN, SRV_PASSWORD_MAX,
                         &p->password, NULL));
        if (out->type == SRV_REQ_REGISTER)
            TRY(field_string(out, "display_name", OPTIONAL, 1, SRV_DISPLAY_NAME_MAX,
                             &p->display_name, NULL));
        break;
    case SRV_REQ_PROBLEMS_LIST:
        TRY(field_small(out, "difficulty_min", OPTIONAL, 0, 10000, &p->difficulty_min));
        TRY(field_small(out, "difficulty_max", OPTIONAL, 0, 10000, &p->difficulty_max));
        idx = SRV_SORT_NAME;
        TRY(field_enum(out, "sort", OPTIONAL, sorts, "name, difficulty, likes, solves", &idx));
        p->sort = (enum srv_sort)idx;
        idx = 0;
        TRY(field_enum(out, "order", OPTIONAL, orders, "asc, desc", &idx));
        p->desc = idx == 1;
        TRY(field_small(out, "page", OPTIONAL, 1, SRV_PAGE_MAX, &p->page));
        TRY(field_small(out, "page_size", OPTIONAL, 1, SRV_PAGE_SIZE_MAX, &p->page_size));
        break;
    case SRV_REQ_PROBLEM_GET:
        TRY(field_slug(out, "slug"));
        break;
    case SRV_REQ_PROBLEM_LIKE:
        TRY(field_slug(out, "slug"));
        TRY(field_bool(out, "like", REQUIRED, &p->like));
        break;
    case SRV_REQ_SUBMIT:
        TRY(field_slug(out, "problem"));
        TRY(field_lang(out, "language", &p->language));
        TRY(field_string(out, "source", REQUIRED, 1, SRV_SOURCE_MAX, &p->source, &p->source_len));
        TRY(field_int(out, "contest", OPTIONAL, 1, INT64_MAX / 2, &p->contest_id));
        break;
    case SRV_REQ_SUBMISSIONS_MINE:
        TRY(field_small(out, "page", OPTIONAL, 1, SRV_PAGE_MAX, &p->page));
        break;
    case SRV_REQ_SUBMISSION_GET:
        TRY(field_object(out, "submission", &p->submission_id));
        break;
    case SRV_REQ_SUBSCRIBE:
    case SRV_REQ_UNSUBSCRIBE:
        idx = 0;
        TRY(field_enum(out, "topic", REQUIRED, topics, "submission, contest, contests", &idx));
        p->topic = (enum srv_topic)idx;
        if (p->topic == SRV_TOPIC_SUBMISSION)
            TRY(field_object(out, "submission", &p->submission_id));
        else if (p->topic == SRV_TOPIC_CONTEST)
            TRY(field_object(out, "contest", &p->contest_id));
        /* A contest's snapshot with a window of its board: the top rows
         * and the caller's (docs/PROTOCOL.md); 0, the whole board. */
        if (out->type == SRV_REQ_SUBSCRIBE && p->topic == SRV_TOPIC_CONTEST) {
            p->radius = SRV_BOARD_RADIUS_DEFAULT;
            TRY(field_small(out, "window", OPTIONAL, 1, SRV_BOARD_WINDOW_MAX, &p->window_count));
            TRY(field_small(out, "radius", OPTIONAL, 0, SRV_BOARD_WINDOW_MAX / 2, &p->radius));
        }
        /* "contests": the list of contests and their phase changes. */
        break;
    case SRV_REQ_RESUME:
        TRY(field_string(out, "last_event_id", REQUIRED, 1, 40, &p->last_event_id, NULL));
        /* Checked here, not where the stream is read: a malformed id is
         * `invalid` whether or not Redis is up. */
        if (!srv_event_id_ok(p->last_event_id))
            return invalid(out, "\"last_event_id\" must be an event id like \"1764100000000-3\"");
        break;
    case SRV_REQ_CONTEST_REGISTER:
    case SRV_REQ_CONTEST_SCOREBOARD:
        TRY(field_int(out, "contest", REQUIRED, 1, INT64_MAX / 2, &p->contest_id));
        break;
    case SRV_REQ_CONTEST_ANNOUNCE:
        TRY(field_int(out, "contest", REQUIRED, 1, INT64_MAX / 2, &p->contest_id));
        TRY(field_string(out, "text", REQUIRED, 1, SRV_ANNOUNCEMENT_MAX, &p->text, NULL));
        break;
    case SRV_REQ_CONTEST_BOARD_WINDOW:
        TRY(field_int(out, "contest", REQUIRED, 1, INT64_MAX / 2, &p->contest_id));
        p->window_count = SRV_BOARD_WINDOW_DEFAULT;
        p->radius = SRV_BOARD_RADIUS_DEFAULT;
        TRY(field_small(out, "from", OPTIONAL, 0, INT32_MAX, &p->window_from));
        TRY(field_small(out, "count", OPTIONAL, 1, SRV_BOARD_WINDOW_MAX, &p->window_count));
        TRY(field_int(out, "around", OPTIONAL, 1, INT64_MAX / 2, &p->around));
        TRY(field_small(out, "radius", OPTIONAL, 0, SRV_BOARD_WINDOW_MAX / 2, &p->radius));
        break;
    case SRV_REQ_CLAR_ASK:
    case SRV_REQ_CLAR_BROADCAST:
        TRY(field_int(out, "contest", REQUIRED, 1, INT64_MAX / 2, &p->contest_id));
        TRY(field_string(out, "problem", OPTIONAL, 1, 4, &p->label, NULL));
        TRY(field_string(out, "text", REQUIRED, 1, SRV_ANNOUNCEMENT_MAX, &p->text, NULL));
        break;
    case SRV_REQ_CLAR_ANSWER:
        TRY(field_int(out, "clarification", REQUIRED, 1, INT64_MAX / 2, &p->clar_id));
        TRY(field_string(out, "text", REQUIRED, 1, SRV_ANNOUNCEMENT_MAX, &p->text, NULL));
        TRY(field_bool(out, "public", OPTIONAL, &p->is_public));
        break;
    case SRV_REQ_CLAR_LIST:
        TRY(field_int(out, "contest", REQUIRED, 1, INT64_MAX / 2, &p->contest_id));
        break;
    case SRV_REQ_CONTEST_CREATE:
        TRY(field_definition(out));
        break;
    case SRV_REQ_CONTEST_UPDATE:
        TRY(field_int(out, "contest", REQUIRED, 1, INT64_MAX / 2, &p->contest_id));
        TRY(field_definition(out));
        TRY(field_bool(out, "force", OPTIONAL, &p->force));
        break;
    case SRV_REQ_CONTEST_DEFINITION:
    case SRV_REQ_CONTEST_UNFREEZE:
        TRY(field_int(out, "contest", REQUIRED, 1, INT64_MAX / 2, &p->contest_id));
        break;
    case SRV_REQ_USER_SET:
        TRY(field_string(out, "username", REQUIRED, SRV_USERNAME_MIN, SRV_USERNAME_MAX,
                         &p->username, NULL));
        if (!username_ok(p->username))
            return invalid(out, "\"username\" may contain only letters, digits, '_', '.' and '-'");
        idx = -1;
        TRY(field_enum(out, "role", OPTIONAL, roles, "contestant, jury, organizer, admin", &idx));
        p->role = idx < 0 ? NULL : roles[idx];
        idx = -1;
        TRY(field_enum(out, "tier", OPTIONAL, tiers, "free, paid", &idx));
        p->tier = idx < 0 ? NULL : tiers[idx];
        if (!p->role && !p->tier)
            return invalid(out, "\"role\" or \"tier\" is needed");
        break;
    case SRV_REQ_USERS_LIST:
        TRY(field_small(out, "page", OPTIONAL, 1, SRV_PAGE_MAX, &p->page));
        break;
    case SRV_REQ_REJUDGE:
        TRY(field_int(out, "submission", OPTIONAL, 1, INT64_MAX / 2, &p->submission_id));
        TRY(field_int(out, "contest", OPTIONAL, 1, INT64_MAX / 2, &p->contest_id));
        TRY(field_string(out, "problem", OPTIONAL, 1, 64, &p->slug, NULL));
        if (!p->submission_id == !p->contest_id || (p->submission_id && p->slug))
            return invalid(out, "name one \"submission\", or one \"contest\" (and optionally "
                                "one of its \"problem\"s)");
        break;
    case SRV_REQ_REJUDGE_REPORT:
        TRY(field_int(out, "rejudge", REQUIRED, 1, INT64_MAX / 2, &p->rejudge_id));
        break;
    case SRV_REQ_REJUDGES_LIST:
        TRY(field_int(out, "contest", OPTIONAL, 1, INT64_MAX / 2, &p->contest_id));
        break;
    case SRV_REQ_CONTEST_REVEAL:
        TRY(field_int(out, "contest", REQUIRED, 1, INT64_MAX / 2, &p->contest_id));
        break;
    case SRV_REQ_CLICS_GET:
        /* "username" and "password": HTTP basic auth's, when sent;
         * "api_token": a bearer token's. */
        TRY(field_string(out, "path", REQUIRED, 1, 256, &p->path, NULL));
        TRY(field_string(out, "api_token", OPTIONAL, 1, 512, &p->api_token, NULL));
        TRY(field_string(out, "username", OPTIONAL, 1, 64, &p->username, NULL));
        TRY(field_string(out, "password", OPTIONAL, 1, SRV_PASSWORD_MAX, &p->password, NULL));
        TRY(field_string(out, "since_token", OPTIONAL, 1, 40, &p->since_token, NULL));
        break;
    case SRV_REQ_PLAG_REPORT:
        TRY(field_int(out, "contest", REQUIRED, 1, INT64_MAX / 2, &p->contest_id));
        TRY(field_string(out, "problem", OPTIONAL, 1, 64, &p->slug, NULL));
        p->min_similarity = -1;
        TRY(field_double(out, "min_similarity", OPTIONAL, 0, 1, &p->min_similarity));
        break;
    case SRV_REQ_PLAG_REVIEW:
        TRY(field_int(out, "contest", REQUIRED, 1, INT64_MAX / 2, &p->contest_id));
        TRY(field_int(out, "left", REQUIRED, 1, INT64_MAX / 2, &p->left_id));
        TRY(field_int(out, "right", REQUIRED, 1, INT64_MAX / 2, &p->right_id));
        if (p->left_id == p->right_id)
            return invalid(out, "\"left\" and \"right\" must be two submissions");
        idx = 0;
        TRY(field_enum(out, "status", REQUIRED, plag_marks, "cleared, confirmed, none", &idx));
        p->status = plag_marks[idx][0] == 'n' ? NULL : plag_marks[idx];
        TRY(field_string(out, "note", OPTIONAL, 0, SRV_PLAG_NOTE_MAX, &p->note, NULL));
        break;
    case SRV_REQ_PING:
    case SRV_REQ_LOGOUT:
    case SRV_REQ_CONTESTS_LIST:
    case SRV_REQ_OPS_STATUS:
    case SRV_REQ_NONE:
        break;
    }
    return 0;
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
            return decode_params(out);
        }
    }
    /* %.40s: the type is the client's text; keep the message short. */
    return decode_fail(out, SRV_ERR_UNKNOWN_TYPE, "unknown message type '%.40s'",
                       type->valuestring);
}

/* A number as text that reads back exactly (gv_num.h): a client matching
 * replies by id must see its own id again. */
static cJSON *exact_number(double d)
{
    char text[GV_NUM_TEXT_MAX];

    return gv_num_format(text, d) ? cJSON_CreateRaw(text) : cJSON_CreateNull();
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

int srv_codec_ok(char **out, size_t *out_len, const cJSON *id, const char *data)
{
    cJSON *obj = cJSON_CreateObject(), *raw;
    int err = -ENOMEM;

    if (!obj || !cJSON_AddStringToObject(obj, "type", "ok") || !add_id(obj, id))
        goto out;
    raw = cJSON_CreateRaw(data && *data ? data : "{}");
    if (!raw || !cJSON_AddItemToObject(obj, "data", raw)) {
        cJSON_Delete(raw);
        goto out;
    }
    err = print_reply(out, out_len, obj);
out:
    cJSON_Delete(obj);
    return err;
}

/* Adds what every error carries, in both APIs: "code", "message" and, when
 * retry_after_ms >= 0, "retry_after_ms". False means out of memory. */
static bool add_error(cJSON *obj, const char *code, const char *message, int64_t retry_after_ms)
{
    return cJSON_AddStringToObject(obj, "code", code) &&
           cJSON_AddStringToObject(obj, "message", message) &&
           (retry_after_ms < 0 ||
            cJSON_AddNumberToObject(obj, "retry_after_ms", (double)retry_after_ms));
}

int srv_codec_error_retry(char **out, size_t *out_len, const cJSON *id, const char *code,
                          const char *message, int64_t retry_after_ms)
{
    cJSON *obj = cJSON_CreateObject();
    int err = -ENOMEM;

    if (obj && cJSON_AddStringToObject(obj, "type", "error") && add_id(obj, id) &&
        add_error(obj, code, message, retry_after_ms))
        err = print_reply(out, out_len, obj);
    cJSON_Delete(obj);
    return err;
}

int srv_codec_error(char **out, size_t *out_len, const cJSON *id, const char *code,
                    const char *message)
{
    return srv_codec_error_retry(out, out_len, id, code, message, -1);
}

int srv_codec_http_error(char **out, size_t *out_len, const char *code, const char *message,
                         int64_t retry_after_ms)
{
    cJSON *obj = cJSON_CreateObject();
    int err = -ENOMEM;

    if (obj && add_error(obj, code, message, retry_after_ms))
        err = print_reply(out, out_len, obj);
    cJSON_Delete(obj);
    return err;
}
