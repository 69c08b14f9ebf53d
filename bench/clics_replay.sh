#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# clics_replay.sh [RUNS] - how fast `gavel contest replay` turns a CLICS
# event feed into its scoreboard (issue 12). Not a test: run by hand after
# building the dev preset; prints one table.
#
# Feeds: two synthetic ones made by bench/clics_gen.py (10,000 submissions
# over 1,000 teams, and 100,000 over 10,000, thirteen problems), and the
# real World Finals 47 feed (zstd) when ../shared/datasets has it. For each,
# the least of RUNS (3) whole-command wall and CPU (user + system) times of
#   replay     gavel contest replay --event-feed FEED >/dev/null (read,
#              parse, apply every line, compute and print the board)
#   baseline   the same lines through Python's json.loads and nothing else
#              (decompressed by zstd -dc first for a .zst feed), in this run
# and the ratio of their CPU times (replay / baseline: below 1, faster than
# parsing alone in Python). The load average before and after is printed:
# on a shared machine the wall times mostly measure the wait for a core.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
cd "$GAVEL_ROOT"
RUNS=${1:-3}
GAVEL=$GAVEL_ROOT/build/bin/gavel
[ -x "$GAVEL" ] || gv_die "build first: cmake --preset dev && cmake --build build"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

feeds=()
python3 bench/clics_gen.py 10000 1000 >"$tmp/synth-10k.ndjson"
python3 bench/clics_gen.py 100000 10000 >"$tmp/synth-100k.ndjson"
feeds+=("$tmp/synth-10k.ndjson" "$tmp/synth-100k.ndjson")
for d in "${GAVEL_DATASETS:-}" "$GAVEL_ROOT/../shared/datasets" /work/shared/datasets; do
    if [ -n "$d" ] && [ -f "$d/icpc-wf47/wf47-event-feed-live.ndjson.zst" ]; then
        feeds+=("$d/icpc-wf47/wf47-event-feed-live.ndjson.zst")
        break
    fi
done

# best COMMAND...: "WALL CPU" in microseconds, each the least of RUNS runs
# (CPU: user + system, children included). On a loaded machine the wall
# time is mostly waiting for a core; the CPU time is the work.
best() {
    local bw= bc= w c out
    for _ in $(seq 1 "$RUNS"); do
        out=$( { TIMEFORMAT='%3R %3U %3S'; time "$@" >/dev/null 2>&1; } 2>&1 | tail -n1)
        read -r w u s <<<"$out"
        w=$(echo "$w * 1000000 / 1" | bc)
        c=$(echo "($u + $s) * 1000000 / 1" | bc)
        if [ -z "$bw" ] || [ "$w" -lt "$bw" ]; then bw=$w; fi
        if [ -z "$bc" ] || [ "$c" -lt "$bc" ]; then bc=$c; fi
    done
    echo "$bw $bc"
}
parse_only() {
    local cat=(cat "$1")
    [[ $1 == *.zst ]] && cat=(zstd -q -dc "$1")
    "${cat[@]}" | python3 -c 'import json, sys
for line in sys.stdin:
    if line.strip():
        json.loads(line)'
}

uptime
printf '| feed | lines | submissions | teams | replay wall (s) | replay CPU (s) | baseline wall (s) | baseline CPU (s) | ratio (CPU) |\n'
printf '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n'
for f in "${feeds[@]}"; do
    lines=$(if [[ $f == *.zst ]]; then zstd -q -dc "$f"; else cat "$f"; fi | wc -l)
    counts=$(if [[ $f == *.zst ]]; then zstd -q -dc "$f"; else cat "$f"; fi |
        python3 -c 'import json, sys
s, t = set(), set()
for l in sys.stdin:
    e = json.loads(l)
    d = e.get("data")
    if isinstance(d, dict) and e["type"] == "submissions": s.add(d["id"])
    if isinstance(d, dict) and e["type"] == "teams": t.add(d["id"])
print(len(s), len(t))')
    "$GAVEL" contest replay --event-feed "$f" >/dev/null 2>&1 || gv_die "replay of $f failed"
    read -r rw rc <<<"$(best "$GAVEL" contest replay --event-feed "$f")"
    read -r pw pc <<<"$(best parse_only "$f")"
    printf '| %s | %d | %d | %d | %.3f | %.3f | %.3f | %.3f | %.2f |\n' "$(basename "$f")" "$lines" \
        ${counts% *} ${counts#* } "$(echo "$rw / 1000000" | bc -l)" "$(echo "$rc / 1000000" | bc -l)" \
        "$(echo "$pw / 1000000" | bc -l)" "$(echo "$pc / 1000000" | bc -l)" "$(echo "$rc / $pc" | bc -l)"
done
uptime
