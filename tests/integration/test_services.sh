#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_services.sh - scripts/services: start, idempotent restart, recovery
# from a killed run (stale pid files), a taken port, and a clean stop.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; exit 77; }
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SERVICES=$ROOT/scripts/services

export GAVEL_VAR=$ROOT/var/itest-services-$$
export GAVEL_PG_PORT=$(free_port)
export GAVEL_REDIS_PORT=$(free_port)
export GAVEL_SERVICES_MODE=test
trap '"$SERVICES" stop >/dev/null 2>&1 || true; rm -rf "$GAVEL_VAR"' EXIT

# Processes of ours: the postmaster names its data dir, and Redis runs
# with its cwd in our var/ (its command line shows only host:port).
our_processes() {
    pgrep -f -- "$GAVEL_VAR" || true
    for p in $(pgrep -x redis-server); do
        if [ "$(readlink "/proc/$p/cwd")" = "$GAVEL_VAR/redis" ]; then echo "$p"; fi
    done
}

expect_exit 0 "services start" "$SERVICES" start
eval "$("$SERVICES" env)"
check "PostgreSQL answers" psql "$GAVEL_PG_URL" -qAtc "SELECT 1"
check "Redis answers" redis-cli -p "$GAVEL_REDIS_PORT" ping
expect_exit 0 "second start is a no-op" "$SERVICES" start
expect_exit 0 "status" "$SERVICES" status
check "status shows both running" contains "$out" "redis: running"

# Simulate a run killed with SIGKILL: pid files stay behind.
kill -KILL "$(cat "$GAVEL_VAR/redis/redis.pid")" "$(head -n1 "$GAVEL_VAR/pg/data/postmaster.pid")"
check "killed services left pid files" \
    [ -f "$GAVEL_VAR/redis/redis.pid" ] && [ -f "$GAVEL_VAR/pg/data/postmaster.pid" ]
expect_exit 0 "start recovers from a killed run" "$SERVICES" start
check "PostgreSQL answers after recovery" psql "$GAVEL_PG_URL" -qAtc "SELECT 1"
check "Redis answers after recovery" redis-cli -p "$GAVEL_REDIS_PORT" ping

expect_exit 0 "services stop" "$SERVICES" stop
check "no process of ours is left" [ -z "$(our_processes)" ]
expect_exit 0 "second stop is a no-op" "$SERVICES" stop

# A port taken by somebody else: a clear error naming the port and the fix.
redis-server --port "$GAVEL_PG_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize yes --pidfile "$GAVEL_VAR/squatter.pid" >/dev/null
sleep 0.3
expect_exit 1 "start fails on a taken port" timeout 60 "$SERVICES" start
check "error names the port and the setting" contains "$out" "port $GAVEL_PG_PORT for PostgreSQL is taken"
check "error names GAVEL_PG_PORT" contains "$out" "GAVEL_PG_PORT"
kill "$(cat "$GAVEL_VAR/squatter.pid")"
"$SERVICES" stop >/dev/null 2>&1 || true
check "nothing is left after the failed start" [ -z "$(our_processes)" ]

finish
