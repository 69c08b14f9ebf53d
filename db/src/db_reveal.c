/* SPDX-License-Identifier: MIT
 * db_reveal.c - a contest's reveal as JSON (db_reveal.h). */
#include "db_reveal.h"

#include <errno.h>

#include "cst_reveal.h"
#include "db_board.h"
#include "gv_err.h"
#include "banned.h"

/* `c`, cell `p` of the board, under `key` of `o`. */
static bool add_cell(cJSON *o, const char *key, const struct db__board *s, size_t p,
                     const struct cst_cell *c)
{
    struct cst_event_cell ec;
    cJSON *cell;

    db__board_cell(&ec, s, p, c);
    cell = cst_event_cell_to_json(&ec);
    if (cell && cJSON_AddItemToObject(o, key, cell))
        return true;
    cJSON_Delete(cell);
    return false;
}

static cJSON *step_json(const struct db__board *s, const struct cst_reveal_step *st, size_t k)
{
    cJSON *o = cJSON_CreateObject();

    if (o && cJSON_AddNumberToObject(o, "step", (double)k + 1) &&
        db__board_add_team(o, s, st->team) &&
        cJSON_AddStringToObject(o, "label", PQgetvalue(s->problems, (int)st->problem, 1)) &&
        add_cell(o, "before", s, st->problem, &st->before) &&
        add_cell(o, "after", s, st->problem, &st->after) &&
        cJSON_AddNumberToObject(o, "rank_before", st->rank_before) &&
        cJSON_AddNumberToObject(o, "rank_after", st->rank_after) &&
        cJSON_AddNumberToObject(o, "solved", st->solved) &&
        cJSON_AddNumberToObject(o, "penalty", (double)st->penalty_min) &&
        cJSON_AddNumberToObject(o, "score", st->score))
        return o;
    cJSON_Delete(o);
    return NULL;
}

static cJSON *reveal_json(const struct db__board *s, const struct cst_reveal *rv,
                          int64_t contest_id)
{
    cJSON *o = cJSON_CreateObject(), *steps = NULL, *frozen = NULL, *final = NULL;
    bool ok = o && cJSON_AddNumberToObject(o, "contest_id", (double)contest_id) &&
              (frozen = db__board_json(s, &rv->frozen, s->rules.freeze_at_ms >= 0)) &&
              cJSON_AddItemToObject(o, "frozen", frozen) &&
              (steps = cJSON_AddArrayToObject(o, "steps"));

    if (!ok && !cJSON_GetObjectItemCaseSensitive(o, "frozen"))
        cJSON_Delete(frozen);
    for (size_t k = 0; ok && k < rv->nsteps; k++) {
        cJSON *st = step_json(s, &rv->steps[k], k);

        ok = st && cJSON_AddItemToArray(steps, st);
        if (!ok)
            cJSON_Delete(st);
    }
    ok = ok && (final = db__board_json(s, &rv->final, false)) &&
         cJSON_AddItemToObject(o, "final", final);
    if (!ok) {
        if (!cJSON_GetObjectItemCaseSensitive(o, "final"))
            cJSON_Delete(final);
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

int db_contest_reveal(char **json, struct db_pg *pg, int64_t contest_id, int64_t now_ms)
{
    struct cst_reveal rv = {0};
    struct db__board s;
    /* The jury's view: every problem, every attempt with its real outcome;
     * cst_reveal_compute hides what the freeze hides itself. */
    int err = db__board_load(&s, pg, contest_id, true, now_ms);

    *json = NULL;
    if (err == 0 && s.nproblems > CST_EVENT_CELLS_MAX)
        err = GV_ETOOBIG;
    if (err == 0)
        err = cst_reveal_compute(&rv, &s.rules, (size_t)PQntuples(s.teams), s.nproblems,
                                 s.attempts, s.nattempts);
    if (err == 0)
        err = db__json_print(json, reveal_json(&s, &rv, contest_id));
    cst_reveal_release(&rv);
    db__board_release(&s);
    return err;
}
