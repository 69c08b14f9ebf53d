#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_contest_load.sh GAVEL CLIENT - a small whole contest (issue 14) on the
# real PostgreSQL, Redis and sandbox: 50 contestants over two gavel-server
# processes (2 of them signing up over the socket), 80 submissions of every
# kind (AC, WA, TLE, CE) with a burst and a peak, two gavel-judge workers,
# every client subscribed to a window of 20 rows (fewer than the board's, so
# that rows outside it arrive only as pushes and my_rows matters);
# bench/contest_load.sh --verify drives it with the load client built here.
# It fails unless every submission got exactly one verdict push, of its
# source's kind; every client read every verdict's board row (or a newer row
# of that contestant) and no push twice; no error, resync or closed
# connection; every client's newest rows (pushed, or from its snapshot
# window) equal contest.scoreboard, computed from PostgreSQL; and PostgreSQL holds one finished valid judging for each
# submission. No timing is asserted.
. "$(dirname "$0")/lib.sh"
require_services
GAVEL=$1
CLIENT=$2
if [ "$(id -u)" != 0 ]; then
    echo "the sandbox needs root" >&2
    exit 77
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
# Four consecutive free ports: two servers, two judges' metrics.
while :; do
    port=$(free_port)
    [ -z "$(ss -Hltn "sport >= :$port and sport <= :$((port + 3))")" ] && break
done
out=$(GAVEL_BUILD_DIR=$(dirname "$(dirname "$GAVEL")") GAVEL_LOAD_PORT=$port \
    GAVEL_LOAD_REDIS_DB=10 "$root/bench/contest_load.sh" --verify --client "$CLIENT" \
    --signups 2 --window 20 50:80:15 2>&1) && rc=0 || rc=$?
echo "$out"
check "the round passes the load client's checks and PostgreSQL's" [ "$rc" = 0 ]
check "80 submissions acknowledged" contains "$out" "80 acknowledged, 80 verdicts (0 not"
check "nothing lost" contains "$out" "lost: 0 verdicts, 0 (verdict, client) board deliveries, 0 stale"
check "nothing doubled" contains "$out" "doubled: 0 verdicts, 0 pushes out of order"
check "the final board is PostgreSQL's" contains "$out" "final board: 0 of 50 rows differ"
check "PostgreSQL judged all" contains "$out" "80 of 80 submissions judged, 80 valid judgings"
finish
