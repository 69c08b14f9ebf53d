#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# judge_bench.sh [SUBMISSIONS] - judging throughput and submit-to-verdict
# latency (issue 4). Not a test: run by hand as root after building the dev
# preset; prints two tables.
#
# 1. Throughput on a generated problem with N small tests (A + B; N is
#    GAVEL_BENCH_TESTS, default 201), with
#    the same C solution, compiled once for the baseline:
#      plain loop   a shell loop running the compiled binary over the tests
#      gavel judge  the offline judge (sandboxed compile, N sandboxed runs,
#                   default checker), whole command, process start included
#      gavel-judge  one worker draining SUBMISSIONS queued submissions
#    and, separately, the test phase alone (what the goal is about: the
#    compile, ~0.1 s per judging, is not a test):
#      gavel judge, tests only  (T(N tests) - T(2 tests)) / (N - 2) per test:
#                   the same command on a copy of the problem with only its
#                   first two tests, so compile, start and exit cancel out
#      gavel-judge, tests only  from the worker's "running" event to its last
#                   "judging.test" event (the live stream's entry ids are
#                   millisecond timestamps), summed over the submissions
#    Ratio = tests/s divided by the plain loop's tests/s (goal >= 0.8).
# 2. Latency: 80 submissions (random examples of every verdict from
#    examples/problems) arriving at random moments within one minute, two
#    workers on this 2-core machine; p50/p95/max of judged_at - created_at.
#
# Uses its own PostgreSQL and Redis under var/bench (ports 54350/63820, or
# GAVEL_BENCH_PG_PORT/GAVEL_BENCH_REDIS_PORT: on a host shared with other
# checkouts, give each its own). GAVEL_BENCH_LATENCY=0 leaves out table 2
# (over a minute, and on a loaded host it says more about the host).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
gv_require_root "bench/judge_bench.sh"
cd "$GAVEL_ROOT"

runs=${1:-5}
ntests=${GAVEL_BENCH_TESTS:-201}
[ "$ntests" -ge 3 ] && [ "$ntests" -le 999 ] || gv_die "GAVEL_BENCH_TESTS must be 3-999"
# The shell's fork+exec is part of the baseline: say which shell.
echo "plain loop in bash $BASH_VERSION; load: $(uptime)"

bin=${GAVEL_BUILD_DIR:-$GAVEL_ROOT/build}/bin
[ -x "$bin/gavel" ] && [ -x "$bin/gavel-judge" ] || gv_die "build the dev preset first"

export GAVEL_VAR=$GAVEL_ROOT/var/bench GAVEL_PG_PORT=${GAVEL_BENCH_PG_PORT:-54350}
export GAVEL_REDIS_PORT=${GAVEL_BENCH_REDIS_PORT:-63820}
export GAVEL_SERVICES_MODE=test GAVEL_LOG_LEVEL=warn
work=$(mktemp -d)
workers=()
cleanup() {
    for p in "${workers[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "$GAVEL_ROOT/scripts/services" stop >/dev/null 2>&1 || true
    rm -rf "$work" "$GAVEL_VAR"
}
trap cleanup EXIT
"$GAVEL_ROOT/scripts/services" start >/dev/null
eval "$("$GAVEL_ROOT/scripts/services" env)"
sql() { psql "$GAVEL_PG_URL" -qAtc "$1"; }
now() { date +%s.%N; }

# --- the problem ---------------------------------------------------------
pkg=$work/bench-sum
mkdir -p "$pkg/data/sample" "$pkg/data/secret" "$pkg/submissions/accepted"
printf 'name: Bench Sum\nlimits:\n  time_limit: 1.0\n  memory: 256\n' >"$pkg/problem.yaml"
for i in $(seq -f %03g 1 "$ntests"); do
    a=$((RANDOM * RANDOM)) b=$((RANDOM * RANDOM))
    d=secret
    [ "$i" = 001 ] && d=sample
    echo "$a $b" >"$pkg/data/$d/$i.in"
    echo $((a + b)) >"$pkg/data/$d/$i.ans"
done
cat >"$pkg/submissions/accepted/sum.c" <<'EOF'
#include <stdio.h>
int main(void)
{
    long long a, b;
    if (scanf("%lld %lld", &a, &b) == 2)
        printf("%lld\n", a + b);
    return 0;
}
EOF
gcc -O2 -o "$work/sum" "$pkg/submissions/accepted/sum.c"
# The same problem with its first two tests only (a package needs a secret
# test): the fixed cost of a judging, for the tests-only figure.
pkg2=$work/bench-sum-2
mkdir -p "$pkg2/data/sample" "$pkg2/data/secret"
cp "$pkg/problem.yaml" "$pkg2/"
cp "$pkg"/data/sample/001.* "$pkg2/data/sample/"
cp "$pkg"/data/secret/002.* "$pkg2/data/secret/"

# --- throughput ----------------------------------------------------------
t0=$(now)
for r in $(seq 1 "$runs"); do
    for f in "$pkg"/data/*/*.in; do "$work/sum" <"$f" >"$work/out"; done
done
plain_s=$(echo "$(now) - $t0" | bc -l)

t0=$(now)
for r in $(seq 1 "$runs"); do
    "$bin/gavel" judge --problem "$pkg" "$pkg/submissions/accepted/sum.c" >"$work/judge.json"
done
judge_s=$(echo "$(now) - $t0" | bc -l)
grep -q '"verdict":"AC"' "$work/judge.json" || gv_die "gavel judge did not accept: $(head -c 300 "$work/judge.json")"
t0=$(now)
for r in $(seq 1 "$runs"); do
    "$bin/gavel" judge --problem "$pkg2" "$pkg/submissions/accepted/sum.c" >"$work/judge2.json"
done
judge2_s=$(echo "$(now) - $t0" | bc -l)
grep -q '"verdict":"AC"' "$work/judge2.json" || gv_die "gavel judge did not accept the 2-test copy"
# N - 2 tests per judging: the time of all but the fixed part.
judge_tests_s=$(echo "($judge_s - $judge2_s) * $ntests / ($ntests - 2)" | bc -l)

"$bin/gavel" db migrate >/dev/null
"$bin/gavel" problem import "$pkg" >/dev/null
hash='$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'
sql "INSERT INTO users (username, display_name, password_hash) VALUES ('bench', 'Bench', '$hash')"
for r in $(seq 1 "$runs"); do
    "$bin/gavel" submit --user bench --problem bench-sum "$pkg/submissions/accepted/sum.c" >/dev/null
done
GAVEL_JUDGE_CACHE=$work/cache "$bin/gavel-judge" 2>>"$work/worker.log" &
workers+=($!)
for _ in $(seq 1 1200); do
    [ "$(sql "SELECT count(*) FROM submissions WHERE status <> 'judged'")" = 0 ] && break
    sleep 0.1
done
[ "$(sql "SELECT count(*) FROM submissions WHERE verdict = 'AC'")" = "$runs" ] ||
    gv_die "the worker did not accept every submission: $(tail -5 "$work/worker.log")"
# From the first submission stored to the last verdict written: queueing,
# the worker's first blob fetches and all judging.
worker_s=$(sql "SELECT extract(epoch FROM max(judged_at) - min(created_at)) FROM submissions")
# Per submission: last judging.test entry - the "running" entry (after the
# compile), from the stream ids (ms); N - 1 test intervals of N, scaled.
# An entry is its id, then field and value lines: "type", the event's name,
# "data", its JSON (which does not repeat the name).
worker_tests_s=$(redis-cli -u "$GAVEL_REDIS_URL" --raw XRANGE gavel:live - + | awk '
    /^[0-9]+-[0-9]+$/ { split($0, id, "-"); ms = id[1]; type = ""; prev = ""; next }
    prev == "type" { type = $0 }
    { prev = $0 }
    /"submission_id"/ {
        if (!match($0, /"submission_id":[0-9]+/)) next
        sub_id = substr($0, RSTART + 16, RLENGTH - 16)
        if (type == "judging.state" && $0 ~ /"state":"running"/) start[sub_id] = ms
        else if (type == "judging.test") last[sub_id] = ms
    }
    END {
        for (k in last) if (k in start) { total += last[k] - start[k]; n++ }
        printf "%.3f\n", n ? total / 1000 : 0
    }')
kill "${workers[@]}"
wait 2>/dev/null || true
workers=()

tests=$((ntests * runs))
printf '\nThroughput: %d runs of a %d-test problem (%d tests)\n' "$runs" "$ntests" "$tests"
printf '%-26s %10s %10s %8s\n' "how" "seconds" "tests/s" "ratio"
plain_tps=$(echo "$tests / $plain_s" | bc -l)
for row in "plain loop:$plain_s" "gavel judge, whole:$judge_s" \
    "gavel judge, tests only:$judge_tests_s" "gavel-judge, whole:$worker_s" \
    "gavel-judge, tests only:$(echo "$worker_tests_s * $ntests / ($ntests - 1)" | bc -l)"; do
    name=${row%%:*} s=${row#*:}
    if [ "$(echo "$s > 0" | bc -l)" != 1 ]; then
        printf '%-26s %10s\n' "$name" "n/a"
        continue
    fi
    tps=$(echo "$tests / $s" | bc -l)
    printf '%-26s %10.2f %10.1f %8.2f\n' "$name" "$s" "$tps" "$(echo "$tps / $plain_tps" | bc -l)"
done

# --- latency -------------------------------------------------------------
[ "${GAVEL_BENCH_LATENCY:-1}" != 0 ] || exit 0
sql "TRUNCATE submissions, judgings, judging_tests CASCADE" >/dev/null
redis-cli -u "$GAVEL_REDIS_URL" FLUSHDB >/dev/null
"$bin/gavel" problem import examples/problems/circle-area examples/problems/pair-sum \
    examples/problems/distinct-count examples/problems/subtask-sum >/dev/null
mapfile -t pool < <(cd examples/problems && ls -d */submissions/*/* | sort)
for w in 1 2; do
    GAVEL_JUDGE_CACHE=$work/cache$w "$bin/gavel-judge" 2>>"$work/worker$w.log" &
    workers+=($!)
done
sleep 1
RANDOM=4
# RANDOM stops at 32767: scale it onto the minute.
mapfile -t at < <(for i in $(seq 1 80); do echo $((RANDOM * 60000 / 32768)); done | sort -n)
start=$(now)
for i in $(seq 0 79); do
    due=$(echo "$start + ${at[$i]} / 1000" | bc -l)
    wait_s=$(echo "$due - $(now)" | bc -l)
    [ "${wait_s:0:1}" = "-" ] || sleep "$wait_s"
    f=${pool[$((RANDOM % ${#pool[@]}))]}
    "$bin/gavel" submit --user bench --problem "${f%%/*}" "examples/problems/$f" >/dev/null &
done
wait_pids=$(jobs -p | grep -v -e "${workers[0]}" -e "${workers[1]}" || true)
for p in $wait_pids; do wait "$p" 2>/dev/null || true; done
for _ in $(seq 1 3000); do
    [ "$(sql "SELECT count(*) FROM submissions WHERE status <> 'judged'")" = 0 ] && break
    sleep 0.1
done
printf '\nLatency: 80 submissions within 60 s, 2 workers, examples of every verdict\n'
sql "SELECT 'judged ' || count(*) || ' of 80; submit-to-verdict ms: p50 ' ||
    round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)) || ', p95 ' ||
    round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)) || ', max ' || round(max(ms))
    FROM (SELECT extract(epoch FROM judged_at - created_at) * 1000 AS ms FROM submissions
          WHERE status = 'judged') t"
sql "SELECT '  ' || verdict || ': ' || count(*) FROM submissions GROUP BY verdict ORDER BY 1"
