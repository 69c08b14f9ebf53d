#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_judge_queue.sh GAVEL GAVEL_JUDGE EXAMPLES - the judging pipeline end
# to end on the real PostgreSQL, Redis and sandbox: example packages
# imported, submissions at every priority level queued before any worker
# runs, two gavel-judge workers, one of them SIGKILLed in the middle of a
# judging and restarted. Then every submission must have exactly one valid,
# finished judging with the verdict its example folder promises, the killed
# judging must be retired without test rows, and higher levels must have
# been served first.
. "$(dirname "$0")/lib.sh"
require_services
GAVEL=$1
JUDGE=$2
EXAMPLES=$3
if [ "$(id -u)" != 0 ]; then
    echo "the sandbox needs root" >&2
    exit 77
fi

db=itest_judge_$$
url=$(fresh_db judge)
work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    drop_db "$db"
    rm -rf "$work"
}
trap cleanup EXIT
export GAVEL_PG_URL=$url
# A Redis database of its own: no other test's queue or streams.
export GAVEL_REDIS_URL="${GAVEL_REDIS_URL%/*}/7"
# Short, so the killed worker's job is taken over soon, yet longer than one
# compile on a loaded CI host: a live worker touches its entry only between
# steps, and a compile that outlasted 2 s there got its job reclaimed three
# times over, hence a JE.
export GAVEL_JUDGE_RECLAIM_MS=8000
redis-cli -u "$GAVEL_REDIS_URL" FLUSHDB >/dev/null
sql() { psql "$url" -qAtc "$1"; }

expect_exit 0 "migrate" "$GAVEL" db migrate
expect_exit 0 "import four example packages" "$GAVEL" problem import \
    "$EXAMPLES/circle-area" "$EXAMPLES/pair-sum" "$EXAMPLES/distinct-count" "$EXAMPLES/subtask-sum"
check "import output names each version" contains "$out" "pair-sum: imported as version 1"

hash='$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'
sql "INSERT INTO users (username, display_name, password_hash, tier) VALUES
     ('paid1', 'Paid', '$hash', 'paid'), ('free1', 'Free', '$hash', 'free'),
     ('free2', 'Free Too', '$hash', 'free')"
sql "INSERT INTO contests (slug, title, starts_at, ends_at)
     VALUES ('kill-test', 'Kill test', now() - interval '1 hour', now() + interval '1 hour')"
sql "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal)
     SELECT c.id, p.id, l, o FROM contests c, (VALUES ('circle-area', 'A', 1),
         ('pair-sum', 'B', 2)) AS x(slug, l, o) JOIN problems p ON p.slug = x.slug"

# submit LEVEL USER PROBLEM [CONTEST] FOLDER/FILE: records the expectation.
declare -A expect level
submit() {
    local lv=$1 user=$2 prob=$3 contest=$4 file=$5 id
    local args=(submit --user "$user" --problem "$prob")
    [ -n "$contest" ] && args+=(--contest "$contest")
    id=$("$GAVEL" "${args[@]}" "$EXAMPLES/$prob/submissions/$file") || {
        not_ok "submit $file"
        return
    }
    case ${file%%/*} in
    accepted) expect[$id]=AC ;; wrong_answer) expect[$id]=WA ;;
    time_limit_exceeded) expect[$id]=TLE ;; run_time_error) expect[$id]=RE ;;
    memory_limit_exceeded) expect[$id]=MLE ;; compile_error) expect[$id]=CE ;;
    esac
    level[$id]=$lv
}
# Lowest priority first, so that serving in arrival order would fail the
# priority check below.
submit 3 free1 distinct-count "" accepted/set_size.py
submit 3 free2 pair-sum "" wrong_answer/zero_based.c
submit 3 free1 subtask-sum "" accepted/prefix.py
submit 3 free2 distinct-count "" time_limit_exceeded/quadratic.c
submit 2 paid1 circle-area "" accepted/area.py
submit 2 paid1 distinct-count "" memory_limit_exceeded/value_table.c
submit 2 paid1 subtask-sum "" wrong_answer/int_overflow.c
submit 2 paid1 pair-sum "" run_time_error/null_deref.c
submit 1 free1 circle-area kill-test wrong_answer/two_decimals.c
submit 1 free2 pair-sum kill-test accepted/first_pair.py
submit 1 free1 circle-area kill-test compile_error/late_declaration.cpp
submit 1 free2 pair-sum kill-test accepted/two_pointers.c
submit 0 paid1 circle-area kill-test accepted/Area.java
submit 0 paid1 pair-sum kill-test accepted/last_pair.cpp
submit 0 paid1 circle-area kill-test accepted/area.c
submit 0 paid1 pair-sum kill-test wrong_answer/self_pair.py
total=${#expect[@]}
check "16 submissions stored" [ "$total" = 16 ]
check "stored priorities match the levels" [ "$(sql "SELECT string_agg(priority::text, '' ORDER BY id)
    FROM submissions")" = "3333222211110000" ]

# start_worker N: a worker with a blob cache of its own; its pid in $started.
# Each serves GET /metrics on a port of its own, ${mports[N]}.
declare -A mports
start_worker() {
    mports[$1]=$(free_port)
    GAVEL_JUDGE_CACHE="$work/cache$1" GAVEL_JUDGE_METRICS_PORT=${mports[$1]} "$JUDGE" \
        >>"$work/worker$1.log" 2>&1 &
    started=$!
    pids+=("$started")
}
scrape() { curl -sf "http://127.0.0.1:${mports[$1]}/metrics" || true; }
# verdict_sum TEXT: gavel_verdicts_total summed over every verdict.
verdict_sum() { awk '/^gavel_verdicts_total\{/ { n += $2 } END { print n + 0 }' <<<"$1"; }
start_worker 1
w1=$started
start_worker 2
w2=$started
host=$(hostname)

# Kill worker 1 while it holds a judging that has not finished.
killed_judging=
for _ in $(seq 1 600); do
    killed_judging=$(sql "SELECT id FROM judgings WHERE judge_host = '$host:$w1'
        AND finished_at IS NULL LIMIT 1")
    [ -n "$killed_judging" ] && break
    sleep 0.05
done
check "worker 1 was caught mid-judging" [ -n "$killed_judging" ]
[ -n "$killed_judging" ] || { echo "# worker 1's log:"; sed 's/^/#   /' "$work/worker1.log"; } >&2
kill -9 "$w1"
killed_sub=$(sql "SELECT submission_id FROM judgings WHERE id = ${killed_judging:-0}")
start_worker 1

for _ in $(seq 1 600); do
    [ "$(sql "SELECT count(*) FROM submissions WHERE status = 'judged'")" = "$total" ] && break
    sleep 0.25
done
check "every submission judged" \
    [ "$(sql "SELECT count(*) FROM submissions WHERE status = 'judged'")" = "$total" ]

bad=0
for id in "${!expect[@]}"; do
    got=$(sql "SELECT verdict FROM submissions WHERE id = $id")
    if [ "$got" != "${expect[$id]}" ]; then
        not_ok "submission $id: verdict $got, expected ${expect[$id]}"
        bad=1
    fi
done
check "every verdict is the one its folder promises" [ "$bad" = 0 ]
check "exactly one valid, finished judging per submission" \
    [ "$(sql "SELECT count(*) FROM submissions s WHERE (SELECT count(*) FROM judgings j
        WHERE j.submission_id = s.id AND j.is_valid AND j.finished_at IS NOT NULL) <> 1")" = 0 ]
check "the valid judging carries the submission's verdict" \
    [ "$(sql "SELECT count(*) FROM submissions s JOIN judgings j ON j.submission_id = s.id
        AND j.is_valid WHERE j.verdict IS DISTINCT FROM s.verdict")" = 0 ]
check "the killed judging was retired, unfinished and without test rows" \
    [ "$(sql "SELECT is_valid::text || ' ' || (finished_at IS NULL)::text || ' ' ||
        (SELECT count(*) FROM judging_tests WHERE judging_id = j.id)
        FROM judgings j WHERE id = ${killed_judging:-0}")" = "false true 0" ]
check "the killed submission was judged again by a live worker" \
    [ "$(sql "SELECT count(*) FROM judgings WHERE submission_id = ${killed_sub:-0}
        AND is_valid AND judge_host <> '$host:$w1'")" = 1 ]
check "every per-test row belongs to a valid judging" \
    [ "$(sql "SELECT count(*) FROM judging_tests t JOIN judgings j ON j.id = t.judging_id
        WHERE NOT j.is_valid")" = 0 ]
check "an accepted submission has a row for every test" \
    [ "$(sql "SELECT count(*) FROM submissions s JOIN judgings j ON j.submission_id = s.id
        AND j.is_valid WHERE s.verdict = 'AC' AND (SELECT count(*) FROM judging_tests t
        WHERE t.judging_id = j.id) <> (SELECT count(*) FROM test_cases c
        WHERE c.problem_version_id = s.problem_version_id)")" = 0 ]
check "the problem counters were kept" \
    [ "$(sql "SELECT solve_count || ' ' || submission_count FROM problems
        WHERE slug = 'circle-area'")" = "1 5" ]

# Priority: the order in which judgings began (first judging of each
# submission) must put every level's mean position before the next one's.
order=$(sql "SELECT string_agg(s.priority::text, ' ' ORDER BY f.first) FROM submissions s
    JOIN (SELECT submission_id, min(id) AS first FROM judgings GROUP BY submission_id) f
    ON f.submission_id = s.id")
echo "# levels in dispatch order: $order"
means=$(awk '{ for (i = 1; i <= NF; i++) { s[$i] += i; n[$i]++ } }
    END { for (l = 0; l < 4; l++) printf "%.2f ", s[l] / n[l] }' <<<"$order")
echo "# mean dispatch position per level 0..3: $means"
check "higher levels were served first on average" \
    awk '{ exit !($1 < $2 && $2 < $3 && $3 < $4) }' <<<"$means"
check "the very first judging was of level 0" [ "${order%% *}" = 0 ]

# Rejudge: a new valid judging replaces the old one; still exactly one.
some=$(sql "SELECT min(id) FROM submissions WHERE verdict = 'AC'")
old=$(sql "SELECT id FROM judgings WHERE submission_id = $some AND is_valid")
expect_exit 0 "rejudge one submission" "$GAVEL" rejudge --submission "$some"
for _ in $(seq 1 200); do
    [ "$(sql "SELECT count(*) FROM judgings WHERE submission_id = $some
        AND is_valid AND finished_at IS NOT NULL AND id <> $old")" = 1 ] && break
    sleep 0.25
done
check "the rejudge produced one new valid judging" \
    [ "$(sql "SELECT count(*) || ' ' || bool_and(id <> $old) FROM judgings
        WHERE submission_id = $some AND is_valid")" = "1 true" ]
check "the rejudged verdict is still AC" \
    [ "$(sql "SELECT verdict FROM submissions WHERE id = $some")" = AC ]

# Worker 2 ran from the start: its counters are the judgings it finished.
m=$(scrape 2)
w2_judged=$(sql "SELECT count(*) FROM judgings WHERE judge_host = '$host:$w2'
    AND finished_at IS NOT NULL")
check "worker 2's /metrics is the text format" metrics_format_ok "$m"
check "worker 2 judged some submissions" [ "$w2_judged" -gt 0 ]
check "worker 2 counted its $w2_judged judgings (gavel_judgings_total $(metric "$m" gavel_judgings_total))" \
    [ "$(metric "$m" gavel_judgings_total)" = "$w2_judged" ]
check "worker 2's verdicts add up to its judgings" [ "$(verdict_sum "$m")" = "$w2_judged" ]
check "worker 2's judging times were all observed" \
    [ "$(metric "$m" gavel_judging_duration_seconds_count)" = "$w2_judged" ]
check "worker 2 ran a program in the sandbox per judging at least" \
    [ "$(metric "$m" gavel_sandbox_runs_total)" -ge "$w2_judged" ]
check "none of worker 2's sandbox runs failed" [ "$(metric "$m" gavel_sandbox_failures_total)" = 0 ]
expect_exit 2 "rejudge needs a target" "$GAVEL" rejudge
expect_exit 1 "rejudge of an unknown problem fails" "$GAVEL" rejudge --problem no-such-problem

# A Redis that lost the queue loses nothing: a stored, unqueued submission
# is picked up by a worker's recovery sweep.
redis-cli -u "$GAVEL_REDIS_URL" FLUSHDB >/dev/null
lost=$(sql "INSERT INTO submissions (user_id, problem_id, problem_version_id, language,
        source_blob, source_size, priority)
    SELECT u.id, p.id, v.id, 'c', s.source_blob, s.source_size, 3
    FROM users u, problems p JOIN problem_versions v ON v.problem_id = p.id,
        (SELECT source_blob, source_size FROM submissions WHERE id = $some) s
    WHERE u.username = 'free1' AND p.slug = 'circle-area' RETURNING id" | head -1)
kill -9 "${pids[@]}" 2>/dev/null || true
wait 2>/dev/null || true
pids=()
start_worker 3
for _ in $(seq 1 200); do
    [ "$(sql "SELECT status FROM submissions WHERE id = $lost")" = judged ] && break
    sleep 0.25
done
check "a submission lost by Redis was recovered and judged" \
    [ "$(sql "SELECT status FROM submissions WHERE id = $lost")" = judged ]
m=$(scrape 3)
check "worker 3 counted the one submission it judged" [ "$(metric "$m" gavel_judgings_total)" = 1 ]
check "worker 3's verdicts add up to one" [ "$(verdict_sum "$m")" = 1 ]
v=$(sql "SELECT verdict FROM submissions WHERE id = $lost")
check "under its verdict, $v" [ "$(metric "$m" "gavel_verdicts_total{verdict=\"$v\"}")" = 1 ]
# The loop refreshes the queue gauges about once a second.
waiting() { awk '/^gavel_judge_queue_waiting\{/ { n += $2; k++ } END { print k "/" n + 0 }' <<<"$1"; }
for _ in $(seq 1 50); do
    [ "$(waiting "$m")" = 5/0 ] && break
    sleep 0.1
    m=$(scrape 3)
done
check "the queue is reported empty again at its five levels ($(waiting "$m"))" \
    [ "$(waiting "$m")" = 5/0 ]

if [ "$fails" -gt 0 ]; then
    for f in "$work"/worker*.log; do echo "--- $f"; tail -n 30 "$f"; done
fi
finish
