#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ws_fanout.sh [--servers K] [--baseline|--no-baseline] [N...] - fan-out
# benchmark of gavel-server (issue 5). Not a test: run by hand as root after
# building (it builds nothing; the binaries come from $GAVEL_BUILD_DIR,
# default build/). Default N: 1000 5000 10000.
#
# Starts its own PostgreSQL and Redis under var/bench-ws (ports 54400 and
# 63870) - or, with GAVEL_BENCH_SERVICES=env, uses the ones GAVEL_PG_URL and
# GAVEL_REDIS_URL name (scripts/services env) and leaves them running -,
# migrates, registers one user over the HTTP API (every connection shares its
# token), creates a running contest with SQL, starts K gavel-server processes
# (default 1) on one port (SO_REUSEPORT: the kernel spreads the client's
# connections over them), each with 65536 descriptors (or the hard limit, if
# lower), and runs bench/ws_fanout once per N against them (fresh servers per
# N, so the memory figure starts clean). GAVEL_BENCH_CLIENT_ARGS goes to the
# client as it is (e.g. "--events 50 --burst 200").
#
# The baseline (on unless --no-baseline): after gavel-server, for each N, the
# same client runs against K copies of bench/ws_fanout_raw (the same job with
# no framework) on the same port, and the table gets a "server" column
# (gavel / raw) and the ratios gavel/raw. It is on by default because the
# project measures speed against a baseline in the same run; --baseline
# says so explicitly, --no-baseline gives the gavel-only table of before.
# Prints the table; see docs/PROTOCOL.md, "Fan-out benchmark".
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
gv_require_root "bench/ws_fanout.sh"
cd "$GAVEL_ROOT"

nservers=${GAVEL_BENCH_SERVERS:-1}
baseline=true
sizes=()
while [ $# -gt 0 ]; do
    case $1 in
    --servers) nservers=$2; shift 2 ;;
    --servers=*) nservers=${1#*=}; shift ;;
    --baseline) baseline=true; shift ;;
    --no-baseline) baseline=false; shift ;;
    *) sizes+=("$1"); shift ;;
    esac
done
[[ $nservers =~ ^[1-9][0-9]?$ ]] || gv_die "--servers wants 1..99"
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 5000 10000)
build=${GAVEL_BUILD_DIR:-$GAVEL_ROOT/build}
bin=$build/bin
client=$build/bench/ws_fanout
raw=$build/bench/ws_fanout_raw
[ -x "$bin/gavel" ] && [ -x "$bin/gavel-server" ] && [ -x "$client" ] ||
    gv_die "build first: $bin/gavel-server and $client are needed"
! $baseline || [ -x "$raw" ] ||
    gv_die "build first: $raw is needed (or --no-baseline)"

gv_bench_services_init bench-ws 54400 63870
export GAVEL_LOG_LEVEL=warn
port=${GAVEL_BENCH_HTTP_PORT:-18470}
work=$(mktemp -d)
server_pids=()
stop_servers() {
    local p
    for p in "${server_pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${server_pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    server_pids=()
}
cleanup() {
    stop_servers
    gv_bench_services_stop
    rm -rf "$work"
}
trap cleanup EXIT
gv_port_in_use "$port" && gv_die "port $port is taken; set GAVEL_BENCH_HTTP_PORT"
gv_bench_services_start
"$bin/gavel" db migrate >/dev/null
contest=$(psql "$GAVEL_PG_URL" -qAtc "INSERT INTO contests (slug, title, starts_at, ends_at)
    VALUES ('fanout-' || md5(random()::text), 'Fan-out', now() - interval '1 hour',
            now() + interval '1 day')
    RETURNING id")

# start_servers [gavel|raw]: K processes of gavel-server or of the baseline.
start_servers() {
    local i kind=${1:-gavel}
    for i in $(seq "$nservers"); do
        if [ "$kind" = raw ]; then
            (
                ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
                exec "$raw" --port "$port" --addr 127.0.0.1 --redis "$GAVEL_REDIS_URL"
            ) 2>>"$work/raw.log" &
        else
            (
                # 65536, or as many as this container's hard limit allows.
                ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
                GAVEL_HTTP_PORT=$port GAVEL_HTTP_ADDR=127.0.0.1 exec "$bin/gavel-server"
            ) 2>>"$work/server.log" &
        fi
        server_pids+=($!)
    done
    # Every process answers once its healthz does; SO_REUSEPORT picks one
    # per connection, so ask until each pid has been seen listening.
    for _ in $(seq 100); do
        local up=0 p
        for p in "${server_pids[@]}"; do
            ss -Hltnp "sport = :$port" 2>/dev/null | grep -q "pid=$p," && up=$((up + 1))
        done
        # The baseline has no healthz; it listens once its XREAD is out.
        [ "$up" -eq "$nservers" ] && { [ "$kind" = raw ] ||
            curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; } && return 0
        sleep 0.1
    done
    if [ "$kind" = raw ]; then
        cat "$work/raw.log" >&2
        gv_die "ws_fanout_raw did not come up"
    fi
    cat "$work/server.log" >&2
    gv_die "gavel-server did not come up"
}

start_servers
auth='{"username":"fanout","password":"fanout-bench-pw"}'
token=$(curl -sf -H 'Content-Type: application/json' -d "$auth" \
    "http://127.0.0.1:$port/api/register" || curl -sf -H 'Content-Type: application/json' \
    -d "$auth" "http://127.0.0.1:$port/api/login" || true)
token=$(printf '%s' "$token" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')
[ ${#token} -eq 64 ] || gv_die "cannot register (or log in) the benchmark user"

out=$work/out
header=--header
kinds=(gavel)
! $baseline || kinds+=(raw)
for n in "${sizes[@]}"; do
    for kind in "${kinds[@]}"; do
        [ ${#server_pids[@]} -gt 0 ] || start_servers "$kind"
        gv_say "N = $n, $nservers $kind server process(es)"
        pids=$(IFS=,; echo "${server_pids[*]}")
        label=()
        ! $baseline || label=(--label "$kind")
        "$client" $header "${label[@]}" --port "$port" --connections "$n" --token "$token" \
            --contest "$contest" --server-pid "$pids" --redis "$GAVEL_REDIS_URL" \
            ${GAVEL_BENCH_CLIENT_ARGS:-} | tee -a "$out"
        header=
        stop_servers
    done
done

echo
echo "gavel-server fan-out, $nservers server process(es), $(nproc) cores, client on the same machine"
echo "(latencies from XADD to the client's read; 'last' = time to the last client of an"
echo " event, median and max over the events; cpu = servers' utime+stime per delivered"
echo " message, ccpu = the load client's; lost/dups/resync counted over the normal readers)"
if $baseline; then
    echo "(server: gavel = gavel-server, raw = bench/ws_fanout_raw, the no-framework baseline,"
    echo " same client, same run, one after the other for each N)"
fi
echo
grep '^|' "$out"
if $baseline; then
    echo
    echo "gavel/raw (above 1: gavel-server needs that many times the baseline's):"
    echo
    # Columns of a labelled row: 2 N, 3 server, 4 case, 6 p50, 7 p99, 9 last50, 11 cpu.
    awk -F'|' '
        function t(s) { gsub(/ /, "", s); return s }
        function r(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
        BEGIN {
            print "| N      | case   | p50   | p99   | last50 | cpu us |"
            print "| ------ | ------ | ----- | ----- | ------ | ------ |"
        }
        /^\| *[0-9]/ {
            k = t($2) SUBSEP t($4)
            if (t($3) == "gavel") {
                p50[k] = $6; p99[k] = $7; l50[k] = $9; cpu[k] = $11
            } else if (t($3) == "raw" && (k in p50)) {
                printf "| %6s | %-6s | %5s | %5s | %6s | %6s |\n", t($2), t($4),
                    r(p50[k], $6), r(p99[k], $7), r(l50[k], $9), r(cpu[k], $11)
            }
        }' "$out"
fi
echo
grep '^#' "$out" | sed 's/^#   /  /'
if [ -s "$work/raw.log" ]; then
    echo
    echo "baseline servers (dropped = closed because a send would block):"
    sed 's/^/  /' "$work/raw.log"
fi
if grep -q 'WARN\|ERROR' "$work/server.log"; then
    echo
    echo "server log (warnings):"
    grep 'WARN\|ERROR' "$work/server.log" | sort | uniq -c | sort -rn | head -n 10
fi
