#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_run.sh - the README's run command end to end, twice: the platform
# comes up with demo data, /healthz reports both stores up, /ws answers a
# ping; Ctrl-C (SIGINT to the process group) leaves nothing running.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; exit 77; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

export GAVEL_VAR=$ROOT/var/itest-run-$$
export GAVEL_PG_PORT=$(free_port)
export GAVEL_REDIS_PORT=$(free_port)
export GAVEL_HTTP_PORT=$(free_port)
# The URLs must follow the ports above, not the test run's own services.
unset GAVEL_PG_URL GAVEL_REDIS_URL
log=$(mktemp)
trap 'GAVEL_SERVICES_MODE=run "$ROOT/scripts/services" stop >/dev/null 2>&1 || true; rm -rf "$GAVEL_VAR" "$log"' EXIT

# What this run left: processes named after its own directories, and any
# still in the session scripts/run led (not every gavel- process of this
# build: ctest runs other tests' servers and judges beside this one).
leftovers() {
    pgrep -f -- "$GAVEL_VAR" || true
    pgrep -s "$run_sid" || true
    for p in $(pgrep -x redis-server); do
        if [ "$(readlink "/proc/$p/cwd")" = "$GAVEL_VAR/redis" ]; then echo "$p"; fi
    done
}

not_running() { ! kill -0 "$1" 2>/dev/null; }

run_once() {
    local round=$1 pid health="" i
    setsid "$ROOT/scripts/run" >"$log" 2>&1 &
    pid=$!
    run_sid=$pid
    for i in $(seq 1 600); do
        health=$(curl -fsS "http://127.0.0.1:$GAVEL_HTTP_PORT/healthz" 2>/dev/null) && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.2
    done
    check "round $round: /healthz answers 200" [ -n "$health" ]
    check "round $round: /healthz reports PostgreSQL up" contains "$health" '"postgres":{"up":true'
    check "round $round: /healthz reports Redis up" contains "$health" '"redis":{"up":true'
    check "round $round: the run command printed the URL" contains "$(cat "$log")" "http://localhost:$GAVEL_HTTP_PORT/"
    pong=$(python3 "$(dirname "$0")/ws_ping.py" 127.0.0.1 "$GAVEL_HTTP_PORT" 2>&1 || true)
    check "round $round: /ws answers ping with pong ($pong)" contains "$pong" '"type":"pong","id":42'
    check "round $round: the index page is served" \
        contains "$(curl -fsS "http://127.0.0.1:$GAVEL_HTTP_PORT/" 2>/dev/null)" "Gavel"
    problems=$(psql "postgresql://gavel@127.0.0.1:$GAVEL_PG_PORT/gavel" -qAtc \
        "SELECT string_agg(slug, ',' ORDER BY slug) FROM problems" 2>&1 || true)
    check "round $round: the demo and example problems are in PostgreSQL ($problems)" \
        [ "$problems" = "a-plus-b,circle-area,distinct-count,hello-gavel,max-subarray,pair-sum,subtask-sum" ]
    contests=$(psql "postgresql://gavel@127.0.0.1:$GAVEL_PG_PORT/gavel" -qAtc \
        "SELECT string_agg(slug || ':' || (now() BETWEEN starts_at AND ends_at), ',' ORDER BY slug)
         FROM contests WHERE slug IN ('weekly-icpc', 'olympiad-ioi')" 2>&1 || true)
    check "round $round: the example contests exist, the ICPC one running ($contests)" \
        [ "$contests" = "olympiad-ioi:false,weekly-icpc:true" ]
    # The platform judges: a submission gets its verdict from the running
    # gavel-judge (round 2 also proves a second run re-imports nothing).
    sub=$(GAVEL_PG_URL="postgresql://gavel@127.0.0.1:$GAVEL_PG_PORT/gavel" \
        GAVEL_REDIS_URL="redis://127.0.0.1:$GAVEL_REDIS_PORT/0" "$ROOT/build/bin/gavel" submit \
        --user alice --problem circle-area \
        "$ROOT/examples/problems/circle-area/submissions/accepted/area.c" 2>&1 || true)
    verdict=
    for i in $(seq 1 120); do
        verdict=$(psql "postgresql://gavel@127.0.0.1:$GAVEL_PG_PORT/gavel" -qAtc \
            "SELECT verdict FROM submissions WHERE id = ${sub:-0}" 2>/dev/null || true)
        [ -n "$verdict" ] && break
        sleep 0.25
    done
    check "round $round: a submission is judged AC by the running judge ($sub: $verdict)" \
        [ "$verdict" = AC ]
    check "round $round: one version per example problem" [ "$(psql \
        "postgresql://gavel@127.0.0.1:$GAVEL_PG_PORT/gavel" -qAtc "SELECT count(*) FROM
        problem_versions v JOIN problems p ON p.id = v.problem_id WHERE p.slug = 'pair-sum'")" = 1 ]

    kill -INT -- "-$pid" 2>/dev/null || true
    for i in $(seq 1 300); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    check "round $round: the run command exits after Ctrl-C" not_running "$pid"
    sleep 0.2
    left=$(leftovers)
    check "round $round: nothing is left running ($left)" [ -z "$left" ]
    check "round $round: the HTTP port is free again" [ -z "$(ss -Hltn "sport = :$GAVEL_HTTP_PORT")" ]
    if [ "$fails" -gt 0 ]; then
        echo "--- scripts/run output ---"
        tail -n 40 "$log"
    fi
}

run_once 1
run_once 2
finish
