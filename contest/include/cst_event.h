/* SPDX-License-Identifier: MIT
 * cst_event.h - the one definition of every live event.
 *
 * An event is what the platform tells the outside world happened: a
 * submission's judging progressed or ended, a contestant's scoreboard row
 * changed, an organizer announced something. Each has a type (below), the
 * ids that route it, and a payload per type. This header is the only place
 * that knows their JSON shapes: gavel-judge and gavel-server encode with
 * cst_event_encode, every reader (the server's live thread, resume, the
 * tests, later the CLICS feed) decodes with cst_event_decode, so a change of
 * shape is one change here and fails the round-trip test if it is not
 * symmetric.
 *
 * Each type also carries its rules, so no reader has to recognise a type by
 * its name: whether it is durable (recorded in PostgreSQL's `events` log
 * before it is published, so it survives any restart), who may see it
 * (cst_event_audience), and which newer event makes an unsent one moot
 * (cst_event_coalesce). db_event.h records and publishes events;
 * docs/PROTOCOL.md ("Events") shows the shapes. */
#ifndef CST_EVENT_H
#define CST_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cst.h"

struct cJSON;
struct cst_event;

/* Append only: a type's number is never stored (its name is), but tests and
 * tables index by it. */
enum cst_event_type {
    CST_EVENT_JUDGING_STATE,        /* "judging.state": compiling, running */
    CST_EVENT_JUDGING_TEST,         /* "judging.test": one test's result */
    CST_EVENT_JUDGING_VERDICT,      /* "judging.verdict": the final verdict (durable) */
    CST_EVENT_CONTEST_ROW,          /* "contest.scoreboard": one contestant's public row */
    CST_EVENT_CONTEST_ANNOUNCEMENT, /* "contest.announcement" (durable) */
    CST_EVENT_CONTEST_PHASE,        /* "contest.phase": started, frozen, ended... (durable) */
    CST_EVENT_CONTEST_CLAR,         /* "contest.clarification": asked or answered (durable) */
    /* For the servers only, never a client: what their caches must drop. */
    CST_EVENT_SESSION_ENDED,   /* "session.ended": a user's sessions, or rights, changed */
    CST_EVENT_CONTEST_CHANGED, /* "contest.changed": an edit or a registration */
    CST_EVENT_TYPE_COUNT,
};

/* Who may see an event besides its `user_id` (who always may). */
enum cst_event_audience {
    /* Only those who may read the submission: its author (the event's
     * user) and organizers who subscribed to it. Never a contest's other
     * subscribers: a verdict would leak, above all during a freeze. */
    CST_AUDIENCE_SUBMISSION,
    /* Every subscriber of the event's contest: the content is already the
     * public view (a frozen row shows only pending attempts). */
    CST_AUDIENCE_CONTEST,
    /* The contest's subscribers and whoever watches the list of contests. */
    CST_AUDIENCE_PUBLIC,
    /* Its user and the jury among the contest's subscribers: a question,
     * a private answer. */
    CST_AUDIENCE_JURY,
    /* No client: the servers act on it (each cache drops what it names:
     * another server's logout, role change, contest edit, registration). */
    CST_AUDIENCE_SERVERS,
};

/* Which unsent, older event a newer one replaces in a slow connection's
 * queue: the newer carries the whole state the older did. */
enum cst_event_coalesce {
    CST_COALESCE_NEVER,         /* each one matters (verdicts, announcements) */
    CST_COALESCE_SUBMISSION,    /* the latest of this type for the submission */
    CST_COALESCE_CONTESTANT,    /* the latest of this type for (contest, user) */
};

struct cst_event_info {
    const char *name; /* the type as it appears on the wire and in `events.type` */
    bool durable;
    enum cst_event_audience audience;
    enum cst_event_coalesce coalesce;
};

/* The rules of a type; `type` must be valid. */
const struct cst_event_info *cst_event_info(enum cst_event_type type);
/* Who may see this event: its type's audience, except that a public
 * clarification is for the whole contest. */
enum cst_event_audience cst_event_audience(const struct cst_event *ev);
/* The type named `name`: 0, or GV_ENOTFOUND. */
int cst_event_type_parse(enum cst_event_type *out, const char *name);

/* Limits a decoder enforces on what it reads (the stream may be shared with
 * other tools, and a reader must never trust a length it did not check). */
#define CST_EVENT_TEXT_MAX 4096   /* announcement text, bytes */
#define CST_EVENT_CELLS_MAX 64    /* problems in one scoreboard row */
#define CST_EVENT_VERDICT_MAX 8   /* "TLE" and friends, NUL included */

enum cst_judging_state { CST_JUDGING_COMPILING, CST_JUDGING_RUNNING };

struct cst_event_cell {
    char label[8]; /* "A".."ZZZZ" */
    bool solved, first;
    int tries, pending;
    double score;
    int64_t time_min; /* contest minute of the solve; meaningful when solved */
};

/* A problem as a phase change reveals it (the start shows the set). */
struct cst_event_problem {
    char label[8];
    char slug[65];
    char color[8]; /* "#rrggbb" or "" */
};

/* A clarification's whole state after a change (asked, answered,
 * broadcast): a reader keeps the newest per id. */
struct cst_event_clar {
    int64_t clar_id;
    char problem[8]; /* a label, or "" for the contest in general */
    bool is_public;  /* every participant sees it (the answer made it so) */
    char *question;  /* NULL for a broadcast; owned */
    char *answer;    /* NULL until answered; owned */
    int64_t asked_at_ms, answered_at_ms; /* 0 when not (yet) */
};

struct cst_event_phase {
    enum cst_phase phase;
    int64_t at_ms; /* when the contest entered it (the stored time) */
    size_t nproblems;
    struct cst_event_problem *problems; /* the set, at the start; owned */
};

/* One contestant's row as the public sees it. Live rows carry no rank: a
 * rank depends on every other row, which the writer of one row does not
 * read; clients rank the rows they hold (docs/PROTOCOL.md). */
struct cst_event_row {
    char username[40];
    char display_name[260];
    int solved;
    int64_t penalty; /* minutes (ICPC) */
    double score;    /* IOI total */
    size_t ncells;
    struct cst_event_cell *cells; /* ncells, owned by the event */
};

struct cst_event {
    enum cst_event_type type;
    /* Its position in the durable log (`events.id`) and the time it was
     * recorded (ms since the epoch); 0 until db_event_insert, and always 0
     * for events that are not durable. */
    int64_t seq;
    int64_t at_ms;
    /* Routing ids, 0 when absent. `user_id` is the user the event is about
     * (the submission's author, the row's contestant): that user always
     * receives it. */
    int64_t submission_id, user_id, contest_id;
    union {
        struct {
            enum cst_judging_state state;
        } state;
        struct {
            int test, tests; /* 1-based test number, of how many */
            char verdict[CST_EVENT_VERDICT_MAX];
            int64_t cpu_ms, memory_kb;
        } test;
        struct {
            int64_t problem_id, judging_id;
            char verdict[CST_EVENT_VERDICT_MAX];
            double score;
            int64_t max_time_ms, max_memory_kb;
        } verdict;
        struct {
            bool frozen;
            struct cst_event_row row;
        } row;
        struct {
            int64_t author_id; /* not a routing id: the author is not its audience */
            char *text;        /* owned by the event */
        } announcement;
        struct cst_event_phase phase;
        struct cst_event_clar clar;
    } u;
};

/* A zeroed event of `type`. */
void cst_event_init(struct cst_event *ev, enum cst_event_type type);
/* Frees what the event owns; it is as after cst_event_init of its type. */
void cst_event_release(struct cst_event *ev);

/* The payload as a JSON object (the `data` of a push, the `payload` of a
 * log row): the caller owns it (cJSON_Delete). NULL when out of memory or
 * the event is invalid (see cst_event_valid). */
struct cJSON *cst_event_to_json(const struct cst_event *ev);
/* The same as text, gv_malloc'd, NUL-terminated; *len (optional) its
 * length. GV_EINVAL for an invalid event, -ENOMEM. */
int cst_event_encode(char **out, size_t *len, const struct cst_event *ev);

/* One row's JSON object, as in the event and in board snapshots (which add
 * its "rank"); the caller owns it. NULL when out of memory. */
struct cJSON *cst_event_row_to_json(int64_t user_id, const struct cst_event_row *row);
/* One cell's JSON object, as in a row's "cells"; the caller owns it. */
struct cJSON *cst_event_cell_to_json(const struct cst_event_cell *cell);

/* Reads the payload of an event of `type`. GV_EPARSE when `data` is not
 * the shape this header defines (a missing or mistyped field, an id out of
 * range, a string past its limit); `out` is then released. Unknown fields
 * are ignored, so a newer writer may add some. */
int cst_event_from_json(struct cst_event *out, enum cst_event_type type, const struct cJSON *data);
/* The same from `len` bytes of JSON text, and a type given by name
 * (GV_EPARSE for an unknown one). */
int cst_event_decode(struct cst_event *out, const char *type, const char *data, size_t len);

/* Whether an event is complete for its type: the ids it needs are set, its
 * strings are within their limits. */
bool cst_event_valid(const struct cst_event *ev);

#endif
