#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# contest_load.sh [--verify] [--client BIN] [--signups K] [--window K]
# [SCENARIO...] - a
# whole contest under load (issue 14). Not a test (tests/integration/
# test_contest_load.sh runs a small round with --verify): run by hand as
# root after building; the binaries come from $GAVEL_BUILD_DIR (default
# build/), the client from build/bench/contest_load or --client.
#
# SCENARIO is N:SUBMISSIONS:SECONDS[:even]: N contestants, that many
# submissions over that many seconds, a burst at the start and a peak at
# the end (or evenly). Default: 1000:300:120 5000:300:120 130:80:60:even
# (the last is the World Finals peak: 80 submissions in one minute, about
# 130 teams connected).
#
# Uses the PostgreSQL and Redis that GAVEL_PG_URL and GAVEL_REDIS_URL name
# (eval "$(scripts/services env)"), in a database of its own per scenario
# (created and dropped) and Redis database $GAVEL_LOAD_REDIS_DB (default 9,
# flushed). Per scenario: migrates, imports examples/problems/circle-area,
# creates a running ICPC contest with it as problem A, N users with session
# tokens and contest registrations in SQL (so that N argon2id hashes do
# not dominate the run; --signups K of them, default 16, sign up over the
# socket instead, one after the other before the rest connect, which
# measures that cost; --window K, default 100 as the web client's contest
# page, subscribes to the board's top K rows and the caller's own, 0 to the
# whole board), starts two gavel-server
# processes (ports $GAVEL_LOAD_PORT and the next, default 18170; the judges'
# metrics on the two after) and two gavel-judge workers, and runs the client
# against them. Afterwards checks
# that PostgreSQL judged every acknowledged submission. Prints the table
# with the load average before and after each run; see docs/ARCHITECTURE.md,
# "Load". GAVEL_LOAD_KEEP_LOGS=PREFIX keeps the logs of a failed run as
# PREFIX.server and PREFIX.judge.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
gv_require_root "bench/contest_load.sh"
cd "$GAVEL_ROOT"

build=${GAVEL_BUILD_DIR:-$GAVEL_ROOT/build}
bin=$build/bin
client=$build/bench/contest_load
verify=
signups=16
window=100
scenarios=()
while [ $# -gt 0 ]; do
    case $1 in
    --verify) verify=--verify; shift ;;
    --client) client=$2; shift 2 ;;
    --signups) signups=$2; shift 2 ;;
    --window) window=$2; shift 2 ;;
    *) scenarios+=("$1"); shift ;;
    esac
done
[ ${#scenarios[@]} -gt 0 ] || scenarios=(1000:300:120 5000:300:120 130:80:60:even)
[ -x "$bin/gavel" ] && [ -x "$bin/gavel-server" ] && [ -x "$bin/gavel-judge" ] && [ -x "$client" ] ||
    gv_die "build first: $bin/gavel-server, gavel-judge and $client are needed"
[ -n "${GAVEL_PG_URL:-}" ] && [ -n "${GAVEL_REDIS_URL:-}" ] ||
    gv_die "GAVEL_PG_URL and GAVEL_REDIS_URL are needed (eval \"\$(scripts/services env)\")"
export GAVEL_LOG_LEVEL=${GAVEL_LOG_LEVEL:-warn}
port=${GAVEL_LOAD_PORT:-18170}
base_pg=$GAVEL_PG_URL
export GAVEL_REDIS_URL="${GAVEL_REDIS_URL%/*}/${GAVEL_LOAD_REDIS_DB:-9}"
work=$(mktemp -d)
db=
pids=()
stop_all() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
    [ -z "$db" ] || psql "$base_pg" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    db=
}
trap 'stop_all; rm -rf "$work"' EXIT
for p in "$port" $((port + 1)) $((port + 2)) $((port + 3)); do
    gv_port_in_use "$p" && gv_die "port $p is taken; set GAVEL_LOAD_PORT"
done
sql() { psql "$GAVEL_PG_URL" -v ON_ERROR_STOP=1 -qAtc "$1"; }

# setup N: a fresh database with the problem, the contest (its id in
# $contest) and N contestants.
setup() {
    local n=$1
    db=gavel_load_$$
    psql "$base_pg" -qAtc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null
    psql "$base_pg" -qAtc "CREATE DATABASE $db" >/dev/null
    export GAVEL_PG_URL="${base_pg%/*}/$db"
    redis-cli -u "$GAVEL_REDIS_URL" FLUSHDB >/dev/null
    "$bin/gavel" db migrate >/dev/null
    "$bin/gavel" problem import examples/problems/circle-area >/dev/null
    contest=$(sql "INSERT INTO contests (slug, title, starts_at, ends_at)
        VALUES ('load', 'Load', now() - interval '1 minute', now() + interval '1 day') RETURNING id")
    sql "INSERT INTO contest_problems (contest_id, problem_id, label, ordinal)
         SELECT $contest, id, 'A', 1 FROM problems WHERE slug = 'circle-area'"
    # Tokens are 64 hex digits; the server keeps the SHA-256 of their bytes.
    # Nobody logs in with the password: the hash only has to look like one.
    sql "INSERT INTO users (username, display_name, password_hash)
         SELECT 'load' || i, 'Load ' || i,
                '\$argon2id\$v=19\$m=65536,t=3,p=1\$c2FsdHNhbHQ\$aGFzaGhhc2hoYXNoaGFzaA'
         FROM generate_series(1, $n) i"
    sql "INSERT INTO sessions (token_hash, user_id, expires_at)
         SELECT sha256(decode(md5('a' || id) || md5('b' || id), 'hex')), id, now() + interval '1 day'
         FROM users"
    sql "INSERT INTO participants (contest_id, user_id) SELECT $contest, id FROM users"
    sql "SELECT username || ' ' || md5('a' || id) || md5('b' || id) FROM users ORDER BY id" \
        >"$work/tokens"
}

start() {
    local i
    for i in 0 1; do
        (
            ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
            GAVEL_HTTP_PORT=$((port + i)) GAVEL_HTTP_ADDR=127.0.0.1 exec "$bin/gavel-server"
        ) 2>>"$work/server.log" &
        pids+=($!)
    done
    server_pids="${pids[0]},${pids[1]}"
    for i in 0 1; do
        GAVEL_JUDGE_CACHE=$work/cache$i GAVEL_JUDGE_METRICS_PORT=$((port + 2 + i)) \
            "$bin/gavel-judge" 2>>"$work/judge.log" &
        pids+=($!)
    done
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null &&
            curl -sf "http://127.0.0.1:$((port + 1))/healthz" >/dev/null && return 0
        sleep 0.2
    done
    cat "$work/server.log" >&2
    gv_die "gavel-server did not come up"
}

out=$work/out
header=--header
rc=0
for sc in "${scenarios[@]}"; do
    IFS=: read -r n nsubs secs shape <<<"$sc"
    [[ $n =~ ^[0-9]+$ && $nsubs =~ ^[0-9]+$ && $secs =~ ^[0-9]+$ ]] ||
        gv_die "scenario $sc: want N:SUBMISSIONS:SECONDS[:even]"
    shape=${shape:-burst-peak}
    gv_say "N = $n, $nsubs submissions over $secs s ($shape)"
    setup "$n"
    start
    crc=0
    "$client" $header $verify --label "$nsubs/${secs}s${shape:+ $shape} w$window" --window "$window" \
        --ports "$port,$((port + 1))" --server-pid "$server_pids" --contest "$contest" \
        --problem circle-area --sources examples/problems/circle-area/submissions \
        --tokens "$work/tokens" --signups "$signups" --submissions "$nsubs" \
        --duration "$secs" --shape "$shape" | tee -a "$out" || crc=$?
    for p in "${pids[@]}"; do
        kill -0 "$p" 2>/dev/null || { echo "#   N=$n process $p had exited" | tee -a "$out"; crc=1; }
    done
    if [ "$crc" -ne 0 ] && [ -n "${GAVEL_LOAD_KEEP_LOGS:-}" ]; then
        cp "$work/server.log" "$GAVEL_LOAD_KEEP_LOGS.server" || true
        cp "$work/judge.log" "$GAVEL_LOAD_KEEP_LOGS.judge" || true
    fi
    header=
    # What PostgreSQL holds: every acknowledged submission judged, once.
    read -r judged total valid <<<"$(sql "SELECT count(*) FILTER (WHERE status = 'judged'),
        count(*), (SELECT count(*) FROM judgings j JOIN submissions s ON s.id = j.submission_id
                   WHERE j.is_valid AND j.finished_at IS NOT NULL
                     AND s.contest_id = $contest)
        FROM submissions WHERE contest_id = $contest" | tr '|' ' ')"
    echo "#   N=$n PostgreSQL: $judged of $total submissions judged, $valid valid judgings" |
        tee -a "$out"
    [ "$judged" = "$total" ] && [ "$valid" = "$total" ] || crc=1
    # The judges' own figure: what a judging takes, queue wait apart.
    for i in 0 1; do curl -sf "http://127.0.0.1:$((port + 2 + i))/metrics" || true; done |
        awk -v n="$n" '/^gavel_judging_duration_seconds_sum/ { s += $2 }
            /^gavel_judging_duration_seconds_count/ { c += $2 }
            END { if (c) printf "#   N=%s judges: %d judgings, %.2f s each on average (compile and tests)\n", n, c, s / c }' |
        tee -a "$out"
    [ "$crc" -eq 0 ] || rc=1
    stop_all
done

echo
echo "A whole contest under load: two gavel-server processes, two gavel-judge workers,"
echo "$(nproc) cores, PostgreSQL, Redis and the client on the same machine. Latencies in ms:"
echo "verdict = submit sent -> the submitter reads judging.verdict; board = the verdict's"
echo "stream entry -> each client reads the contestant's row (every client x verdict);"
echo "lost / doubled / errors as counted in bench/contest_load.c; load = 1-min load"
echo "average before-after the run."
echo
grep '^|' "$out"
echo
grep '^#' "$out" | sed 's/^#   /  /'
if grep -q 'WARN\|ERROR' "$work/server.log" "$work/judge.log" 2>/dev/null; then
    echo
    echo "logs (warnings):"
    cat "$work/server.log" "$work/judge.log" | grep 'WARN\|ERROR' | sort | uniq -c | sort -rn | head -n 10
fi
exit "$rc"
