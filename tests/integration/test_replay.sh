#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_replay.sh GAVEL bad|wf47 - `gavel contest replay`.
#   bad:  hand-made feeds: both notification shapes, updates and deletes,
#         --at, --public, and every kind of bad input with its line number.
#   wf47: the real World Finals 47 feed against DOMjudge's final scoreboard
#         (../shared/datasets/icpc-wf47; skipped when absent): the 62 teams
#         whose every solve came before the freeze match exactly, the
#         first-to-solve marks are the feed's earliest accepted attempts,
#         and the public view shows every post-freeze attempt as pending.
. "$(dirname "$0")/lib.sh"
GAVEL=$1
MODE=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v python3 >/dev/null || { echo "python3 is needed to read the boards" >&2; exit 77; }

# field FILE PYTHON-EXPR: evaluates EXPR with the board as `b`.
field() { python3 -c "import json,sys; b=json.load(open(sys.argv[1])); print($2)" "$1"; }

if [ "$MODE" = bad ]; then
    # 2023-06 shape. t1: A wrong at 0:05, A right at 0:10; t2: A right at
    # 0:20 (later rejudged to WA, then back), B at 4:30 (after the freeze at
    # 4:00), right. t3 is hidden. Judgement 9 is deleted.
    cat >"$tmp/new.ndjson" <<'FEED'
{"type":"contest","id":"c","data":{"id":"c","start_time":"2024-01-01T10:00:00.000+01:00","duration":"5:00:00.000","scoreboard_freeze_duration":"1:00:00.000","penalty_time":20},"token":"1"}
{"type":"judgement-types","id":"AC","data":{"id":"AC","solved":true,"penalty":false},"token":"2"}
{"type":"judgement-types","id":"WA","data":{"id":"WA","solved":false,"penalty":true},"token":"3"}
{"type":"problems","id":"b","data":{"id":"b","label":"B","ordinal":1},"token":"4"}
{"type":"problems","id":"a","data":{"id":"a","label":"A","ordinal":0},"token":"5"}
{"type":"teams","id":"t1","data":{"id":"t1","name":"one"},"token":"6"}
{"type":"teams","id":"t2","data":{"id":"t2","name":"two"},"token":"7"}
{"type":"teams","id":"t3","data":{"id":"t3","name":"three","hidden":true},"token":"8"}
{"type":"map-info","data":{"x":1}}
{"type":"state","data":{"started":"2024-01-01T10:00:00.000+01:00"},"token":"9"}

{"type":"submissions","id":"s1","data":{"id":"s1","team_id":"t1","problem_id":"a","contest_time":"0:05:00.000"},"token":"10"}
{"type":"judgements","id":"j1","data":{"id":"j1","submission_id":"s1","judgement_type_id":"WA","end_contest_time":"0:05:10.000"},"token":"11"}
{"type":"submissions","id":"s2","data":{"id":"s2","team_id":"t1","problem_id":"a","contest_time":"0:10:00.000"},"token":"12"}
{"type":"judgements","id":"j2","data":{"id":"j2","submission_id":"s2"},"token":"13"}
{"type":"judgements","id":"j2","data":{"id":"j2","submission_id":"s2","judgement_type_id":"AC","end_contest_time":"0:10:30.000"},"token":"14"}
{"type":"submissions","id":"s3","data":{"id":"s3","team_id":"t2","problem_id":"a","time":"2024-01-01T10:20:00.000+01:00"},"token":"15"}
{"type":"judgements","id":"j3","data":{"id":"j3","submission_id":"s3","judgement_type_id":"AC","end_contest_time":"0:20:10.000"},"token":"16"}
{"type":"judgements","id":"j4","data":{"id":"j4","submission_id":"s3","judgement_type_id":"WA","end_contest_time":"0:30:00.000"},"token":"17"}
{"type":"judgements","id":"j4","data":null,"token":"18"}
{"type":"submissions","id":"s4","data":{"id":"s4","team_id":"t3","problem_id":"a","contest_time":"0:01:00.000"},"token":"19"}
{"type":"judgements","id":"j5","data":{"id":"j5","submission_id":"s4","judgement_type_id":"AC"},"token":"20"}
{"type":"submissions","id":"s5","data":{"id":"s5","team_id":"t2","problem_id":"b","contest_time":"4:30:00.000"},"token":"21"}
{"type":"judgements","id":"j6","data":{"id":"j6","submission_id":"s5","judgement_type_id":"AC","end_contest_time":"4:30:05.000"},"token":"22"}
{"type":"submissions","id":"s6","data":{"id":"s6","team_id":"t1","problem_id":"b","contest_time":"1:00:00.000"},"token":"23"}
{"type":"submissions","id":"s6","data":null,"token":"24"}
FEED
    expect_exit 0 "replays the 2023-06 shape" "$GAVEL" contest replay --event-feed "$tmp/new.ndjson"
    check "counts the unknown type" contains "$out" "skipped 1 events of unknown types"
    "$GAVEL" contest replay --event-feed "$tmp/new.ndjson" >"$tmp/jury.json" 2>/dev/null
    check "jury: t2 first (2 solved, 20 + 270)" \
        [ "$(field "$tmp/jury.json" "b['rows'][0]['team_id'], b['rows'][0]['score']")" = \
          "t2 {'num_solved': 2, 'total_time': 290}" ]
    check "jury: t1 second (minute 10 + 20 penalty)" \
        [ "$(field "$tmp/jury.json" "b['rows'][1]['team_id'], b['rows'][1]['score']")" = \
          "t1 {'num_solved': 1, 'total_time': 30}" ]
    check "hidden teams are not on the board" [ "$(field "$tmp/jury.json" "len(b['rows'])")" = 2 ]
    check "problems in ordinal order" \
        [ "$(field "$tmp/jury.json" "[c['problem_id'] for c in b['rows'][0]['problems']]")" = "['a', 'b']" ]
    check "first to solve a is t1 (the hidden team does not count)" \
        [ "$(field "$tmp/jury.json" "[r['team_id'] for r in b['rows'] if r['problems'][0]['first_to_solve']]")" = "['t1']" ]
    check "times in the contest's zone" \
        [ "$(field "$tmp/jury.json" "b['state']['started']")" = "2024-01-01T10:00:00.000+01:00" ]
    "$GAVEL" contest replay --event-feed "$tmp/new.ndjson" --public >"$tmp/pub.json" 2>/dev/null
    check "public: t2's B after the freeze is pending" \
        [ "$(field "$tmp/pub.json" "[(r['team_id'], r['score']['num_solved'], r['problems'][1]['num_pending']) for r in b['rows']]")" = \
          "[('t2', 1, 1), ('t1', 1, 0)]" ]
    "$GAVEL" contest replay --event-feed "$tmp/new.ndjson" --at 0:10:15 >"$tmp/at.json" 2>/dev/null
    check "--at 0:10:15: t1's solve is still being judged" \
        [ "$(field "$tmp/at.json" "[(r['team_id'], r['problems'][0]['num_judged'], r['problems'][0]['num_pending']) for r in b['rows']]")" = \
          "[('t1', 1, 1), ('t2', 0, 0)]" ]
    check "--at sets the board's contest time" [ "$(field "$tmp/at.json" "b['contest_time']")" = "0:10:15.000" ]

    # The older shape: op, event ids, the object's id in data; "event" for type.
    cat >"$tmp/old.ndjson" <<'FEED'
{"type":"contests","id":"e1","op":"create","data":{"id":"c","start_time":"2024-01-01T10:00:00Z","duration":"5:00:00","penalty_time":20}}
{"type":"contest","id":"e2","op":"create","data":{"id":"c","start_time":"2024-01-01T10:00:00Z","duration":"5:00:00","penalty_time":20}}
{"type":"problems","id":"e3","op":"create","data":{"id":"a","ordinal":0}}
{"event":"teams","id":"e4","op":"create","data":{"id":"t1"}}
{"type":"teams","id":"e5","op":"create","data":{"id":"t2"}}
{"type":"teams","id":"e6","op":"delete","data":{"id":"t2"}}
{"type":"submissions","id":"e7","op":"create","data":{"id":"s1","team_id":"t1","problem_id":"a","contest_time":"1:00:00.000"}}
{"type":"judgements","id":"e8","op":"create","data":{"id":"j1","submission_id":"s1","judgement_type_id":"AC"}}
FEED
    expect_exit 0 "replays the older op shape" "$GAVEL" contest replay --event-feed "$tmp/old.ndjson"
    "$GAVEL" contest replay --event-feed "$tmp/old.ndjson" >"$tmp/old.json" 2>/dev/null
    check "older shape: one team, solved at 60 with no freeze" \
        [ "$(field "$tmp/old.json" "[(r['team_id'], r['score']['total_time']) for r in b['rows']]")" = "[('t1', 60)]" ]
    zstd -q -c "$tmp/new.ndjson" >"$tmp/new.ndjson.zst"
    "$GAVEL" contest replay --event-feed "$tmp/new.ndjson.zst" >"$tmp/z.json" 2>/dev/null
    check "zstd gives the same board" cmp -s "$tmp/z.json" "$tmp/jury.json"

    # Bad input: a clear message with the line number, never a crash.
    { head -n 12 "$tmp/new.ndjson"; echo '{"type":"judgements","id":"j9","data":{"id":"j9","submission_id":"nope","judgement_type_id":"AC"}}'; } >"$tmp/b1"
    expect_exit 1 "a judgement for an unknown submission fails" "$GAVEL" contest replay --event-feed "$tmp/b1"
    check "... naming line 13 and the submission" contains "$out" "b1:13: judgement 'j9' is for submission 'nope'"
    { head -n 3 "$tmp/new.ndjson"; echo 'this is not json'; } >"$tmp/b2"
    expect_exit 1 "a non-JSON line fails" "$GAVEL" contest replay --event-feed "$tmp/b2"
    check "... at line 4" contains "$out" "b2:4: not JSON"
    { head -n 5 "$tmp/new.ndjson"; sed -n 6p "$tmp/new.ndjson" | head -c 40; } >"$tmp/b3"
    expect_exit 1 "a truncated last line fails" "$GAVEL" contest replay --event-feed "$tmp/b3"
    check "... at line 6, said truncated" contains "$out" "b3:6: truncated last line"
    { head -n 10 "$tmp/new.ndjson"; echo '{"type":"submissions","id":"s1","data":{"id":"s1","team_id":"t1","problem_id":"a","contest_time":"five"}}'; } >"$tmp/b4"
    expect_exit 1 "a bad relative time fails" "$GAVEL" contest replay --event-feed "$tmp/b4"
    check "... at line 11, naming the field" contains "$out" "b4:11: \"contest_time\" is not a relative time"
    echo '{"type":"teams","id":"t1","data":{"id":"t1"}}' >"$tmp/b5"
    expect_exit 1 "a feed without a contest fails" "$GAVEL" contest replay --event-feed "$tmp/b5"
    check "... saying so" contains "$out" "no contest"
    echo '{"type":"contest","id":"c","data":{"id":"c","start_time":"2024-01-01T10:00:00Z","duration":"5:00:00","penalty_time":1e300}}' >"$tmp/b8"
    expect_exit 1 "a penalty out of range fails" "$GAVEL" contest replay --event-feed "$tmp/b8"
    check "... at line 1" contains "$out" "b8:1: \"penalty_time\" is out of range"
    head -c 3000 /dev/urandom >"$tmp/b6"
    expect_exit 1 "random bytes fail" "$GAVEL" contest replay --event-feed "$tmp/b6"
    head -c 100 "$tmp/new.ndjson.zst" >"$tmp/b7.zst"
    expect_exit 1 "a cut zstd file fails" "$GAVEL" contest replay --event-feed "$tmp/b7.zst"
    expect_exit 1 "a missing file fails" "$GAVEL" contest replay --event-feed "$tmp/none"
    check "... naming it" contains "$out" "none: No such file"
    expect_exit 2 "a bad --at is a usage error" "$GAVEL" contest replay --event-feed "$tmp/new.ndjson" --at 5
    finish
    exit
fi

# The shared datasets live beside the checkout (../shared/datasets); a clone
# elsewhere names them with GAVEL_DATASETS. The last place is where this
# project's machines keep them.
data=
for d in "${GAVEL_DATASETS:-}" "$(dirname "$0")/../../../shared/datasets" /work/shared/datasets; do
    if [ -n "$d" ] && [ -f "$d/icpc-wf47/wf47-event-feed-live.ndjson.zst" ] &&
        [ -f "$d/icpc-wf47/final-scoreboard.json" ]; then
        data=$d/icpc-wf47
        break
    fi
done
if [ -z "$data" ]; then
    echo "skipped: no WF47 dataset (set GAVEL_DATASETS to the folder holding icpc-wf47/)" >&2
    exit 77
fi
feed=$data/wf47-event-feed-live.ndjson.zst
expect_exit 0 "replays the WF47 feed (jury)" "$GAVEL" contest replay --event-feed "$feed"
"$GAVEL" contest replay --event-feed "$feed" >"$tmp/jury.json" 2>/dev/null
"$GAVEL" contest replay --event-feed "$feed" --public >"$tmp/pub.json" 2>/dev/null
"$GAVEL" contest replay --event-feed "$feed" --at 1:00:00 >"$tmp/at60.json" 2>/dev/null
zstd -q -dc "$feed" >"$tmp/feed.ndjson"

python3 - "$tmp" "$data/final-scoreboard.json" <<'PY'
import json, sys
tmp, final_path = sys.argv[1], sys.argv[2]
jury = json.load(open(tmp + "/jury.json"))
pub = json.load(open(tmp + "/pub.json"))
at60 = json.load(open(tmp + "/at60.json"))
final = json.load(open(final_path))
fails = 0

def check(what, ok, detail=""):
    global fails
    print(("ok - " if ok else "not ok - ") + what + ("" if ok else ": " + detail))
    fails += not ok

def reltime(s):
    h, m, sec = s.split(":")
    return (int(h) * 3600 + int(m) * 60) * 1000 + round(float(sec) * 1000)

# The public feed has no verdicts after the freeze: DOMjudge's 10 first
# solves include one made after it, the feed's earliest accepted are 9.
# The 62 teams whose every solve was before the freeze (minute 240).
ours = {r["team_id"]: r for r in jury["rows"]}
chosen = [r for r in final["rows"] if all(p["time"] < 240 for p in r["problems"] if p["solved"])]
check("62 teams solved only before the freeze", len(chosen) == 62, str(len(chosen)))
wrong = [(r["team_id"], r["score"], ours.get(r["team_id"], {}).get("score")) for r in chosen
         if r["team_id"] not in ours
         or (r["score"]["num_solved"], r["score"]["total_time"])
         != (ours[r["team_id"]]["score"]["num_solved"], ours[r["team_id"]]["score"]["total_time"])]
check("their num_solved and total_time match DOMjudge's exactly", not wrong, str(wrong[:5]))
check("every team of the final scoreboard is on ours",
      {r["team_id"] for r in final["rows"]} == set(ours), "")

# First to solve, from the feed itself: the earliest accepted attempt per
# problem (the latest judgement of each submission decides).
subs, verdict, types, hidden = {}, {}, {}, set()
for line in open(tmp + "/feed.ndjson"):
    e = json.loads(line)
    t, d = e["type"], e.get("data")
    if t == "judgement-types" and d:
        types[d["id"]] = d["solved"]
    elif t == "teams" and d and d.get("hidden"):
        hidden.add(d["id"])
    elif t == "submissions" and d:
        subs[d["id"]] = (d["team_id"], d["problem_id"], reltime(d["contest_time"]))
    elif t == "judgements" and d:
        verdict[d["submission_id"]] = d.get("judgement_type_id")
first = {}
for sid, (team, prob, at) in subs.items():
    if team in hidden or not types.get(verdict.get(sid), False):
        continue
    if prob not in first or at < first[prob][0]:
        first[prob] = (at, {team})
    elif at == first[prob][0]:
        first[prob][1].add(team)
want = {(team, p) for p, (_, teams) in first.items() for team in teams}
got = {(r["team_id"], c["problem_id"]) for r in jury["rows"] for c in r["problems"] if c["first_to_solve"]}
check("first-to-solve marks are the feed's earliest accepted attempts (%d)" % len(want),
      got == want and len(want) >= 9, "got %s want %s" % (sorted(got - want), sorted(want - got)))
final_fts = {(r["team_id"], p["problem_id"]) for r in final["rows"] for p in r["problems"]
             if p.get("first_to_solve") and p["time"] < 240}
check("... and agree with DOMjudge's before the freeze (%d)" % len(final_fts),
      final_fts <= got and len(final_fts) > 0, str(sorted(final_fts - got)))

# Public: every attempt from minute 240 on is pending (unless the cell was
# solved before the freeze: attempts after a solve never count).
freeze = 240 * 60000
solved_before = {(r["team_id"], c["problem_id"]) for r in pub["rows"] for c in r["problems"] if c["solved"]}
expect = {}
for sid, (team, prob, at) in subs.items():
    if team not in hidden and at >= freeze and (team, prob) not in solved_before:
        expect[(team, prob)] = expect.get((team, prob), 0) + 1
cells = {(r["team_id"], c["problem_id"]): c for r in pub["rows"] for c in r["problems"]}
bad = [(k, cells[k]["num_pending"], expect.get(k, 0)) for k in cells
       if cells[k]["num_pending"] != expect.get(k, 0)]
check("public: every post-freeze attempt pending (%d attempts)" % sum(expect.values()),
      not bad and sum(expect.values()) > 0, str(bad[:5]))
late = [k for k, c in cells.items() if c["solved"] and c["time"] >= 240]
check("public: no solve at or after the freeze", not late, str(late[:5]))
check("public: the state says frozen", pub["state"]["frozen"] == "2024-04-18T15:47:59.000+02:00",
      str(pub["state"]))
# --at 1:00:00: only solves before minute 60, and not yet frozen.
early = [c["time"] for r in at60["rows"] for c in r["problems"] if c["solved"] and c["time"] >= 60]
check("--at 1:00:00 shows only earlier solves", not early and any(
      c["solved"] for r in at60["rows"] for c in r["problems"]), str(early[:5]))
check("--at 1:00:00: the state is not frozen yet", at60["state"]["frozen"] is None, str(at60["state"]))
print("%d failed" % fails)
sys.exit(1 if fails else 0)
PY
rc=$?
finish && exit $rc
