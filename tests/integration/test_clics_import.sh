#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_clics_import.sh GAVEL GAVEL_SERVER small|wf47|schema - `gavel contest import`
# and the round trip: a feed imported into PostgreSQL, read back from a
# running gavel-server's /api/clics/contests/<id>/event-feed, and replayed
# with `gavel contest replay` gives the board the original feed gives (jury
# and public views; teams matched by the username import gave them,
# problems by their place).
#   small: tests/data/clics/small.ndjson (rejudge, deletes, a hidden team, a
#          post-freeze solve); every bad input refused with its line and
#          nothing written; a second import refused; --speed delivering the
#          verdicts live to a streaming event-feed reader.
#   wf47:  the World Finals 47 feed (../shared/datasets; skipped when absent).
#   schema: every answer of the CLICS API (both views; the imported contest,
#          and the demo contest with clarifications) against the JSON schemas
#          of tests/clics (written from the 2023-06 spec), by ajv
#          (tests/clics/validate.mjs; skipped without node or its modules).
. "$(dirname "$0")/lib.sh"
require_services
GAVEL=$1
SERVER=$2
MODE=$3
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
command -v python3 >/dev/null || { echo "python3 is needed to read the boards" >&2; exit 77; }
command -v curl >/dev/null || { echo "curl is needed to read the API" >&2; exit 77; }

if [ "$MODE" = wf47 ]; then
    feed=
    for d in "${GAVEL_DATASETS:-}" "$ROOT/../shared/datasets" /work/shared/datasets; do
        if [ -n "$d" ] && [ -f "$d/icpc-wf47/wf47-event-feed-live.ndjson.zst" ]; then
            feed=$d/icpc-wf47/wf47-event-feed-live.ndjson.zst
            break
        fi
    done
    if [ -z "$feed" ]; then
        echo "skipped: no WF47 dataset (set GAVEL_DATASETS to the folder holding icpc-wf47/)" >&2
        exit 77
    fi
else
    feed=$ROOT/tests/data/clics/small.ndjson
fi
if [ "$MODE" = schema ] && { ! command -v node >/dev/null || [ ! -d "$ROOT/tests/clics/node_modules/ajv" ]; }; then
    echo "skipped: node or tests/clics/node_modules (scripts/install-deps) is missing" >&2
    exit 77
fi

db=itest_clics_import_$$
url=$(fresh_db clics_import)
tmp=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    drop_db "itest_clics_import_$$"
    rm -rf "$tmp"
}
trap cleanup EXIT
export GAVEL_PG_URL=$url
q() { psql "$url" -qAtc "$1"; }
"$GAVEL" db migrate >/dev/null 2>&1
"$GAVEL" demo seed >/dev/null 2>&1 # the organizer "jury", password "demo"

if [ "$MODE" = small ]; then
    # Bad input: the line and why, and not one row written.
    before=$(q "SELECT (SELECT count(*) FROM contests) || '/' || (SELECT count(*) FROM users)")
    { head -n 12 "$feed"; echo '{"type":"judgements","id":"j9","data":{"id":"j9","submission_id":"nope","judgement_type_id":"AC"}}'; } >"$tmp/b1"
    expect_exit 1 "a judgement for an unknown submission is refused" "$GAVEL" contest import --event-feed "$tmp/b1"
    check "... naming line 13 and the submission" contains "$out" "b1:13: judgement 'j9' is for submission 'nope'"
    { head -n 3 "$feed"; echo 'this is not json'; } >"$tmp/b2"
    expect_exit 1 "a non-JSON line is refused" "$GAVEL" contest import --event-feed "$tmp/b2"
    check "... at line 4" contains "$out" "b2:4: not JSON"
    { head -n 5 "$feed"; sed -n 6p "$feed" | head -c 40; } >"$tmp/b3"
    expect_exit 1 "a truncated last line is refused" "$GAVEL" contest import --event-feed "$tmp/b3"
    check "... at line 6, said truncated" contains "$out" "b3:6: truncated last line"
    echo '{"type":"teams","id":"t1","data":{"id":"t1"}}' >"$tmp/b4"
    expect_exit 1 "a feed without a contest is refused" "$GAVEL" contest import --event-feed "$tmp/b4"
    check "... saying so" contains "$out" "no contest with a start time"
    sed 's/"duration":"5:00:00.000"/"duration":"0:00:00.000"/' "$feed" >"$tmp/b5"
    expect_exit 1 "a contest of no duration is refused" "$GAVEL" contest import --event-feed "$tmp/b5"
    check "... saying so" contains "$out" "duration is not positive"
    expect_exit 2 "a bad --speed is a usage error" "$GAVEL" contest import --event-feed "$feed" --speed 0
    expect_exit 2 "a bad --slug is a usage error" "$GAVEL" contest import --event-feed "$feed" --slug "No Slug"
    expect_exit 1 "a missing file is refused" "$GAVEL" contest import --event-feed "$tmp/none"
    check "nothing was written by any of them" \
        [ "$(q "SELECT (SELECT count(*) FROM contests) || '/' || (SELECT count(*) FROM users)")" = "$before" ]
fi

expect_exit 0 "imports the feed" "$GAVEL" contest import --event-feed "$feed" --slug rt
id=$(tail -n1 <<<"$out")
check "the id is the last line ($id)" [ "$id" -gt 0 ]
if [ "$MODE" = small ]; then
    check "counts the unknown event type" contains "$out" "skipped 1 events of unknown types"
    check "says what it stored" contains "$out" "2 problems, 3 teams, 5 submissions, 5 verdicts (0 without one)"
    check "problems are statement-less placeholders, in ordinal order" \
        [ "$(q "SELECT string_agg(cp.label || ':' || p.slug || ':' || length(pv.statement_md), ',' ORDER BY cp.ordinal) FROM contest_problems cp JOIN problems p ON p.id = cp.problem_id JOIN problem_versions pv ON pv.problem_id = p.id WHERE cp.contest_id = $id")" = "A:c$id-a:0,B:c$id-b:0" ]
    check "teams are participants, the hidden one hidden" \
        [ "$(q "SELECT string_agg(u.username || ':' || u.display_name || ':' || pa.is_hidden, ',' ORDER BY u.id) FROM participants pa JOIN users u ON u.id = pa.user_id WHERE pa.contest_id = $id")" = "c$id.t1:one:false,c$id.t2:two:false,c$id.t3:three:true" ]
    check "submissions keep the feed's ids and times; the deleted one is not there" \
        [ "$(q "SELECT string_agg(s.external_id || '@' || (s.created_at - c.starts_at) || '=' || s.verdict, ',' ORDER BY s.id) FROM submissions s JOIN contests c ON c.id = s.contest_id WHERE s.contest_id = $id")" = "s4@00:01:00=AC,s1@00:05:00=WA,s2@00:10:00=AC,s3@00:20:00=AC,s5@04:30:00=AC" ]
    check "each verdict is logged as a judging.verdict event" \
        [ "$(q "SELECT count(*) FROM events WHERE contest_id = $id AND type = 'judging.verdict'")" = 5 ]
    check "the queue's recovery would not judge them" \
        [ "$(q "SELECT count(*) FROM submissions WHERE contest_id = $id AND external_id IS NULL")" = 0 ]
    expect_exit 1 "a rejudge of the imported contest covers nothing" "$GAVEL" rejudge --contest rt
    check "... saying so" contains "$out" "no submissions match"
    check "... and the imported verdicts stay" \
        [ "$(q "SELECT count(*) FROM submissions WHERE contest_id = $id AND (rejudge_requested_at IS NOT NULL OR status <> 'judged')")" = 0 ]
    expect_exit 1 "the same feed again is refused" "$GAVEL" contest import --event-feed "$feed" --slug rt
    check "... saying the contest exists" contains "$out" "a contest 'rt' already exists"
    check "... and nothing more was written" \
        [ "$(q "SELECT count(*) FROM contests WHERE slug LIKE 'rt%'")" = 1 ]
fi

# The server, on a port of its own; the feed's live wake-up is the only way
# a streamed reader hears of new rows (the poll is a day).
port=$(free_port)
GAVEL_HTTP_PORT=$port GAVEL_HTTP_ADDR=127.0.0.1 GAVEL_CLICS_POLL_MS=86400000 \
    "$SERVER" >"$tmp/server.log" 2>&1 &
pids+=($!)
up=
for _ in $(seq 1 150); do
    curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && { up=1; break; }
    sleep 0.1
done
check "gavel-server answers on :$port" [ -n "$up" ]
[ -n "$up" ] || { tail -n 20 "$tmp/server.log"; finish; exit 1; }
api=http://127.0.0.1:$port/api/clics
# The jury's view by a session cookie: basic auth hashes the password on
# every request, which on a loaded machine can outlast lws's idle timeout.
# The login too, so it is tried a few times.
cookie=
for _ in 1 2 3 4 5; do
    cookie=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
        -d '{"username":"jury","password":"demo"}' "http://127.0.0.1:$port/api/login" |
        sed -n 's/^[Ss]et-[Cc]ookie: \(gavel_session=[^;]*\).*/\1/p')
    [ -n "$cookie" ] && break
done
check "the jury logs in" [ -n "$cookie" ]

if [ "$MODE" = schema ]; then
    # Clarifications in the demo contest: a question answered privately, one
    # still open, and a broadcast.
    demo=$(q "SELECT id FROM contests WHERE slug = 'demo-contest'")
    alice=$(q "SELECT id FROM users WHERE username = 'alice'")
    q "INSERT INTO participants (contest_id, user_id) VALUES ($demo, $alice) ON CONFLICT DO NOTHING" >/dev/null
    q "INSERT INTO clarifications (contest_id, asked_by, question, answer, answered_at) VALUES ($demo, $alice, 'May n be 0?', 'No.', now()), ($demo, $alice, 'Is it hot?', NULL, NULL)" >/dev/null
    q "INSERT INTO clarifications (contest_id, answer, answered_at, is_public) VALUES ($demo, 'Problem A: n >= 1.', now(), true)" >/dev/null
    # And a judged submission of alice's with per-test results (runs).
    sub=$(q "INSERT INTO submissions (user_id, problem_id, problem_version_id, contest_id, language, source_blob, source_size, status, verdict, judged_at) SELECT $alice, cp.problem_id, pv.id, $demo, 'c', b.sha256, b.size, 'judged', 'AC', now() FROM contest_problems cp JOIN problems p ON p.id = cp.problem_id JOIN problem_versions pv ON pv.problem_id = p.id AND pv.version = p.current_version, (SELECT sha256, size FROM blobs WHERE size > 0 ORDER BY size LIMIT 1) b WHERE cp.contest_id = $demo AND EXISTS (SELECT 1 FROM test_cases tc WHERE tc.problem_version_id = pv.id) ORDER BY cp.ordinal LIMIT 1 RETURNING id")
    jid=$(q "INSERT INTO judgings (submission_id, judge_host, verdict, score, max_time_ms, finished_at) VALUES ($sub, 'test', 'AC', 1, 5, now()) RETURNING id")
    q "INSERT INTO judging_tests (judging_id, test_case_id, verdict, cpu_ms, wall_ms, memory_kb) SELECT $jid, tc.id, 'AC', 5, 6, 1000 FROM submissions s JOIN test_cases tc ON tc.problem_version_id = s.problem_version_id WHERE s.id = $sub" >/dev/null
    node "$ROOT/tests/clics/validate.mjs" "$api" jury:demo apiInfo contest judgementType language \
        problem team state submission judgement run clarification award scoreboard notification
    exit
fi

curl -fsS -b "$cookie" "$api/contests/$id/event-feed?stream=false" >"$tmp/export.ndjson"
check "the event feed reads back" [ -s "$tmp/export.ndjson" ]
for view in jury public; do
    flag=; [ $view = public ] && flag=--public
    "$GAVEL" contest replay --event-feed "$feed" $flag >"$tmp/orig-$view.json" 2>/dev/null
    "$GAVEL" contest replay --event-feed "$tmp/export.ndjson" $flag >"$tmp/back-$view.json" 2>"$tmp/replay.err"
done
python3 - "$tmp" "$id" <<'PY'
import json, sys
tmp, cid = sys.argv[1], sys.argv[2]
fails = 0
def check(what, ok, detail=""):
    global fails
    print(("ok - " if ok else "not ok - ") + what + ("" if ok else ": " + detail))
    fails += not ok
# Our team ids are user ids; their usernames are c<contest>.<feed id>.
ext = {}
for line in open(tmp + "/export.ndjson"):
    e = json.loads(line)
    if e["type"] == "teams":
        ext[e["id"]] = e["data"]["name"].split(".", 1)[1]
def rows(b, name):
    return [(r["rank"], name(r["team_id"]), r["score"],
             [(c["num_judged"], c["num_pending"], c["solved"], c.get("time"), c["first_to_solve"])
              for c in r["problems"]]) for r in b["rows"]]
for view in ("jury", "public"):
    orig = json.load(open("%s/orig-%s.json" % (tmp, view)))
    back = json.load(open("%s/back-%s.json" % (tmp, view)))
    a, b = rows(orig, lambda t: t), rows(back, lambda t: ext.get(t, "?" + t))
    diff = [(x, y) for x, y in zip(a, b) if x != y]
    check("%s view: the round trip gives the same board (%d rows, %d solves)" %
          (view, len(a), sum(r[2].get("num_solved", 0) for r in a)),
          a == b and len(a) > 0, "%d vs %d rows; first difference %s" % (len(a), len(b), diff[:1]))
    check("%s view: the same problem columns" % view,
          [len(r["problems"]) for r in orig["rows"]] == [len(r["problems"]) for r in back["rows"]])
sys.exit(1 if fails else 0)
PY
rc=$?
[ $rc -eq 0 ] && ok "round trip compared" || not_ok "round trip compared"

if [ "$MODE" = small ]; then
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
        -d "{\"username\":\"c$id.t1\",\"password\":\"anything\"}" "http://127.0.0.1:$port/api/login")
    check "an imported team cannot log in (HTTP $code)" [ "$code" = 401 ]

    # --speed: at 2000x the feed's 4:30:05 take about eight seconds. A reader
    # streaming the contest's event feed sees the verdicts arrive from the
    # events log, woken by the live stream as for a judge's verdict (the
    # last one, at 4:30:05, comes seconds after the reader connected).
    "$GAVEL" contest import --event-feed "$feed" --slug live --speed 2000 >"$tmp/live.out" 2>&1 &
    imp=$!
    pids+=($imp)
    start=$(date +%s.%N)
    live=
    for _ in $(seq 1 100); do
        live=$(sed -n 's/^contest \([0-9]*\) .*playing.*/\1/p' "$tmp/live.out")
        [ -n "$live" ] && break
        sleep 0.05
    done
    check "--speed says it is playing the contest ($live)" [ -n "$live" ]
    curl -sN -b "$cookie" "$api/contests/$live/event-feed" >"$tmp/stream.ndjson" &
    pids+=($!)
    rc=0
    wait "$imp" || rc=$?
    took=$(python3 -c "import sys,time; print(round(time.time() - float(sys.argv[1]), 1))" "$start")
    check "the import at --speed 2000 ends well" [ "$rc" = 0 ]
    check "... after the feed's pace, not at once (${took}s, at least 8)" \
        python3 -c "import sys; sys.exit(float(sys.argv[1]) < 8.1)" "$took"
    # Generous: the verdicts were all committed and published before now.
    for _ in $(seq 1 200); do
        [ "$(grep -c '"type":"judgements"' "$tmp/stream.ndjson")" -ge 4 ] && break
        sleep 0.1
    done
    python3 - "$tmp/stream.ndjson" <<'PY' && ok "the streamed feed got every verdict live, in log order" || not_ok "the streamed feed got every verdict live"
import json, sys
seen = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
# Verdicts logged after the reader's snapshot come as log notifications
# (tokens without "s"); all four of the visible teams must be there, one
# way or the other (the hidden team's is logged, and shown to no one).
judged = {e["data"]["submission_id"] for e in seen if e["type"] == "judgements" and e["data"]["judgement_type_id"]}
logged = [e for e in seen if e["type"] == "judgements" and not e["token"].startswith("s")]
toks = [int(e["token"].split(".")[0]) for e in logged]
print("# %d verdicts, %d of them from the log after the snapshot" % (len(judged), len(logged)))
sys.exit(0 if len(judged) == 4 and logged and toks == sorted(toks) else 1)
PY
fi
finish
