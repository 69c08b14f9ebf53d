/* SPDX-License-Identifier: MIT
 * test_cst_def.c - contest definitions: a full file read right, every kind
 * of mistake refused with its key and line, times and durations, and what
 * may change once a contest has started. */
#include "../test.h"

#include <string.h>

#include "cst_def.h"
#include "gv_alloc.h"
#include "gv_err.h"

static const char full[] = "name: Weekly Round 1\n"
                           "start_time: 2026-12-05T18:00:00+01:00\n"
                           "duration: 5:00:00\n"
                           "scoreboard_freeze_duration: 1:00:00\n"
                           "penalty_time: 20\n"
                           "scoring: icpc\n"
                           "unfreeze: auto\n"
                           "unfreeze_delay: 0:15:00\n"
                           "problems:\n"
                           "  - slug: pair-sum\n"
                           "    label: A\n"
                           "    color: \"#e74c3c\"\n"
                           "  - {slug: circle-area, label: B, points: 50}\n"
                           "participants: [alice, bob]\n"
                           "medals: {gold: 4, silver: 4, bronze: 5}\n";

static void reads_a_full_definition(void **state)
{
    struct cst_def d;
    struct cst_schedule s;
    char err[256];

    (void)state;
    assert_int_equal(cst_def_parse(&d, "w.yaml", full, strlen(full), err, sizeof(err)), 0);
    assert_string_equal(d.name, "Weekly Round 1");
    assert_string_equal(d.slug, "weekly-round-1"); /* from the name */
    assert_int_equal(d.starts_at_ms, 1796490000000LL); /* 17:00Z */
    assert_int_equal(d.ends_at_ms, 1796490000000LL + 5 * 3600000LL);
    assert_int_equal(d.freezes_at_ms, d.ends_at_ms - 3600000LL);
    assert_int_equal(d.penalty_minutes, 20);
    assert_int_equal(d.scoring, CST_SCORING_ICPC);
    assert_true(d.unfreeze_auto);
    assert_int_equal(d.nproblems, 2);
    assert_string_equal(d.problems[0].slug, "pair-sum");
    assert_string_equal(d.problems[0].color, "#e74c3c");
    assert_int_equal(d.problems[0].line, 10);
    assert_string_equal(d.problems[1].label, "B");
    assert_true(d.problems[1].points == 50);
    assert_false(d.open_registration);
    assert_int_equal(d.nparticipants, 2);
    assert_string_equal(d.participants[1].username, "bob");
    assert_int_equal(d.medals[CST_MEDAL_GOLD], 4);
    assert_int_equal(d.medals[CST_MEDAL_SILVER], 4);
    assert_int_equal(d.medals[CST_MEDAL_BRONZE], 5);
    cst_def_schedule(&s, &d);
    assert_true(cst_schedule_valid(&s));
    assert_int_equal(s.unfrozen_at, d.ends_at_ms + 15 * 60000);
    cst_def_release(&d);
}

/* Each broken file: the message names the file, the line and the key. */
static void refuses_with_key_and_line(void **state)
{
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nproblems: [{slug: a, "
         "label: A}]\ncolour: red\n",
         "c.yaml:5: colour: unknown key"},
        {"name: x\nstart_time: 2026-12-05T18:00:00\nduration: 1:00:00\n",
         "c.yaml:2: start_time: expected ISO 8601"},
        {"name: x\nstart_time: 2026-02-30T18:00:00Z\nduration: 1:00:00\n",
         "c.yaml:2: start_time"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 5h\n",
         "c.yaml:3: duration: expected H:MM:SS, got '5h'"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 0:00:00\n",
         "c.yaml:3: duration: the end must come after the start"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\n"
         "scoreboard_freeze_duration: 2:00:00\n",
         "c.yaml:4: scoreboard_freeze_duration: longer than the contest"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\n",
         "problems: missing"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nproblems:\n"
         "  - {slug: a, label: A}\n  - {slug: b, label: A}\n",
         "c.yaml:6: label: 'A' is already problem a's (line 5)"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nproblems:\n"
         "  - {slug: a, label: A}\n  - {slug: a, label: B}\n",
         "c.yaml:6: slug: 'a' is listed twice (line 5)"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nproblems:\n"
         "  - {slug: a, label: a1}\n",
         "c.yaml:5: label: 'a1' is not a label"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nproblems:\n"
         "  - {slug: a, label: A, color: red}\n",
         "c.yaml:5: color: 'red' is not #rrggbb"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nproblems:\n"
         "  - {slug: a, label: A, time: 3}\n",
         "c.yaml:5: time: unknown key in a problem"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nproblems:\n"
         "  - {slug: a, label: A}\npenalty_time: 20.5\n",
         "penalty_time: whole minutes"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nproblems:\n"
         "  - {slug: a, label: A}\nscoring: golf\n",
         "c.yaml:6: scoring: expected icpc or ioi, got 'golf'"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nproblems:\n"
         "  - {slug: a, label: A}\nparticipants: [alice, ALICE]\n",
         "'ALICE' is listed twice"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nproblems:\n"
         "  - {slug: a, label: A}\nparticipants: everyone\n",
         "participants: expected 'open' or a list"},
        {"name: x\nname: y\n", "c.yaml:2: name: given twice"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nunfreeze_delay: 0:10:00\n",
         "c.yaml:4: unfreeze_delay: only with unfreeze: auto"},
        {"name: [x\n", "YAML syntax error"},
        {"- just\n- a list\n", "expected a mapping"},
        {"name: '!!!'\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\n",
         "slug: cannot be made from the name"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nmedals: 12\n",
         "c.yaml:4: medals: expected a mapping of gold, silver and bronze counts"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nmedals:\n  gold: 4\n"
         "  platinum: 1\n",
         "c.yaml:6: platinum: unknown key in medals"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nmedals: {gold: -1}\n",
         "c.yaml:4: gold: -1 is out of range"},
        {"name: x\nstart_time: 2026-12-05T18:00:00Z\nduration: 1:00:00\nmedals: {silver: 2.5}\n",
         "c.yaml:4: silver: a whole number of places"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        struct cst_def d;
        char err[256];
        int rc = cst_def_parse(&d, "c.yaml", bad[i].text, strlen(bad[i].text), err, sizeof(err));

        if (rc != GV_EPARSE || !strstr(err, bad[i].want))
            fail_msg("case %zu: rc %d, message '%s', want '%s'", i, rc, err, bad[i].want);
        assert_null(d.problems); /* released */
    }
}

static void times_and_durations(void **state)
{
    int64_t ms;

    (void)state;
    assert_int_equal(cst_def_parse_time(&ms, "1970-01-01T00:00:00Z"), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(cst_def_parse_time(&ms, "2024-02-29T23:59:59.5-05:30"), 0);
    assert_int_equal(ms, 1709270999500LL);
    assert_int_equal(cst_def_parse_time(&ms, "2024-02-29T23:59:59+0000"), 0);
    assert_int_equal(cst_def_parse_time(&ms, "2023-02-29T00:00:00Z"), GV_EPARSE);
    assert_int_equal(cst_def_parse_time(&ms, "2023-01-01T24:00:00Z"), GV_EPARSE);
    /* A space for the T, as RFC 3339 and YAML's own timestamps allow (the
     * CLICS API reads times by the same rule, gv_time_iso_parse). */
    assert_int_equal(cst_def_parse_time(&ms, "2023-01-01 10:00:00Z"), 0);
    assert_int_equal(ms, 1672567200000LL);
    assert_int_equal(cst_def_parse_time(&ms, "2023-01-01T10:00:00.Z"), GV_EPARSE);
    assert_int_equal(cst_def_parse_time(&ms, "2023-01-01T10:00:00+1"), GV_EPARSE);
    assert_int_equal(cst_def_parse_time(&ms, "2023-01-01T10:00:00Zjunk"), GV_EPARSE);
    assert_int_equal(cst_def_parse_duration(&ms, "5:00:00"), 0);
    assert_int_equal(ms, 5 * 3600000LL);
    assert_int_equal(cst_def_parse_duration(&ms, "120:30:15.25"), 0);
    assert_int_equal(ms, ((120 * 60 + 30) * 60 + 15) * 1000LL + 250);
    assert_int_equal(cst_def_parse_duration(&ms, "1:60:00"), GV_EPARSE);
    assert_int_equal(cst_def_parse_duration(&ms, "1:5:00"), GV_EPARSE);
    assert_int_equal(cst_def_parse_duration(&ms, "-1:00:00"), GV_EPARSE);
    assert_int_equal(cst_def_parse_duration(&ms, "99999999999:00:00"), GV_EPARSE);
}

static void what_changes_once_started(void **state)
{
    struct cst_def old, new;
    char err[256];
    int64_t started;

    (void)state;
    assert_int_equal(cst_def_parse(&old, NULL, full, strlen(full), err, sizeof(err)), 0);
    assert_int_equal(cst_def_parse(&new, NULL, full, strlen(full), err, sizeof(err)), 0);
    started = old.starts_at_ms + 60000;
    assert_int_equal(cst_def_update_check(&old, &new, started, false, err, sizeof(err)), 0);
    /* Before the start, anything. */
    new.starts_at_ms += 3600000;
    new.penalty_minutes = 10;
    assert_int_equal(cst_def_update_check(&old, &new, old.starts_at_ms - 1, false, err,
                                          sizeof(err)), 0);
    assert_int_equal(cst_def_update_check(&old, &new, started, true, err, sizeof(err)),
                     GV_EINVAL);
    assert_non_null(strstr(err, "start_time"));
    new.starts_at_ms = old.starts_at_ms;
    assert_int_equal(cst_def_update_check(&old, &new, started, false, err, sizeof(err)),
                     GV_EINVAL);
    assert_non_null(strstr(err, "--force"));
    assert_int_equal(cst_def_update_check(&old, &new, started, true, err, sizeof(err)), 0);
    new.penalty_minutes = old.penalty_minutes;
    /* A later end, yes; an end already past, no. */
    new.ends_at_ms += 3600000;
    assert_int_equal(cst_def_update_check(&old, &new, started, false, err, sizeof(err)), 0);
    new.ends_at_ms = started - 1;
    assert_int_equal(cst_def_update_check(&old, &new, started, false, err, sizeof(err)),
                     GV_EINVAL);
    new.ends_at_ms = old.ends_at_ms;
    /* Problems keep their labels and stay. */
    memcpy(new.problems[0].label, "C", 2);
    assert_int_equal(cst_def_update_check(&old, &new, started, false, err, sizeof(err)),
                     GV_EINVAL);
    assert_non_null(strstr(err, "keeps its label A"));
    new.nproblems = 1;
    memcpy(new.problems[0].label, "A", 2);
    assert_int_equal(cst_def_update_check(&old, &new, started, false, err, sizeof(err)),
                     GV_EINVAL);
    assert_non_null(strstr(err, "cannot leave"));
    new.nproblems = 2;
    memcpy(new.slug, "other", 6);
    assert_int_equal(cst_def_update_check(&old, &new, 0, false, err, sizeof(err)), GV_EINVAL);
    cst_def_release(&old);
    cst_def_release(&new);
}

static void assert_same_def(const struct cst_def *a, const struct cst_def *b)
{
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->slug, b->slug);
    assert_int_equal(a->starts_at_ms, b->starts_at_ms);
    assert_int_equal(a->ends_at_ms, b->ends_at_ms);
    assert_int_equal(a->freezes_at_ms, b->freezes_at_ms);
    assert_int_equal(a->unfreeze_auto, b->unfreeze_auto);
    assert_int_equal(a->unfreeze_delay_ms, b->unfreeze_delay_ms);
    assert_int_equal(a->penalty_minutes, b->penalty_minutes);
    assert_int_equal(a->scoring, b->scoring);
    assert_int_equal(a->nproblems, b->nproblems);
    for (size_t i = 0; i < a->nproblems; i++) {
        assert_string_equal(a->problems[i].slug, b->problems[i].slug);
        assert_string_equal(a->problems[i].label, b->problems[i].label);
        assert_string_equal(a->problems[i].color, b->problems[i].color);
        assert_true(a->problems[i].points == b->problems[i].points);
    }
    assert_int_equal(a->open_registration, b->open_registration);
    assert_memory_equal(a->medals, b->medals, sizeof(a->medals));
    assert_int_equal(a->nparticipants, b->nparticipants);
    for (size_t i = 0; i < a->nparticipants; i++)
        assert_string_equal(a->participants[i].username, b->participants[i].username);
}

/* What `gavel contest show` prints reads back as the same definition. */
static void format_reads_back(void **state)
{
    static const char odd[] = "name: \"Quotes \\\" and \\\\ and \\t tab, ünïcode\"\n"
                              "slug: odd-1\nstart_time: 1969-12-31T23:59:59.250-01:00\n"
                              "duration: 0:00:01.5\nscoring: ioi\npenalty_time: 0\n"
                              "problems: [{slug: p, label: Z999, points: 0.1}]\n"
                              "participants: []\n";
    const char *texts[] = {full, odd};
    (void)state;

    for (int i = 0; i < 2; i++) {
        struct cst_def a, b;
        char err[256], *yaml = NULL;

        assert_int_equal(cst_def_parse(&a, NULL, texts[i], strlen(texts[i]), err, sizeof(err)), 0);
        assert_int_equal(cst_def_format(&yaml, &a), 0);
        if (cst_def_parse(&b, NULL, yaml, strlen(yaml), err, sizeof(err)))
            fail_msg("%s\ndoes not read back: %s", yaml, err);
        assert_same_def(&a, &b);
        cst_def_release(&a);
        cst_def_release(&b);
        gv_free(yaml);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_a_full_definition),
        cmocka_unit_test(refuses_with_key_and_line),
        cmocka_unit_test(times_and_durations),
        cmocka_unit_test(what_changes_once_started),
        cmocka_unit_test(format_reads_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
