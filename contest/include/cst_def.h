/* SPDX-License-Identifier: MIT
 * cst_def.h - a contest's definition: the YAML file an organizer writes.
 *
 * The shape is the one ICPC tools use for contest.yaml, plus what Gavel
 * needs to run the contest:
 *
 *     name: Weekly Round 1                 # required, 1 to 200 bytes
 *     slug: weekly-1                       # optional: from the name
 *     start_time: 2026-12-05T18:00:00+01:00   # ISO 8601 with an offset (or Z)
 *     duration: 5:00:00                    # H:MM:SS
 *     scoreboard_freeze_duration: 1:00:00  # optional: the last hour is frozen
 *     penalty_time: 20                     # minutes, ICPC (default 20)
 *     scoring: icpc                        # icpc (default) or ioi
 *     unfreeze: manual                     # manual (default) or auto: final
 *                                          # standings at the end, or
 *     unfreeze_delay: 0:30:00              # this long after it (auto only)
 *     problems:                            # 1 to CST_DEF_PROBLEMS_MAX
 *       - slug: pair-sum                   # an imported problem
 *         label: A                         # A..ZZZZ, unique
 *         color: "#e74c3c"                 # optional, #rrggbb
 *         points: 100                      # optional, >= 0 (IOI weight)
 *     participants: open                   # open (default): anyone registers;
 *                                          # or a list of usernames
 *
 * Parsing checks everything that needs no database: unknown keys, types,
 * ranges, repeated labels or slugs, an end before the start. Whether the
 * problems and users exist is db/'s question; each problem and participant
 * keeps its line so that the answer can name it. Every error names the key
 * and the line: "contest.yaml:7: duration: expected H:MM:SS, got '5h'". */
#ifndef CST_DEF_H
#define CST_DEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gv_time.h"

#include "cst.h"

#define CST_DEF_PROBLEMS_MAX 64      /* as many as a scoreboard row carries */
#define CST_DEF_PARTICIPANTS_MAX 100000
#define CST_DEF_TEXT_MAX (1 << 20)   /* the file itself */

struct cst_def_problem {
    char slug[65];
    char label[8];
    char color[8]; /* "#rrggbb", or "" */
    double points; /* 1 unless given */
    int line;
};

struct cst_def_participant {
    char username[33];
    int line;
};

struct cst_def {
    char name[201];
    char slug[65];
    int64_t starts_at_ms, ends_at_ms;
    int64_t freezes_at_ms;   /* 0: no freeze */
    bool unfreeze_auto;      /* the final standings without an organizer... */
    int64_t unfreeze_delay_ms; /* ...this long after the end */
    int penalty_minutes;
    enum cst_scoring scoring;
    struct cst_def_problem *problems; /* nproblems, owned */
    size_t nproblems;
    bool open_registration;                   /* else only `participants` */
    struct cst_def_participant *participants; /* nparticipants, owned */
    size_t nparticipants;
    /* Medals by place on the final board (CST_MEDAL_*): 0 each when the
     * contest awards none. */
    int medals[CST_MEDAL_KINDS];
};

/* Parses `len` bytes of YAML named `file` (for messages). 0, or GV_EPARSE
 * with the reason in `err` (`err_len` bytes; "file:line: key: why") and
 * `out` released; -ENOMEM. */
int cst_def_parse(struct cst_def *out, const char *file, const char *text, size_t len, char *err,
                  size_t err_len);
void cst_def_release(struct cst_def *d);

/* The schedule the definition stands for (unfrozen_at is the end plus the
 * delay when the unfreeze is automatic, else 0 until an organizer
 * publishes). */
void cst_def_schedule(struct cst_schedule *out, const struct cst_def *d);

/* Whether a stored contest (`old`, with its schedule) may become `new` at
 * `now_ms`. Before the start anything goes. Once started, the end and the
 * freeze may move (never into the past) and problems may be added; the
 * problems already there keep their slug and label, and the start stays.
 * Penalty and scoring may change only with `force` (the board is computed
 * from the stored attempts, so it follows at once). 0, or GV_EINVAL with
 * the reason in `err`. */
int cst_def_update_check(const struct cst_def *old, const struct cst_def *new, int64_t now_ms,
                         bool force, char *err, size_t err_len);

/* The definition as YAML text that cst_def_parse reads back to the same
 * definition (times in UTC), gv_malloc'd into *out. -ENOMEM. */
int cst_def_format(char **out, const struct cst_def *d);

/* ISO 8601 date and time with an offset ("2026-12-05T18:00:00+01:00", "Z",
 * optional fraction of a second) as ms since the epoch. GV_EPARSE. */
int cst_def_parse_time(int64_t *out_ms, const char *s);
/* "H:MM:SS" (H any number of digits, MM and SS below 60; an optional
 * ".fff") as ms. GV_EPARSE. */
int cst_def_parse_duration(int64_t *out_ms, const char *s);
/* The reverse of both: "2026-12-05T17:00:00Z" (".fff" when needed) and
 * "5:00:00". `buf` holds CST_DEF_TIME_TEXT bytes. */
#define CST_DEF_TIME_TEXT GV_TIME_ISO_MAX
void cst_def_format_time(char *buf, int64_t ms);
void cst_def_format_duration(char *buf, int64_t ms);

#endif
