/* SPDX-License-Identifier: MIT
 * cst_def.c - reading a contest definition (cst_def.h).
 *
 * libyaml builds the document; this file walks it with one rule: every key
 * is known, every value has one type, and whatever is wrong is reported
 * with its line, because the person reading the message is an organizer
 * with the file open in an editor the night before a contest. */
#include "cst_def.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "gv_alloc.h"
#include "gv_buf.h"
#include "gv_err.h"
#include "gv_time.h"
#include "banned.h"

#define DURATION_MAX_MS (366LL * 24 * 3600 * 1000) /* a year: longer is a typo */
#define NAME_MAX_BYTES 200

struct ctx {
    const char *file;
    yaml_document_t doc;
    char *err;
    size_t err_len;
};

static int fail(struct ctx *c, const yaml_node_t *at, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(struct ctx *c, const yaml_node_t *at, const char *key, const char *fmt, ...)
{
    size_t n = 0;
    va_list ap;

    if (c->err_len) {
        n = (size_t)snprintf(c->err, c->err_len, "%s:%zu: %s%s", c->file,
                             at ? at->start_mark.line + 1 : 1, key ? key : "", key ? ": " : "");
        if (n < c->err_len) {
            va_start(ap, fmt);
            vsnprintf(c->err + n, c->err_len - n, fmt, ap);
            va_end(ap);
        }
    }
    return GV_EPARSE;
}

static yaml_node_t *node(struct ctx *c, int id)
{
    return yaml_document_get_node(&c->doc, id);
}

/* A scalar's text, NULL for any other node or a text with a NUL inside. */
static const char *scalar(const yaml_node_t *n)
{
    if (!n || n->type != YAML_SCALAR_NODE ||
        memchr(n->data.scalar.value, 0, n->data.scalar.length))
        return NULL;
    return (const char *)n->data.scalar.value;
}

static int copy_str(struct ctx *c, const yaml_node_t *n, const char *key, char *buf, size_t cap,
                    bool required)
{
    const char *s = scalar(n);

    if (!s)
        return fail(c, n, key, "expected a string");
    if (strlen(s) >= cap)
        return fail(c, n, key, "longer than %zu bytes", cap - 1);
    if (required && !*s)
        return fail(c, n, key, "must not be empty");
    memcpy(buf, s, strlen(s) + 1);
    return 0;
}

static bool digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int num(const char *s, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

int cst_def_parse_time(int64_t *out_ms, const char *s)
{
    return gv_time_iso_parse(out_ms, NULL, s);
}

/* ".fff" (any number of digits, ms kept) at *s, advancing it. */
static int64_t fraction_ms(const char **s)
{
    int64_t ms = 0;
    int k = 0;

    if (**s != '.')
        return 0;
    (*s)++;
    for (; isdigit((unsigned char)**s); (*s)++, k++)
        if (k < 3)
            ms = ms * 10 + (**s - '0');
    for (; k < 3; k++)
        ms *= 10;
    return ms;
}

int cst_def_parse_duration(int64_t *out_ms, const char *s)
{
    const char *p = s;
    int64_t h = 0;
    int mi, sec;
    int64_t ms;

    if (!isdigit((unsigned char)*p))
        return GV_EPARSE;
    for (; isdigit((unsigned char)*p); p++) {
        h = h * 10 + (*p - '0');
        if (h > 24 * 366)
            return GV_EPARSE;
    }
    if (*p != ':' || !digits(p + 1, 2) || p[3] != ':' || !digits(p + 4, 2))
        return GV_EPARSE;
    mi = num(p + 1, 2);
    sec = num(p + 4, 2);
    if (mi > 59 || sec > 59)
        return GV_EPARSE;
    p += 6;
    ms = fraction_ms(&p);
    if (*p)
        return GV_EPARSE;
    *out_ms = ((h * 60 + mi) * 60 + sec) * 1000 + ms;
    return 0;
}

/* --- Keys ------------------------------------------------------------------ */

static bool slug_ok(const char *s)
{
    size_t n = strlen(s);

    if (!n || n > 64 || !(islower((unsigned char)s[0]) || isdigit((unsigned char)s[0])))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '-'))
            return false;
    return true;
}

static bool label_ok(const char *s)
{
    size_t n = strlen(s);

    if (n < 1 || n > 4 || !isupper((unsigned char)s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool color_ok(const char *s)
{
    if (strlen(s) != 7 || s[0] != '#')
        return false;
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

static bool username_ok(const char *s)
{
    size_t n = strlen(s);

    if (n < 3 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("_.-", s[i]))
            return false;
    return true;
}

/* The name's letters and digits, lowercased, other runs as one '-'. */
static void slug_from_name(char *slug, size_t cap, const char *name)
{
    size_t n = 0;

    for (const char *p = name; *p && n + 1 < cap && n < 64; p++) {
        if (isalnum((unsigned char)*p) && !((unsigned char)*p & 0x80))
            slug[n++] = (char)tolower((unsigned char)*p);
        else if (n && slug[n - 1] != '-')
            slug[n++] = '-';
    }
    while (n && slug[n - 1] == '-')
        n--;
    slug[n] = '\0';
}

/* Walks a mapping; `known` lists its keys. A key not in it, a repeated one
 * or a key that is not a string is an error naming it. */
static int check_keys(struct ctx *c, yaml_node_t *map, const char *where, const char *const *known)
{
    for (yaml_node_pair_t *a = map->data.mapping.pairs.start; a < map->data.mapping.pairs.top;
         a++) {
        yaml_node_t *k = node(c, a->key);
        const char *ks = scalar(k);
        size_t i;

        if (!ks)
            return fail(c, k, where, "keys must be strings");
        for (i = 0; known[i] && strcmp(known[i], ks); i++)
            ;
        if (!known[i])
            return fail(c, k, ks, "unknown key%s%s", where ? " in " : "", where ? where : "");
        for (yaml_node_pair_t *b = map->data.mapping.pairs.start; b < a; b++) {
            const char *bs = scalar(node(c, b->key));
            if (bs && !strcmp(bs, ks))
                return fail(c, k, ks, "given twice");
        }
    }
    return 0;
}

/* The value of `key` in `map`, NULL when absent or null ("key:", "~"). */
static yaml_node_t *get(struct ctx *c, yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const char *ks = scalar(node(c, p->key));
        yaml_node_t *v;
        const char *vs;

        if (!ks || strcmp(ks, key))
            continue;
        v = node(c, p->value);
        vs = scalar(v);
        if (vs && v->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            (!*vs || !strcmp(vs, "~") || !strcasecmp(vs, "null")))
            return NULL;
        return v;
    }
    return NULL;
}

static int get_number(struct ctx *c, yaml_node_t *n, const char *key, double min, double max,
                      double *out)
{
    const char *s = scalar(n);
    char *end;
    double v;

    if (!s || !*s || strchr(s, 'x') || strchr(s, 'X'))
        return fail(c, n, key, "expected a number");
    errno = 0;
    v = strtod(s, &end);
    if (*end || errno || !isfinite(v))
        return fail(c, n, key, "expected a number, got '%.40s'", s);
    if (v < min || v > max)
        return fail(c, n, key, "%g is out of range (%g to %g)", v, min, max);
    *out = v;
    return 0;
}

static int read_problems(struct ctx *c, struct cst_def *d, yaml_node_t *list)
{
    static const char *const keys[] = {"slug", "label", "color", "points", NULL};
    size_t n;
    int err;

    if (!list)
        return fail(c, NULL, "problems", "missing: a contest needs at least one problem");
    if (list->type != YAML_SEQUENCE_NODE)
        return fail(c, list, "problems", "expected a list");
    n = (size_t)(list->data.sequence.items.top - list->data.sequence.items.start);
    if (n < 1 || n > CST_DEF_PROBLEMS_MAX)
        return fail(c, list, "problems", "%zu problems (1 to %d)", n, CST_DEF_PROBLEMS_MAX);
    d->problems = gv_calloc(n, sizeof(*d->problems));
    if (!d->problems)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *p = node(c, list->data.sequence.items.start[i]), *v;
        struct cst_def_problem *pr = &d->problems[i];

        if (!p || p->type != YAML_MAPPING_NODE)
            return fail(c, p, "problems", "each entry must be a mapping with slug and label");
        if ((err = check_keys(c, p, "a problem", keys)) < 0)
            return err;
        pr->line = (int)p->start_mark.line + 1;
        pr->points = 1;
        if (!(v = get(c, p, "slug")))
            return fail(c, p, "problems", "an entry has no slug");
        if ((err = copy_str(c, v, "slug", pr->slug, sizeof(pr->slug), true)) < 0)
            return err;
        if (!slug_ok(pr->slug))
            return fail(c, v, "slug", "'%s' is not a problem slug (lowercase letters, digits "
                                      "and '-')", pr->slug);
        if (!(v = get(c, p, "label")))
            return fail(c, p, "problems", "problem '%s' has no label", pr->slug);
        if ((err = copy_str(c, v, "label", pr->label, sizeof(pr->label), true)) < 0)
            return err;
        if (!label_ok(pr->label))
            return fail(c, v, "label", "'%s' is not a label (A to ZZZZ: a capital letter, then "
                                       "up to 3 capitals or digits)", pr->label);
        if ((v = get(c, p, "color"))) {
            if ((err = copy_str(c, v, "color", pr->color, sizeof(pr->color), true)) < 0)
                return err;
            if (!color_ok(pr->color))
                return fail(c, v, "color", "'%s' is not #rrggbb", pr->color);
        }
        if ((v = get(c, p, "points")) &&
            (err = get_number(c, v, "points", 0, 1e6, &pr->points)) < 0)
            return err;
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(d->problems[j].label, pr->label))
                return fail(c, get(c, p, "label"), "label",
                            "'%s' is already problem %s's (line %d)", pr->label,
                            d->problems[j].slug, d->problems[j].line);
            if (!strcmp(d->problems[j].slug, pr->slug))
                return fail(c, get(c, p, "slug"), "slug", "'%s' is listed twice (line %d)",
                            pr->slug, d->problems[j].line);
        }
        d->nproblems = i + 1;
    }
    return 0;
}

static int read_participants(struct ctx *c, struct cst_def *d, yaml_node_t *v)
{
    const char *s = scalar(v);
    size_t n;

    d->open_registration = true;
    if (!v)
        return 0;
    if (s) {
        if (strcmp(s, "open"))
            return fail(c, v, "participants", "expected 'open' or a list of usernames");
        return 0;
    }
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(c, v, "participants", "expected 'open' or a list of usernames");
    n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    if (n > CST_DEF_PARTICIPANTS_MAX)
        return fail(c, v, "participants", "%zu names (at most %d)", n, CST_DEF_PARTICIPANTS_MAX);
    d->open_registration = false;
    d->participants = gv_calloc(n ? n : 1, sizeof(*d->participants));
    if (!d->participants)
        return -ENOMEM;
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *u = node(c, v->data.sequence.items.start[i]);
        struct cst_def_participant *p = &d->participants[i];

        s = scalar(u);
        if (!s || !username_ok(s))
            return fail(c, u, "participants", "'%.40s' is not a username", s ? s : "(not a string)");
        snprintf(p->username, sizeof(p->username), "%s", s);
        p->line = (int)u->start_mark.line + 1;
        d->nparticipants = i + 1;
    }
    /* Repeats are an error, case-insensitively as usernames are: quadratic
     * only in the length of the list an organizer typed. */
    for (size_t i = 1; i < d->nparticipants && d->nparticipants <= 5000; i++)
        for (size_t j = 0; j < i; j++)
            if (!strcasecmp(d->participants[i].username, d->participants[j].username))
                return fail(c, node(c, v->data.sequence.items.start[i]), "participants",
                            "'%s' is listed twice (line %d)", d->participants[i].username,
                            d->participants[j].line);
    return 0;
}

static const char *const medal_keys[] = {"gold", "silver", "bronze", NULL};

/* medals: {gold: 4, silver: 4, bronze: 4}, each optional, whole places. */
static int read_medals(struct ctx *c, struct cst_def *d, yaml_node_t *v)
{
    int err;

    if (v->type != YAML_MAPPING_NODE)
        return fail(c, v, "medals", "expected a mapping of gold, silver and bronze counts");
    if ((err = check_keys(c, v, "medals", medal_keys)) < 0)
        return err;
    for (int i = 0; i < CST_MEDAL_KINDS; i++) {
        yaml_node_t *n = get(c, v, medal_keys[i]);
        double count;

        if (!n)
            continue;
        if ((err = get_number(c, n, medal_keys[i], 0, CST_MEDALS_MAX, &count)) < 0)
            return err;
        if (count != floor(count))
            return fail(c, n, medal_keys[i], "a whole number of places, please");
        d->medals[i] = (int)count;
    }
    return 0;
}

static int read_root(struct ctx *c, struct cst_def *d, yaml_node_t *root)
{
    static const char *const keys[] = {"name", "slug", "start_time", "duration",
                                       "scoreboard_freeze_duration", "penalty_time", "scoring",
                                       "unfreeze", "unfreeze_delay", "problems", "participants",
                                       "medals", NULL};
    yaml_node_t *v;
    const char *s;
    int64_t duration = 0, freeze = 0;
    double penalty = 20;
    int err;

    if (!root || root->type != YAML_MAPPING_NODE)
        return fail(c, root, NULL, "expected a mapping of keys (name, start_time, ...)");
    if ((err = check_keys(c, root, NULL, keys)) < 0)
        return err;

    if (!(v = get(c, root, "name")))
        return fail(c, root, "name", "missing");
    if ((err = copy_str(c, v, "name", d->name, NAME_MAX_BYTES + 1, true)) < 0)
        return err;
    if ((v = get(c, root, "slug"))) {
        if ((err = copy_str(c, v, "slug", d->slug, sizeof(d->slug), true)) < 0)
            return err;
        if (!slug_ok(d->slug))
            return fail(c, v, "slug", "'%s': lowercase letters, digits and '-', starting with "
                                      "a letter or digit, at most 64", d->slug);
    } else {
        slug_from_name(d->slug, sizeof(d->slug), d->name);
        if (!slug_ok(d->slug))
            return fail(c, get(c, root, "name"), "slug",
                        "cannot be made from the name; give one");
    }

    if (!(v = get(c, root, "start_time")))
        return fail(c, root, "start_time", "missing");
    if (!(s = scalar(v)) || cst_def_parse_time(&d->starts_at_ms, s) < 0)
        return fail(c, v, "start_time", "expected ISO 8601 with an offset "
                                        "(2026-12-05T18:00:00+01:00), got '%.40s'",
                    s ? s : "(not a string)");
    if (!(v = get(c, root, "duration")))
        return fail(c, root, "duration", "missing");
    if (!(s = scalar(v)) || cst_def_parse_duration(&duration, s) < 0)
        return fail(c, v, "duration", "expected H:MM:SS, got '%.40s'", s ? s : "(not a string)");
    if (duration <= 0 || duration > DURATION_MAX_MS)
        return fail(c, v, "duration", "the end must come after the start, within a year");
    d->ends_at_ms = d->starts_at_ms + duration;
    if ((v = get(c, root, "scoreboard_freeze_duration"))) {
        if (!(s = scalar(v)) || cst_def_parse_duration(&freeze, s) < 0)
            return fail(c, v, "scoreboard_freeze_duration", "expected H:MM:SS, got '%.40s'",
                        s ? s : "(not a string)");
        if (freeze > duration)
            return fail(c, v, "scoreboard_freeze_duration",
                        "longer than the contest (the freeze would come before the start)");
        if (freeze > 0)
            d->freezes_at_ms = d->ends_at_ms - freeze;
    }
    if ((v = get(c, root, "penalty_time")) &&
        (err = get_number(c, v, "penalty_time", 0, 1440, &penalty)) < 0)
        return err;
    if (penalty != floor(penalty))
        return fail(c, get(c, root, "penalty_time"), "penalty_time", "whole minutes, please");
    d->penalty_minutes = (int)penalty;
    d->scoring = CST_SCORING_ICPC;
    if ((v = get(c, root, "scoring"))) {
        s = scalar(v);
        if (s && !strcmp(s, "ioi"))
            d->scoring = CST_SCORING_IOI;
        else if (!s || strcmp(s, "icpc"))
            return fail(c, v, "scoring", "expected icpc or ioi, got '%.40s'",
                        s ? s : "(not a string)");
    }
    if ((v = get(c, root, "unfreeze"))) {
        s = scalar(v);
        if (s && !strcmp(s, "auto"))
            d->unfreeze_auto = true;
        else if (!s || strcmp(s, "manual"))
            return fail(c, v, "unfreeze", "expected manual or auto, got '%.40s'",
                        s ? s : "(not a string)");
    }
    if ((v = get(c, root, "unfreeze_delay"))) {
        if (!d->unfreeze_auto)
            return fail(c, v, "unfreeze_delay", "only with unfreeze: auto (a manual unfreeze "
                                                "happens when an organizer says)");
        if (!(s = scalar(v)) || cst_def_parse_duration(&d->unfreeze_delay_ms, s) < 0 ||
            d->unfreeze_delay_ms > DURATION_MAX_MS)
            return fail(c, v, "unfreeze_delay", "expected H:MM:SS, got '%.40s'",
                        s ? s : "(not a string)");
    }
    if ((v = get(c, root, "medals")) && (err = read_medals(c, d, v)) < 0)
        return err;
    if ((err = read_problems(c, d, get(c, root, "problems"))) < 0)
        return err;
    return read_participants(c, d, get(c, root, "participants"));
}

int cst_def_parse(struct cst_def *out, const char *file, const char *text, size_t len, char *err,
                  size_t err_len)
{
    struct ctx c = {.file = file ? file : "contest.yaml", .err = err, .err_len = err_len};
    yaml_parser_t parser;
    int rc;

    memset(out, 0, sizeof(*out));
    if (err_len)
        err[0] = '\0';
    if (len > CST_DEF_TEXT_MAX)
        return fail(&c, NULL, NULL, "larger than %d bytes", CST_DEF_TEXT_MAX);
    if (!yaml_parser_initialize(&parser))
        return -ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &c.doc)) {
        rc = parser.error == YAML_MEMORY_ERROR ? -ENOMEM : GV_EPARSE;
        if (rc == GV_EPARSE && err_len)
            snprintf(err, err_len, "%s:%zu: YAML syntax error: %s%s%s", c.file,
                     parser.problem_mark.line + 1, parser.problem ? parser.problem : "unknown",
                     parser.context ? " " : "", parser.context ? parser.context : "");
        yaml_parser_delete(&parser);
        return rc;
    }
    yaml_parser_delete(&parser);
    rc = read_root(&c, out, yaml_document_get_root_node(&c.doc));
    yaml_document_delete(&c.doc);
    if (rc < 0)
        cst_def_release(out);
    return rc;
}

void cst_def_release(struct cst_def *d)
{
    gv_free(d->problems);
    gv_free(d->participants);
    memset(d, 0, sizeof(*d));
}

void cst_def_schedule(struct cst_schedule *out, const struct cst_def *d)
{
    out->starts_at = d->starts_at_ms;
    out->freezes_at = d->freezes_at_ms;
    out->ends_at = d->ends_at_ms;
    out->unfrozen_at = d->unfreeze_auto ? d->ends_at_ms + d->unfreeze_delay_ms : 0;
}

/* --- Changing a stored contest ---------------------------------------------- */

int cst_def_update_check(const struct cst_def *old, const struct cst_def *new, int64_t now_ms,
                         bool force, char *err, size_t err_len)
{
    if (err_len)
        err[0] = '\0';
    if (strcmp(old->slug, new->slug))
        return gv_err_say(err, err_len, GV_EINVAL, "slug: a contest keeps its slug ('%s')",
                          old->slug);
    if (now_ms < old->starts_at_ms)
        return 0;
    if (new->starts_at_ms != old->starts_at_ms)
        return gv_err_say(err, err_len, GV_EINVAL,
                          "start_time: the contest has started; its start stays");
    if (new->ends_at_ms != old->ends_at_ms && new->ends_at_ms <= now_ms)
        return gv_err_say(err, err_len, GV_EINVAL, "duration: the new end is in the past");
    if (new->freezes_at_ms != old->freezes_at_ms && new->freezes_at_ms &&
        new->freezes_at_ms < now_ms)
        return gv_err_say(err, err_len, GV_EINVAL,
                          "scoreboard_freeze_duration: the new freeze is in the past");
    if (!force && (new->penalty_minutes != old->penalty_minutes || new->scoring != old->scoring))
        return gv_err_say(err, err_len, GV_EINVAL,
                          "penalty_time and scoring change the standings of a running "
                          "contest: give --force to change them");
    for (size_t i = 0; i < old->nproblems; i++) {
        const struct cst_def_problem *o = &old->problems[i];
        size_t j;

        for (j = 0; j < new->nproblems && strcmp(new->problems[j].slug, o->slug); j++)
            ;
        if (j == new->nproblems)
            return gv_err_say(err, err_len, GV_EINVAL,
                              "problems: %s (%s) cannot leave a started contest", o->label,
                              o->slug);
        if (strcmp(new->problems[j].label, o->label))
            return gv_err_say(err, err_len, GV_EINVAL,
                              "problems: %s keeps its label %s once the contest started", o->slug,
                              o->label);
    }
    return 0;
}

/* --- Writing one ------------------------------------------------------------ */

void cst_def_format_time(char *buf, int64_t ms)
{
    gv_time_iso_format(buf, ms, 0, true);
}

void cst_def_format_duration(char *buf, int64_t ms)
{
    int64_t s = ms / 1000;

    if (ms % 1000)
        snprintf(buf, CST_DEF_TIME_TEXT, "%lld:%02d:%02d.%03d", (long long)(s / 3600),
                 (int)(s / 60 % 60), (int)(s % 60), (int)(ms % 1000));
    else
        snprintf(buf, CST_DEF_TIME_TEXT, "%lld:%02d:%02d", (long long)(s / 3600),
                 (int)(s / 60 % 60), (int)(s % 60));
}

/* Appends to a buffer, remembering the first failure so that the writer
 * checks once at the end. */
struct writer {
    struct gv_buf b;
    int err;
};

static void w_printf(struct writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void w_printf(struct writer *w, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(line))
        w->err = w->err ? w->err : GV_ETOOBIG;
    else if (!w->err)
        w->err = gv_buf_append(&w->b, line, (size_t)n);
}

/* A double-quoted YAML scalar: the one style that can carry any text. */
static void w_quoted(struct writer *w, const char *s)
{
    w_printf(w, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if (ch == '"' || ch == '\\')
            w_printf(w, "\\%c", ch);
        else if (ch < 0x20 || ch == 0x7f)
            w_printf(w, "\\x%02x", ch);
        else
            w_printf(w, "%c", ch);
    }
    w_printf(w, "\"");
}

int cst_def_format(char **out, const struct cst_def *d)
{
    char t[CST_DEF_TIME_TEXT];
    struct writer w = {0};
    size_t len;

    *out = NULL;
    gv_buf_init(&w.b, (size_t)CST_DEF_TEXT_MAX * 2 + (size_t)d->nparticipants * 48);
    w_printf(&w, "name: ");
    w_quoted(&w, d->name);
    w_printf(&w, "\nslug: %s\n", d->slug);
    cst_def_format_time(t, d->starts_at_ms);
    w_printf(&w, "start_time: %s\n", t);
    cst_def_format_duration(t, d->ends_at_ms - d->starts_at_ms);
    w_printf(&w, "duration: %s\n", t);
    if (d->freezes_at_ms) {
        cst_def_format_duration(t, d->ends_at_ms - d->freezes_at_ms);
        w_printf(&w, "scoreboard_freeze_duration: %s\n", t);
    }
    w_printf(&w, "penalty_time: %d\nscoring: %s\nunfreeze: %s\n", d->penalty_minutes,
             d->scoring == CST_SCORING_IOI ? "ioi" : "icpc", d->unfreeze_auto ? "auto" : "manual");
    if (d->unfreeze_delay_ms) {
        cst_def_format_duration(t, d->unfreeze_delay_ms);
        w_printf(&w, "unfreeze_delay: %s\n", t);
    }
    if (d->medals[CST_MEDAL_GOLD] || d->medals[CST_MEDAL_SILVER] || d->medals[CST_MEDAL_BRONZE])
        w_printf(&w, "medals: {gold: %d, silver: %d, bronze: %d}\n", d->medals[CST_MEDAL_GOLD],
                 d->medals[CST_MEDAL_SILVER], d->medals[CST_MEDAL_BRONZE]);
    w_printf(&w, "problems:\n");
    for (size_t i = 0; i < d->nproblems; i++) {
        const struct cst_def_problem *p = &d->problems[i];

        w_printf(&w, "  - slug: %s\n    label: %s\n", p->slug, p->label);
        if (p->color[0])
            w_printf(&w, "    color: \"%s\"\n", p->color);
        w_printf(&w, "    points: %.17g\n", p->points);
    }
    if (d->open_registration)
        w_printf(&w, "participants: open\n");
    else
        w_printf(&w, "participants:%s\n", d->nparticipants ? "" : " []");
    for (size_t i = 0; !d->open_registration && i < d->nparticipants; i++)
        w_printf(&w, "  - %s\n", d->participants[i].username);
    if (w.err) {
        gv_buf_release(&w.b);
        return w.err;
    }
    *out = gv_buf_detach(&w.b, &len);
    return 0;
}
