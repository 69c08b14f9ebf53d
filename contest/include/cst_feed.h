/* SPDX-License-Identifier: MIT
 * cst_feed.h - a contest rebuilt from a CLICS event feed, and its board.
 *
 * The feed is applied one line (one notification) at a time, in order:
 * creates, updates and deletes of the contest, state, judgement-types,
 * problems, teams, submissions and judgements. The board is then
 * cst_board_compute's over the attempts the feed describes, shaped by
 * cst_clics_scoreboard: the same rules and the same bytes as the server's
 * GET /contests/{id}/scoreboard. No I/O here: `gavel contest replay` reads
 * the file (plain or zstd) and feeds the lines.
 *
 * Accepted shapes: the 2023-06 notification {"type","id","data","token"}
 * (data null deletes; id null with an array replaces the collection), and
 * the 2020-03..2022-07 events {"type","id","op","data"} and
 * {"event","id","op","data"} whose op is create, update or delete and
 * whose object id is data.id. */
#ifndef CST_FEED_H
#define CST_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cst.h"

struct cJSON;
struct cst_feed;

/* Longest line taken: far above any real notification. */
#define CST_FEED_LINE_MAX (1024 * 1024)

/* 0 or -ENOMEM. Free with cst_feed_free (NULL is a no-op). */
int cst_feed_new(struct cst_feed **out);
void cst_feed_free(struct cst_feed *f);

/* Applies one notification (`line`, `len` bytes, no newline; an empty or
 * blank line is a keep-alive and does nothing). On error `err` says why,
 * without the line number (the caller knows it), and the feed is as it
 * was before this line:
 *   GV_EPARSE     not JSON, or not a notification, or a field of the wrong
 *                 type or format (a time that does not parse);
 *   GV_ENOTFOUND  a judgement for a submission the feed never created;
 *   GV_ETOOBIG    past CST_FEED_LINE_MAX;
 *   -ENOMEM. */
int cst_feed_apply(struct cst_feed *f, const char *line, size_t len, char *err, size_t errsize);

/* Notifications of a type this replay does not know (not in the spec, or
 * an extension like "map-info"), skipped; and of known types it does not
 * need (groups, organizations, languages, clarifications...), ignored. */
size_t cst_feed_unknown(const struct cst_feed *f);

/* The scoreboard object at contest time `at_ms` (INT64_MAX: everything
 * the feed holds): submissions made at or before it, judgements ended by
 * it. `jury`: every verdict; else the public view, where an attempt made
 * from the freeze on is pending until the feed's state says thawed.
 * *out is the caller's (cJSON_Delete). GV_EINVAL when the feed has no
 * contest object (or its start time is unknown); -ENOMEM. */
int cst_feed_scoreboard(struct cJSON **out, const struct cst_feed *f, bool jury, int64_t at_ms);

/* The contest as the feed leaves it, for `gavel contest import`: its live
 * objects (deleted ones are gone, updates applied). Every string points
 * into the feed: valid until the feed is changed or freed. */
struct cst_feed_problem {
    const char *id, *label, *name; /* label, name: NULL when the feed gave none */
};

struct cst_feed_team {
    const char *id, *name; /* name: display_name, else name; NULL when neither */
    bool hidden;
};

struct cst_feed_submission {
    const char *id, *team_id, *problem_id, *language_id; /* language_id may be NULL */
    int64_t at_ms;                                       /* contest time */
    uint64_t seq;                                        /* its place in the feed */
    /* Its judgement that counts (the latest created); judgement_id NULL
     * when it has none, jtype NULL while that one is judging. */
    const char *judgement_id, *jtype;
    enum cst_outcome outcome; /* PENDING also for a type neither the feed nor the spec defines */
    int64_t judge_start_ms, judge_end_ms; /* contest times; INT64_MIN when not given */
    double score;                         /* IOI */
};

struct cst_feed_contest {
    const char *id, *name; /* name: formal_name, else name; NULL when neither */
    int64_t start_ms;      /* epoch */
    int64_t duration_ms;
    int64_t freeze_ms; /* scoreboard_freeze_duration; -1 without a freeze */
    int penalty_minutes;
    bool ioi;
    int64_t thawed_ms;                 /* epoch; 0 when the state has none */
    struct cst_feed_problem *problems; /* in board (ordinal) order */
    struct cst_feed_team *teams;       /* hidden ones included */
    struct cst_feed_submission *subs;  /* in feed order */
    size_t nproblems, nteams, nsubs;
};

/* Fills *out (release with cst_feed_export_release). GV_EINVAL when the
 * feed has no contest with a start time; -ENOMEM. */
int cst_feed_export(struct cst_feed_contest *out, const struct cst_feed *f);
void cst_feed_export_release(struct cst_feed_contest *c);

#endif
