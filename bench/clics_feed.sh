#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clics_feed.sh [READERS] [CLIENTS] - streamed CLICS event feeds beside the
# WebSocket clients, on one gavel-server (issue 12: "serves 1,000
# concurrent streaming readers without slowing the WebSocket clients,
# measured in one run"). Not a test: run by hand as root after building the
# dev preset (it builds nothing); prints a table. Defaults: 1000 and 1000.
#
# Starts its own PostgreSQL and Redis under var/bench-feed (ports 54410 and
# 63880) - or, with GAVEL_BENCH_SERVICES=env, uses the ones GAVEL_PG_URL and
# GAVEL_REDIS_URL name and leaves them running -, one gavel-server on
# GAVEL_BENCH_HTTP_PORT (18480), and plays a synthetic contest
# (bench/clics_gen.py: 20,000 submissions, 500 teams, five hours) into
# PostgreSQL with `gavel contest import --speed GAVEL_BENCH_SPEED` (50: about
# 55 verdicts a second, each a row of the events log and a live event). The
# import plays through every phase, so the phases differ only in the feeds:
#   1. `0 feeds`: bench/ws_fanout's scenarios (GAVEL_BENCH_EVENTS single
#      events, default 100; a burst of 100; the burst with 1% slow readers)
#      for CLIENTS WebSocket clients subscribed to another contest, with no
#      feed open;
#   2. `1 feed`: one streamed feed of the played contest for 10 s (the feed
#      latency with no crowd), in the first round only;
#   3. `N feeds`: READERS streamed feeds of the played contest
#      (bench/feed_readers, one epoll thread) and the same ws_fanout run;
#   phases 1 to 3 are played GAVEL_BENCH_ROUNDS times (3), alternating, and
#   a closing phase 1 ends them, so each round's feeds are bracketed by a
#   no-feed phase before and after; the WebSocket p99 with feeds is
#   compared with the mean of those two, round by round and by the rounds'
#   median, beside a control (a no-feed phase against its own neighbours:
#   the ratio this machine's noise alone gives). One run of each was too
#   noisy to tell (the control of phase 4 against phase 1 ranged from 0.5
#   to 1.6), and with the baseline always measured first the feeds always
#   ran on the larger contest;
#   3b. `N feeds elsewhere`: the same READERS feeds and ws_fanout run, but
#      the feeds served by a second gavel-server process (on
#      GAVEL_BENCH_HTTP_PORT + 1, the same PostgreSQL and Redis): the
#      baseline for "from one process". Whatever the feeds still cost the
#      WebSocket clients then is the feeds' traffic on the cores everything
#      here shares (the readers' reads, the kernel's loopback TCP, the
#      writes), which no design of the one process can take away; what
#      phase 3 costs beyond it is the one process's doing. Played in every
#      round, before phase 3 in even rounds and after it in odd ones (the
#      contest grows as the rounds run); GAVEL_BENCH_ELSEWHERE=0 leaves it
#      (and the second server) out;
#   4. `N idle`: the control: READERS streamed feeds of a contest with no
#      events (open connections that are never written to) and the same
#      ws_fanout run, so what open connections cost the loop is told
#      apart from what the feeds' traffic costs.
# The readers ask the public feed from the log's newest row
# (?since_token=E: no snapshot; a thousand snapshots at once would measure
# the snapshot, not the stream). For each phase with feeds: the latency
# from a row's events.created_at to each reader's first line of it (p50,
# p99), lines lost and extra (each reader's lines per row against the same
# feed read unstreamed afterwards), the readers' own CPU; and for every
# phase the server's CPU (% of one core, utime+stime over the phase) and
# VmRSS, and the load average.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
gv_require_root "bench/clics_feed.sh"
cd "$GAVEL_ROOT"

readers=${1:-1000}
clients=${2:-1000}
rounds=${GAVEL_BENCH_ROUNDS:-3}
# The feed readers' nice value: 19 (or `idle`, SCHED_IDLE) stands in for
# readers on other machines (their CPU then goes last on the two cores
# everything here shares).
readers_nice=${GAVEL_BENCH_READERS_NICE:-0}
readers_sched=(nice -n "$readers_nice")
[ "$readers_nice" = idle ] && readers_sched=(chrt -i 0)
# GAVEL_BENCH_SERVER_CPUS: gavel-server's cores (taskset -c), for the server
# kept apart from its clients (run this script itself under taskset -c on
# the other cores, and move PostgreSQL and Redis there too).
server_cpus=()
[ -n "${GAVEL_BENCH_SERVER_CPUS:-}" ] && server_cpus=(taskset -c "$GAVEL_BENCH_SERVER_CPUS")
events=${GAVEL_BENCH_EVENTS:-100}
speed=${GAVEL_BENCH_SPEED:-50}
build=${GAVEL_BUILD_DIR:-$GAVEL_ROOT/build}
bin=$build/bin
fanout_client=$build/bench/ws_fanout
feed_client=$build/bench/feed_readers
for x in "$bin/gavel" "$bin/gavel-server" "$fanout_client" "$feed_client"; do
    [ -x "$x" ] || gv_die "build first: $x is needed"
done
gv_bench_services_init bench-feed 54410 63880
export GAVEL_LOG_LEVEL=warn
port=${GAVEL_BENCH_HTTP_PORT:-18480}
elsewhere=${GAVEL_BENCH_ELSEWHERE:-1}
port2=$((port + 1))
work=$(mktemp -d)
# Every receipt's latency, phase by phase (ws_fanout --dump), pooled at the
# end by bench/feed_pool.py; kept in GAVEL_BENCH_DUMP (a directory) when set,
# for pooling many runs: bench/feed_pool.py DIR/*.lat.
latencies=$work/latencies.lat
if [ -n "${GAVEL_BENCH_DUMP:-}" ]; then
    mkdir -p "$GAVEL_BENCH_DUMP"
    latencies=$GAVEL_BENCH_DUMP/clics_feed-$(date -u +%Y%m%dT%H%M%S)-$$.lat
fi
server=
server2=
import=
feeds=
cleanup() {
    for p in $feeds $import $server $server2; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    gv_bench_services_stop
    rm -rf "$work"
}
trap cleanup EXIT
gv_port_in_use "$port" && gv_die "port $port is taken; set GAVEL_BENCH_HTTP_PORT"
[ "$elsewhere" = 1 ] && gv_port_in_use "$port2" &&
    gv_die "port $port2 is taken; set GAVEL_BENCH_HTTP_PORT (the second server takes the next one)"
gv_bench_services_start
"$bin/gavel" db migrate >/dev/null
suffix=$(date +%s)
fanout=$(psql "$GAVEL_PG_URL" -qAtc "INSERT INTO contests (slug, title, starts_at, ends_at)
    VALUES ('fanout-$suffix', 'Fan-out', now() - interval '1 hour', now() + interval '1 day')
    RETURNING id")
# start_server PORT: a gavel-server on PORT; its pid in $started.
start_server() {
    (
        ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
        GAVEL_HTTP_PORT=$1 GAVEL_HTTP_ADDR=127.0.0.1 exec "${server_cpus[@]}" "$bin/gavel-server"
    ) 2>>"$work/server-$1.log" &
    started=$!
    for _ in $(seq 100); do
        curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return
        sleep 0.1
    done
    gv_die "gavel-server on port $1 did not answer: $(cat "$work/server-$1.log")"
}
start_server "$port"
server=$started
if [ "$elsewhere" = 1 ]; then
    start_server "$port2"
    server2=$started
fi
auth='{"username":"fanout","password":"fanout-bench-pw"}'
token=$(curl -sf -H 'Content-Type: application/json' -d "$auth" \
    "http://127.0.0.1:$port/api/register" || curl -sf -H 'Content-Type: application/json' \
    -d "$auth" "http://127.0.0.1:$port/api/login" || true)
token=$(printf '%s' "$token" | sed -n 's/.*"token":"\([0-9a-f]*\)".*/\1/p')
[ ${#token} -eq 64 ] || gv_die "cannot register (or log in) the benchmark user"

# cpu_ticks [PID]: a server's utime+stime (default: the first server; 0
# for none).
cpu_ticks() {
    local pid=${1-$server}
    [ -n "$pid" ] && awk '{ print $14 + $15 }' "/proc/$pid/stat" || echo 0
}
# The loop's own thread (the main one) and the feeds' writer thread (named
# gavel-feedw; 0 when the server has none): what the feeds cost the loop
# the WebSocket clients share, told apart from what they cost the process.
thread_ticks() {
    local t
    if [ "$1" = loop ]; then
        t=/proc/$server/task/$server
    else
        t=$(grep -lx gavel-feedw /proc/"$server"/task/*/comm 2>/dev/null | head -n 1)
        t=${t%/comm}
    fi
    [ -n "$t" ] && awk '{ print $14 + $15 }' "$t/stat" 2>/dev/null || echo 0
}
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$server/status"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
hz=$(getconf CLK_TCK)
# phase_begin / phase_end NAME: the server's CPU (% of one core) and RSS.
phase_begin() {
    t0=$(date +%s.%N)
    c0=$(cpu_ticks)
    l0=$(thread_ticks loop)
    w0=$(thread_ticks writer)
    o0=$(cpu_ticks "$server2")
}
pct() {
    awk -v a="$1" -v b="$2" -v t0="$t0" -v t1="$t1" -v hz="$hz" \
        'BEGIN { printf "%.0f", (b - a) / hz / (t1 - t0) * 100 }'
}
phase_end() {
    local c1 l1 w1 o1
    t1=$(date +%s.%N)
    c1=$(cpu_ticks)
    l1=$(thread_ticks loop)
    w1=$(thread_ticks writer)
    o1=$(cpu_ticks "$server2")
    printf '%s|%s|%s|%s|%s|%s|%s\n' "$1" "$(pct "$c0" "$c1")" "$(pct "$l0" "$l1")" \
        "$(pct "$w0" "$w1")" "$(rss_kb)" "$(load)" "$(pct "$o0" "$o1")" >>"$work/phases"
}
fan() {
    "$fanout_client" "$@" --port "$port" --connections "$clients" --token "$token" \
        --contest "$fanout" --server-pid "$server" --redis "$GAVEL_REDIS_URL" \
        --dump "$latencies" | tee -a "$work/out"
}
reads() { curl -sf "http://127.0.0.1:$port/metrics" | awk '/^gavel_clics_feed_reads_total / { print $2 }'; }
holds() { curl -sf "http://127.0.0.1:$port/metrics" | awk '/^gavel_clics_feed_holds_total / { print $2 }'; }
newest_row() { psql "$GAVEL_PG_URL" -qAtc "SELECT coalesce(max(id), 0) FROM events"; }
# feeds_open [PORT]: the streamed feeds a server holds (default: the first).
feeds_open() { curl -sf "http://127.0.0.1:${1:-$port}/metrics" | awk '/^gavel_clics_feeds / { print $2 }'; }
# Until both servers have let the last phase's readers go (a server sees a
# reader's hang-up within a tick of the feed's timer, 5 s): a server still
# closing them during the next phase would be measured to its own credit.
feeds_gone() {
    for _ in $(seq 300); do
        [ "$(feeds_open)" = 0 ] && { [ "$elsewhere" != 1 ] || [ "$(feeds_open "$port2")" = 0 ]; } &&
            return
        sleep 0.1
    done
}
# start_readers N [CONTEST [PORT]]: N feeds of the played contest (or
# CONTEST) from the newest row, served by the first server (or the one on
# PORT), once the last phase's have been let go.
start_readers() {
    feeds_gone
    rm -f "$work/readers.fifo"
    mkfifo "$work/readers.fifo"
    local since
    since=$(newest_row)
    (
        ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
        exec "${readers_sched[@]}" "$feed_client" --port "${3:-$port}" --contest "${2:-$played}" \
            --readers "$1" \
            --pg "$GAVEL_PG_URL" --since "$since"
    ) >"$work/readers.fifo" 2>>"$work/readers.log" &
    feeds=$!
    exec 3<"$work/readers.fifo"
    read -r -t 120 line <&3 && [ "$line" = ready ] ||
        gv_die "the feed readers did not all connect: $(cat "$work/readers.log")"
}
# stop_readers NAME: their summary, as a table row.
stop_readers() {
    local summary
    kill -TERM "$feeds"
    read -r -t 120 summary <&3 || summary='{}'
    wait "$feeds" 2>/dev/null || true
    feeds=
    exec 3<&-
    echo "$1|$summary" >>"$work/feeds"
}

gv_say "playing a synthetic contest at ${speed}x"
python3 bench/clics_gen.py 20000 500 >"$work/feed.ndjson"
"$bin/gavel" contest import --event-feed "$work/feed.ndjson" --slug "feedbench-$suffix" \
    --speed "$speed" >"$work/import.log" 2>&1 &
import=$!
played=
for _ in $(seq 300); do
    played=$(psql "$GAVEL_PG_URL" -qAtc "SELECT id FROM contests WHERE slug = 'feedbench-$suffix'")
    [ -n "$played" ] && break
    sleep 0.1
done
[ -n "$played" ] || gv_die "the import made no contest: $(cat "$work/import.log")"
sleep 2 # its first verdicts

# Phase 3b: the same feeds, served by the second gavel-server.
feeds_elsewhere() {
    gv_say "3b. round $round/$rounds: $readers feeds on another gavel-server, the same $clients WebSocket clients"
    start_readers "$readers" "$played" "$port2"
    phase_begin
    fan --events "$events" --label "$readers feeds elsewhere #$round"
    phase_end "$readers feeds elsewhere #$round"
    stop_readers "$readers feeds elsewhere #$round"
}

rss_none=$(rss_kb)
nreads=0
nholds=0
for round in $(seq "$rounds"); do
    gv_say "1. round $round/$rounds: $clients WebSocket clients, no feed"
    phase_begin
    if [ "$round" = 1 ]; then
        fan --header --events "$events" --label "0 feeds #$round"
    else
        fan --events "$events" --label "0 feeds #$round"
    fi
    phase_end "0 feeds #$round"

    if [ "$round" = 1 ]; then
        gv_say "2. one feed for 10 s"
        start_readers 1
        phase_begin
        sleep 10
        phase_end "1 feed"
        stop_readers "1 feed"
    fi

    [ "$elsewhere" = 1 ] && [ $((round % 2)) = 0 ] && feeds_elsewhere
    gv_say "3. round $round/$rounds: $readers feeds and the same $clients WebSocket clients"
    [ "$round" = 1 ] && rss0=$(rss_kb)
    start_readers "$readers"
    [ "$round" = 1 ] && rss1=$(rss_kb)
    reads0=$(reads)
    holds0=$(holds)
    phase_begin
    fan --events "$events" --label "$readers feeds #$round"
    phase_end "$readers feeds #$round"
    reads1=$(reads)
    nreads=$((nreads + reads1 - reads0))
    nholds=$((nholds + $(holds) - holds0))
    stop_readers "$readers feeds #$round"
    [ "$elsewhere" = 1 ] && [ $((round % 2)) = 1 ] && feeds_elsewhere
    feeds_gone
done
# The last feeds' round is bracketed too: each round's feeds are compared
# with the no-feed phases just before and just after them, since the
# contest grows and the machine drifts while the rounds run (measured
# before only, the feeds were always measured later than their baseline).
gv_say "1. closing: $clients WebSocket clients, no feed"
phase_begin
fan --events "$events" --label "0 feeds #$((rounds + 1))"
phase_end "0 feeds #$((rounds + 1))"

gv_say "4. $readers idle feeds (a contest without events) and the same $clients WebSocket clients"
idle=$(psql "$GAVEL_PG_URL" -qAtc "INSERT INTO contests (slug, title, starts_at, ends_at)
    VALUES ('feedidle-$suffix', 'Idle', now() - interval '1 hour', now() + interval '1 day')
    RETURNING id")
start_readers "$readers" "$idle"
phase_begin
fan --events "$events" --label "$readers idle"
phase_end "$readers idle"
stop_readers "$readers idle"
kill "$import" 2>/dev/null || true
wait "$import" 2>/dev/null || true
import=

echo
echo "gavel-server: $clients WebSocket clients (bench/ws_fanout) with 0, then $readers streamed"
echo "CLICS feeds (bench/feed_readers) of a contest played live at ${speed}x by gavel contest import;"
echo "$(getconf _NPROCESSORS_ONLN) cores, every client on the same machine (the feed readers: ${readers_sched[*]});"
[ ${#server_cpus[@]} -gt 0 ] && echo "gavel-server on cores $GAVEL_BENCH_SERVER_CPUS, this script on $(taskset -cp $$ | sed 's/.*: //')"
echo "GAVEL_CLICS_FEED_MAX: ${GAVEL_CLICS_FEED_MAX:-2000, the default}"
echo
echo "WebSocket clients (label = feeds open meanwhile):"
echo
grep '^|' "$work/out"
echo
grep '^#' "$work/out" | sed 's/^#   /  /'
echo
echo "WebSocket p99 with $readers feeds open against without, round by round: each round's"
echo "feeds phase over the mean of the no-feed phases just before and just after it (the"
echo "contest grows and the machine drifts as the rounds run). The control is the same"
echo "ratio for a no-feed phase over the no-feed phases two steps around it: what this"
echo "machine's noise alone makes of the ratio, no feed involved:"
echo
python3 - "$work/out" "$readers" <<'EOF'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    f = [c.strip() for c in line.split("|")]
    if len(f) < 8 or not f[1].isdigit() or "#" not in f[2]:
        continue
    label, rnd = f[2].rsplit("#", 1)
    rows.setdefault(f[3], {}).setdefault(label.strip(), {})[int(rnd)] = float(f[6])
with_ = "%s feeds" % sys.argv[2]
w = max(len(with_) + 4, 8)
print("| case   | round  | p99 0 feeds before, after | %-*s | ratio | control |" % (w, "p99 " + with_))
print("| ------ | ------ | ------------------------- | %s | ----- | ------- |" % ("-" * w))
for case in ("single", "burst", "slow1%"):
    none, feeds = rows.get(case, {}).get("0 feeds", {}), rows.get(case, {}).get(with_, {})
    ratios, controls = [], []
    for r in sorted(feeds):
        if r not in none or r + 1 not in none:
            continue
        base = (none[r] + none[r + 1]) / 2
        ratios.append(feeds[r] / base)
        ctl = ""
        if r - 1 in none and r + 1 in none:
            controls.append(none[r] / ((none[r - 1] + none[r + 1]) / 2))
            ctl = "%.2f" % controls[-1]
        print("| %-6s | %6d | %11.1f, %11.1f | %*.1f | %5.2f | %7s |" % (
            case, r, none[r], none[r + 1], w, feeds[r], ratios[-1], ctl))
    if ratios:
        print("| %-6s | median | %25s | %*s | %5.2f | %7s |" % (
            case, "", w, "", statistics.median(ratios),
            "%.2f" % statistics.median(controls) if controls else ""))
EOF
echo
echo "The same from every receipt (bench/feed_pool.py): per round, the geometric mean of each"
echo "feeds phase over the no-feed phases around it, beside the same for each no-feed phase"
echo "between two others (the control); pooled, all $rounds feeds phases' receipts against all"
echo "$((rounds + 1)) no-feed phases'. 95% intervals from resampling whole rounds; one holding 1.00"
echo "is no slowdown these rounds can tell from none:"
echo
python3 "$GAVEL_ROOT/bench/feed_pool.py" "$latencies"
[ -n "${GAVEL_BENCH_DUMP:-}" ] && echo "(receipts kept in $latencies)"
echo
echo "feeds (latency: events.created_at of a row -> a reader's first line of it):"
echo
echo "| phase                   | readers | rows | lines    | lost | extra | p50 ms | p99 ms | max ms | spread p99 | readers cpu s |"
echo "| ----------------------- | ------- | ---- | -------- | ---- | ----- | ------ | ------ | ------ | ---------- | ------------- |"
while IFS='|' read -r name json; do
    python3 - "$name" "$json" <<'EOF'
import json, sys
n, j = sys.argv[1], json.loads(sys.argv[2] or "{}")
g = lambda k: j.get(k, "?")
print("| %-23s | %7s | %4s | %8s | %4s | %5s | %6s | %6s | %6s | %10s | %13s |" % (
    n, g("readers"), g("rows"), g("lines_expected"), g("lost"), g("extra"),
    g("latency_p50_ms"), g("latency_p99_ms"), g("latency_max_ms"), g("spread_p99_ms"),
    g("cpu_s")))
EOF
done <"$work/feeds"
echo
echo "servers, per phase (cpu = utime+stime / wall time, % of one core; the first server's"
echo "figures, and the whole of the second one's, which serves the feeds of phase 3b):"
echo
echo "| phase                   | cpu % | loop thread % | feeds' writer % | VmRSS KiB | load average   | other server cpu % |"
echo "| ----------------------- | ----- | ------------- | --------------- | --------- | -------------- | ------------------ |"
while IFS='|' read -r name cpu loop writer rss ld other; do
    printf '| %-23s | %5s | %13s | %15s | %9s | %-14s | %18s |\n' "$name" "$cpu" "$loop" "$writer" \
        "$rss" "$ld" "$other"
done <"$work/phases"
echo
echo "server VmRSS: $rss_none KiB before any client, $rss0 -> $rss1 KiB when the" \
    "$readers feeds connected ($(( (rss1 - rss0) / (readers > 0 ? readers : 1) )) KiB each)"
echo "event-log reads for the $readers feeds during the $rounds rounds of phase 3: $nreads" \
    "(gavel_clics_feed_reads_total: feeds at one position share a read); batches held for the" \
    "WebSocket pushes: $nholds (GAVEL_CLICS_YIELD_MS: ${GAVEL_CLICS_YIELD_MS:-2000, the default})"
echo "import: $(tail -n 1 "$work/import.log" 2>/dev/null)"
if cat "$work"/server-*.log | grep -q 'WARN\|ERROR'; then
    echo
    echo "server logs (warnings):"
    cat "$work"/server-*.log | grep 'WARN\|ERROR' | sort | uniq -c | sort -rn | head -n 10
fi
