/* SPDX-License-Identifier: MIT
 * cst_clics.h - the CLICS Contest API's encodings (ICPC ccs-specs, version
 * 2023-06), in one place: relative and absolute times, judgement types and
 * the scoreboard object.
 *
 * Everything that speaks CLICS (the server's /api/clics/ endpoints, `gavel
 * contest replay`) formats through here, so the replayed board and the one
 * the server serves are the same bytes for the same attempts. The board
 * itself is cst_board_compute's: this file only names and shapes it. */
#ifndef CST_CLICS_H
#define CST_CLICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cst.h"

struct cJSON;

/* Room for any RELTIME ("-2562047788015:12:55.808" at worst) and TIME
 * ("-292278994-08-17T07:12:55.808+23:59" at worst), NUL included. */
#define CST_CLICS_RELTIME_MAX 32
#define CST_CLICS_TIME_MAX 48

/* RELTIME: `ms` as "h:mm:ss.uuu", hours unbounded, "-h:mm:ss.uuu" when
 * negative (a contest time before the start). */
void cst_clics_reltime(char out[CST_CLICS_RELTIME_MAX], int64_t ms);
/* Parses a RELTIME: "[-]h:mm:ss[.uuu]" (one to three fraction digits; more
 * are read and truncated to milliseconds). 0 or GV_EPARSE. */
int cst_clics_reltime_parse(int64_t *out, const char *s);

/* TIME: `epoch_ms` as ISO 8601 in the zone `offset_min` minutes east of
 * UTC, e.g. "2024-04-18T11:47:59.000+02:00" (UTC is "+00:00"). */
void cst_clics_time(char out[CST_CLICS_TIME_MAX], int64_t epoch_ms, int offset_min);
/* Parses a TIME: "yyyy-mm-ddThh:mm:ss[.uuu](Z|[+-]hh[:mm]|[+-]hhmm)".
 * *offset_min (may be NULL) gets the zone it was written in. 0 or
 * GV_EPARSE. */
int cst_clics_time_parse(int64_t *out, int *offset_min, const char *s);

/* A judgement type: the spec's known ids with their meaning. */
struct cst_clics_jtype {
    const char *id;   /* "AC", "WA", ... */
    const char *name; /* "correct", "wrong answer", ... */
    bool penalty;     /* a rejected attempt that costs penalty time */
    bool solved;
};

/* The judgement types this platform gives: one per verdict it can reach. */
const struct cst_clics_jtype *cst_clics_jtypes(size_t *count);
/* The judgement type of one of our verdicts ("AC", "RE", ...: judge/'s
 * names as stored in submissions.verdict); NULL for a judge error ("JE",
 * which waits for a human and so is no judgement yet) or anything unknown. */
const char *cst_clics_jtype_of(const char *verdict);
/* How an attempt whose judgement type has these properties counts on the
 * board: accepted when it solves, rejected when it costs penalty time,
 * else ignored (a compile error). */
enum cst_outcome cst_clics_outcome(bool solved, bool penalty);

/* The state object's times, epoch milliseconds; 0 when not reached. */
struct cst_clics_state {
    int64_t started, frozen, ended, thawed, finalized, end_of_updates;
};

/* {"started","frozen","ended","thawed","finalized","end_of_updates"}, each
 * a TIME or null. *out is the caller's (cJSON_Delete). 0 or -ENOMEM. */
int cst_clics_state_json(struct cJSON **out, const struct cst_clics_state *s, int offset_min);

/* What names a board's teams and problems and dates it. */
struct cst_clics_board {
    int64_t time;         /* epoch ms: when this board holds */
    int64_t contest_time; /* ms since the start */
    int offset_min;       /* the zone TIMEs are written in */
    struct cst_clics_state state;
    enum cst_scoring scoring;
    const char *const *team_ids;    /* by the board's team index */
    const char *const *problem_ids; /* by problem index */
};

/* The scoreboard object of GET /contests/{id}/scoreboard:
 * {time, contest_time, state, rows:[{rank, team_id, score:{num_solved,
 * total_time} (IOI: {score}), problems:[{problem_id, num_judged,
 * num_pending, solved, time (minutes, when solved), first_to_solve}]}]},
 * rows in `b`'s rank order. 2023-06 gives total_time and time as whole
 * minutes (later drafts make them RELTIMEs). *out is the caller's
 * (cJSON_Delete). 0 or -ENOMEM. */
int cst_clics_scoreboard(struct cJSON **out, const struct cst_clics_board *info,
                         const struct cst_board *b);

#endif
