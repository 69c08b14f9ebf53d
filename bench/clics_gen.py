#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# clics_gen.py SUBMISSIONS TEAMS [PROBLEMS] - a synthetic CLICS event feed
# (2023-06 notifications) on stdout, for bench/clics_replay.sh: a five-hour
# contest with a one-hour freeze, the seven judgement types, PROBLEMS
# problems (13), TEAMS teams, and SUBMISSIONS submissions at random times,
# each judged within half a minute (about one in four accepted, some compile
# errors), in time order. Seeded: the same arguments give the same bytes.
import json
import random
import sys

subs, teams = int(sys.argv[1]), int(sys.argv[2])
nprob = int(sys.argv[3]) if len(sys.argv) > 3 else 13
rnd = random.Random(47)
out = sys.stdout
token = 0


def emit(kind, oid, data):
    global token
    token += 1
    out.write(json.dumps({"type": kind, "id": oid, "data": data, "token": str(token)},
                         separators=(",", ":")) + "\n")


def rel(ms):
    return "%d:%02d:%02d.%03d" % (ms // 3600000, ms // 60000 % 60, ms // 1000 % 60, ms % 1000)


emit("contest", "synth", {"id": "synth", "name": "Synthetic", "start_time": "2025-01-01T10:00:00.000+00:00",
                          "duration": "5:00:00.000", "scoreboard_freeze_duration": "1:00:00.000",
                          "penalty_time": 20, "scoreboard_type": "pass-fail"})
for jt, solved, penalty in (("AC", True, False), ("WA", False, True), ("TLE", False, True),
                            ("RTE", False, True), ("MLE", False, True), ("OLE", False, True),
                            ("CE", False, False)):
    emit("judgement-types", jt, {"id": jt, "name": jt, "solved": solved, "penalty": penalty})
for p in range(nprob):
    emit("problems", "p%d" % p, {"id": "p%d" % p, "label": chr(65 + p % 26), "ordinal": p,
                                 "name": "Problem %d" % p, "time_limit": 2, "test_data_count": 10})
for t in range(teams):
    emit("teams", "t%d" % t, {"id": "t%d" % t, "name": "Team %d" % t, "label": str(t), "group_ids": []})
emit("state", None, {"started": "2025-01-01T10:00:00.000+00:00", "frozen": None, "ended": None,
                     "thawed": None, "finalized": None, "end_of_updates": None})
# (time, order, kind, fields): submissions and their verdicts merged in time.
ev = []
verdicts = ["AC"] * 25 + ["WA"] * 50 + ["TLE"] * 12 + ["RTE"] * 7 + ["MLE", "OLE"] + ["CE"] * 4
for s in range(subs):
    at = rnd.randrange(5 * 3600 * 1000)
    team, prob = rnd.randrange(teams), rnd.randrange(nprob)
    ev.append((at, 2 * s, "s", s, team, prob))
    ev.append((at + rnd.randrange(1000, 30000), 2 * s + 1, "j", s, rnd.choice(verdicts), at))
ev.sort()
for e in ev:
    if e[2] == "s":
        _, _, _, s, team, prob = e
        emit("submissions", "s%d" % s, {"id": "s%d" % s, "language_id": "cpp", "problem_id": "p%d" % prob,
                                        "team_id": "t%d" % team, "contest_time": rel(e[0]),
                                        "time": None, "files": []})
    else:
        _, _, _, s, jt, start = e
        emit("judgements", "j%d" % s, {"id": "j%d" % s, "submission_id": "s%d" % s, "judgement_type_id": jt,
                                       "start_contest_time": rel(start), "end_contest_time": rel(e[0]),
                                       "start_time": None, "end_time": None})
