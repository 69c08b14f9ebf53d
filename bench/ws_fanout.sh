#!/usr/bin/env bash
# ws_fanout.sh [N...] - fan-out benchmark of gavel-server (issue 5). Not a
# test: run by hand as root after building (it builds nothing; the binaries
# come from $GAVEL_BUILD_DIR, default build/). Default N: 1000 5000 10000.
#
# Starts its own PostgreSQL and Redis under var/bench-ws (ports 54400 and
# 63870), migrates, registers one user over the HTTP API (every connection
# shares its token), creates a running contest with SQL, starts one
# gavel-server with 65536 descriptors (or the hard limit, if lower), and runs bench/ws_fanout once per N
# against it (a fresh server per N, so the memory figure starts clean).
# Prints the table; see docs/PROTOCOL.md, "Fan-out benchmark".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
gv_require_root "bench/ws_fanout.sh"
cd "$GAVEL_ROOT"

sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 5000 10000)
build=${GAVEL_BUILD_DIR:-$GAVEL_ROOT/build}
bin=$build/bin
client=$build/bench/ws_fanout
[ -x "$bin/gavel" ] && [ -x "$bin/gavel-server" ] && [ -x "$client" ] ||
    gv_die "build first: $bin/gavel-server and $client are needed"

export GAVEL_VAR=$GAVEL_ROOT/var/bench-ws GAVEL_PG_PORT=54400 GAVEL_REDIS_PORT=63870
export GAVEL_SERVICES_MODE=test GAVEL_LOG_LEVEL=warn
port=${GAVEL_BENCH_HTTP_PORT:-18470}
work=$(mktemp -d)
server_pid=
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    server_pid=
}
cleanup() {
    stop_server
    "$GAVEL_ROOT/scripts/services" stop >/dev/null 2>&1 || true
    rm -rf "$work" "$GAVEL_VAR"
}
trap cleanup EXIT
gv_port_in_use "$port" && gv_die "port $port is taken; set GAVEL_BENCH_HTTP_PORT"
"$GAVEL_ROOT/scripts/services" start >/dev/null
eval "$("$GAVEL_ROOT/scripts/services" env)"
"$bin/gavel" db migrate >/dev/null
contest=$(psql "$GAVEL_PG_URL" -qAtc "INSERT INTO contests (slug, title, starts_at, ends_at)
    VALUES ('fanout', 'Fan-out', now() - interval '1 hour', now() + interval '1 day')
    RETURNING id")

start_server() {
    (
        # 65536, or as many as this container's hard limit allows.
        ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
        GAVEL_HTTP_PORT=$port GAVEL_HTTP_ADDR=127.0.0.1 exec "$bin/gavel-server"
    ) 2>>"$work/server.log" &
    server_pid=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0
        sleep 0.1
    done
    cat "$work/server.log" >&2
    gv_die "gavel-server did not come up"
}

start_server
token=$(curl -sf -H 'Content-Type: application/json' \
    -d '{"username":"fanout","password":"fanout-bench-pw"}' \
    "http://127.0.0.1:$port/api/register" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')
[ ${#token} -eq 64 ] || gv_die "cannot register the benchmark user"

out=$work/out
header=--header
for n in "${sizes[@]}"; do
    [ -n "$server_pid" ] || start_server
    gv_say "N = $n"
    "$client" $header --port "$port" --connections "$n" --token "$token" \
        --contest "$contest" --server-pid "$server_pid" --redis "$GAVEL_REDIS_URL" | tee -a "$out"
    header=
    stop_server
done

echo
echo "gavel-server fan-out, $(nproc) cores, client on the same machine"
echo "(latencies from XADD to the client's read; 'last' = time to the last client of an"
echo " event, median and max over the events; cpu = server utime+stime per delivered"
echo " message; lost/dups/resync counted over the normal readers)"
echo
grep '^|' "$out"
echo
grep '^#' "$out" | sed 's/^#   /  /'
if grep -q 'WARN\|ERROR' "$work/server.log"; then
    echo
    echo "server log (warnings):"
    grep 'WARN\|ERROR' "$work/server.log" | sort | uniq -c | sort -rn | head -n 10
fi
