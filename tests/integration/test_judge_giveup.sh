#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_judge_giveup.sh GAVEL GAVEL_JUDGE EXAMPLES - a gavel-judge whose
# sandbox slots stop answering (their init processes SIGSTOPped, as a
# process stuck in uninterruptible sleep would leave them) gives up after
# the wall limit plus GAVEL_SANDBOX_GIVEUP_MS, replaces the slots, puts the
# submission back on the queue instead of giving it a verdict, logs it and
# counts it in gavel_judge_sandbox_giveups_total; the submission is then
# judged again and gets its real verdict. On the real PostgreSQL, Redis and
# sandbox.
. "$(dirname "$0")/lib.sh"
require_services
GAVEL=$1
JUDGE=$2
EXAMPLES=$3
if [ "$(id -u)" != 0 ]; then
    echo "the sandbox needs root" >&2
    exit 77
fi

db=itest_giveup_$$
url=$(fresh_db giveup)
work=$(mktemp -d)
judge_pid=
cleanup() {
    # A stopped init left by a failed check would keep the worker's exit
    # waiting; kill -9 takes the slots down with it.
    [ -n "$judge_pid" ] && kill -9 "$judge_pid" 2>/dev/null
    wait 2>/dev/null || true
    drop_db "$db"
    rm -rf "$work"
}
trap cleanup EXIT
export GAVEL_PG_URL=$url
export GAVEL_REDIS_URL="${GAVEL_REDIS_URL%/*}/6"
# Also bounds each slot start, which takes over a second on a loaded host.
export GAVEL_SANDBOX_GIVEUP_MS=3000
redis-cli -u "$GAVEL_REDIS_URL" FLUSHDB >/dev/null
sql() { psql "$url" -qAtc "$1"; }

expect_exit 0 "migrate" "$GAVEL" db migrate
expect_exit 0 "import a package" "$GAVEL" problem import "$EXAMPLES/circle-area"
hash='$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'
sql "INSERT INTO users (username, display_name, password_hash, tier) VALUES
     ('giveup1', 'Giveup', '$hash', 'free')"

port=$(free_port)
GAVEL_JUDGE_CACHE="$work/cache" GAVEL_JUDGE_METRICS_PORT=$port "$JUDGE" >"$work/worker.log" 2>&1 &
judge_pid=$!

# The worker's slots: keeper processes are its children, each slot's init
# the keeper's child. Both slots (the program's and the validator's) are
# stopped while idle, so the compile step is the first thing that gets no
# answer (after its 20 s wall limit and the 3 s give-up margin), and the
# reset of the other slot after it the second.
inits=
for _ in $(seq 1 200); do
    inits=$(for k in $(pgrep -P "$judge_pid"); do pgrep -P "$k" || true; done | xargs)
    [ "$(wc -w <<<"$inits")" = 2 ] && break
    sleep 0.05
done
check "the worker started two slots ($inits)" [ "$(wc -w <<<"$inits")" = 2 ]
# Let each slot finish preparing its first run (init then waits for RUN).
sleep 1
for p in $inits; do kill -STOP "$p"; done

id=$("$GAVEL" submit --user giveup1 --problem circle-area "$EXAMPLES/circle-area/submissions/accepted/area.c")
check "submitted ($id)" [ -n "$id" ]
for _ in $(seq 1 240); do
    [ "$(sql "SELECT status FROM submissions WHERE id = ${id:-0}")" = judged ] && break
    sleep 0.25
done
check "the submission was judged in the end" \
    [ "$(sql "SELECT status FROM submissions WHERE id = ${id:-0}")" = judged ]
check "with its real verdict, AC" [ "$(sql "SELECT verdict FROM submissions WHERE id = ${id:-0}")" = AC ]
check "one valid, finished judging" [ "$(sql "SELECT count(*) FROM judgings
    WHERE submission_id = ${id:-0} AND is_valid AND finished_at IS NOT NULL")" = 1 ]
check "the given-up judging was retired, not finished" [ "$(sql "SELECT count(*) FROM judgings
    WHERE submission_id = ${id:-0} AND NOT is_valid AND finished_at IS NULL")" = 1 ]
log=$(cat "$work/worker.log")
check "the give-up is logged at error" contains "$log" "error sandbox: slot .*: init did not answer"
check "the requeue is logged" contains "$log" "submission ${id:-0} put back on the queue (delivery 1)"
check "no judge error verdict was written" [ "$(sql "SELECT count(*) FROM judgings
    WHERE verdict = 'JE'")" = 0 ]
m=$(curl -sf "http://127.0.0.1:$port/metrics" || true)
giveups=$(metric "$m" gavel_judge_sandbox_giveups_total)
check "the give-ups are counted ($giveups)" [ "${giveups:-0}" -ge 1 ]
check "the metrics text is well-formed" metrics_format_ok "$m"
# Killed with their keeper, they may take a moment to go, and a zombie
# that whoever inherited it has not reaped yet is gone as a process.
alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
for _ in $(seq 100); do
    stopped=
    for p in $inits; do
        if alive "$p"; then stopped="$stopped $p"; fi
    done
    [ -z "$stopped" ] && break
    sleep 0.1
done
check "the stopped inits are gone ($stopped)" [ -z "$stopped" ]
now=0
for k in $(pgrep -P "$judge_pid"); do now=$((now + $(pgrep -P "$k" | wc -l))); done
check "the worker runs two fresh slots" [ "$now" = 2 ]

kill -TERM "$judge_pid"
for _ in $(seq 1 100); do kill -0 "$judge_pid" 2>/dev/null || break; sleep 0.1; done
check "the worker stops on SIGTERM" bash -c "! kill -0 $judge_pid 2>/dev/null"
wait "$judge_pid" 2>/dev/null
judge_pid=

if [ "$fails" -gt 0 ]; then
    echo "--- worker log"
    tail -n 40 "$work/worker.log"
fi
finish
