#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/plag/run.sh GAVEL [accuracy|speed|fpcost|all] - gavel plag beside SIM
# and Dolos on the same files, in one run (docs/PLAGIARISM.md has the figures).
#   accuracy: ROC-AUC, average precision and recall per level on IR-Plag
#             (../shared/datasets/ir-plag, unzipped into a temporary folder)
#             and on tests/data/plagiarism; all pairs within a case or task.
#   speed:    1,000 synthetic ~100-line C++ files (~500,000 pairs), wall
#             time and peak RSS of gavel, Dolos and SIM (/usr/bin/time -v),
#             and each peer's ratio to gavel's default run. SIM runs in its
#             corpus mode (-p, no -e: each run of tokens matched once);
#             with -e, each pair in isolation as the accuracy runs use it,
#             it had not finished after 16 minutes. SIM_SPEED=0 leaves it out.
#   fpcost:   the fingerprinting cost per accepted source, step by step
#             (plag_fp_cost, built beside GAVEL in ../bench/), on 200 lines
#             of tests/data/plagiarism; with the upsert when GAVEL_PG_URL
#             is set (a migrated test database).
# Needs: node with `npm ci` run here (Dolos), similarity-tester (sim_java,
# sim_c++), jq, unzip. Extra gavel options go in GAVEL_OPTS (e.g. "-k 10").
# Not part of ctest.
set -euo pipefail
GAVEL=$(realpath "${1:?usage: run.sh GAVEL [accuracy|speed|fpcost|all]}")
what=${2:-all}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
irzip=${IRPLAG_ZIP:-$root/../shared/datasets/ir-plag/IR-Plag-Dataset.zip}
[ -f "$irzip" ] || irzip=/work/shared/datasets/ir-plag/IR-Plag-Dataset.zip
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
read -r -a opts <<<"${GAVEL_OPTS:-}"

# gavel_scores LANG OUT ROOT: every pair within ROOT's subfolders, all of them written.
gavel_scores() {
    "$GAVEL" plag --lang "$1" --group-by-dir --min-similarity 0 --max-pairs 0 "${opts[@]}" \
        --json "$tmp/g.json" "$3" 2>/dev/null
    jq -r '.pairs[] | [.left, .right, .similarity] | @tsv' "$tmp/g.json" >"$2"
}

# peers_scores SIMCMD DOLOSLANG EXT GROUPDIR... : SIM (max of its two
# directed percentages, each pair in isolation) and Dolos, per group.
peers_scores() {
    local sim=$1 lang=$2 ext=$3
    shift 3
    : >"$tmp/sim.tsv"
    : >"$tmp/dolos.tsv"
    for g in "$@"; do
        find "$g" -name "*.$ext" | sort >"$tmp/list"
        # shellcheck disable=SC2046
        "$sim" -p -e -T -t 1 $(cat "$tmp/list") |
            sed -nE 's/^(.*) consists for ([0-9]+) % of (.*) material$/\1\t\3\t\2/p' |
            awk -F'\t' '{print $1 "\t" $2 "\t" $3 / 100}' >>"$tmp/sim.tsv"
        node "$here/dolos_run.mjs" "$lang" "$tmp/list" >>"$tmp/dolos.tsv"
    done
}

accuracy() {
    echo "## IR-Plag (Java): positives = plagiarized vs original, negatives = non-plagiarized vs original"
    unzip -q "$irzip" -d "$tmp/ir"
    local ir=$tmp/ir/IR-Plag-Dataset
    for c in "$ir"/case-*; do
        o=$(ls "$c"/original/*.java | head -1)
        find "$c/plagiarized" -name "*.java" | sort | while read -r f; do
            printf '%s\t%s\t1\t%s\n' "$o" "$f" "$(sed -E 's|.*/plagiarized/(L[0-9])/.*|\1|' <<<"$f")"
        done
        find "$c/non-plagiarized" -name "*.java" | sort | while read -r f; do
            printf '%s\t%s\t0\t-\n' "$o" "$f"
        done
    done >"$tmp/ir.labels"
    gavel_scores java "$tmp/gavel.tsv" "$ir"
    peers_scores sim_java java java "$ir"/case-*
    node "$here/score.mjs" "$tmp/ir.labels" gavel="$tmp/gavel.tsv" sim="$tmp/sim.tsv" \
        dolos="$tmp/dolos.tsv"

    echo
    echo "## tests/data/plagiarism (C++): every pair within a task, labels.tsv"
    local set=$root/tests/data/plagiarism
    tail -n +2 "$set/labels.tsv" | awk -F'\t' -v d="$set/cpp" \
        '{print d "/" $1 "/" $2 "\t" d "/" $1 "/" $3 "\t" $4 "\t" ($4 ? $5 : "-")}' >"$tmp/own.labels"
    gavel_scores cpp "$tmp/gavel.tsv" "$set/cpp"
    peers_scores sim_c++ cpp cpp "$set"/cpp/*/
    sed -i 's|//|/|g' "$tmp/sim.tsv" "$tmp/dolos.tsv"
    node "$here/score.mjs" "$tmp/own.labels" gavel="$tmp/gavel.tsv" sim="$tmp/sim.tsv" \
        dolos="$tmp/dolos.tsv"
}

# measure NAME COMMAND...: wall time (s) and peak RSS (MB) into $tmp/m.NAME,
# and a table row (with the CPU time).
measure() {
    local name=$1 wall rss cpu
    shift
    /usr/bin/time -v "$@" >"$tmp/out" 2>"$tmp/time" || { cat "$tmp/time" >&2; return 1; }
    # "h:mm:ss" or "m:ss.ss" -> seconds
    wall=$(sed -nE 's/.*Elapsed \(wall clock\) time.*: (.*)/\1/p' "$tmp/time" |
        awk -F: '{s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s}')
    rss=$(($(sed -nE 's/.*Maximum resident set size \(kbytes\): (.*)/\1/p' "$tmp/time") / 1024))
    # CPU time too: on a shared machine it moves less with the load than the wall time.
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$tmp/time")
    echo "$wall $rss" >"$tmp/m.$name"
    printf '| %s | %s s | %s s | %s MB |' "$name" "$wall" "$cpu" "$rss"
}

# ratio NAME BASE: NAME's time and memory over BASE's.
ratio() {
    read -r w1 r1 <"$tmp/m.$1"
    read -r w0 r0 <"$tmp/m.$2"
    awk -v a="$w1" -v b="$w0" -v c="$r1" -v d="$r0" \
        'BEGIN { printf " %.1fx | %.1fx |\n", a / (b > 0.01 ? b : 0.01), c / (d > 0 ? d : 1) }'
}

speed() {
    echo "## speed: 1,000 synthetic C++ files of ~100 lines, one group (499,500 pairs)"
    echo "load before: $(uptime)"
    node "$here/gen_synth.mjs" "$tmp/synth" 1000
    find "$tmp/synth" -name "*.cpp" | sort >"$tmp/synth.list"
    echo
    echo "| run | wall | CPU (user + sys) | peak RSS | wall / gavel's | memory / gavel's |"
    echo "|---|---|---|---|---|---|"
    # Every pair scored; the strongest 10,000 (the default) get their
    # details and are written, as an organizer would read them.
    measure gavel "$GAVEL" plag --lang cpp --json "$tmp/s.json" --html "$tmp/s.html" "$tmp/synth"
    ratio gavel gavel
    local found
    found=$(jq .pairs_found "$tmp/s.json")
    measure gavel-all "$GAVEL" plag --lang cpp --max-pairs 0 --json "$tmp/a.json" "$tmp/synth"
    ratio gavel-all gavel
    measure Dolos node "$here/dolos_run.mjs" cpp "$tmp/synth.list"
    ratio Dolos gavel
    if [ "${SIM_SPEED:-1}" != 0 ]; then
        # shellcheck disable=SC2046
        measure SIM sim_c++ -p -T -t 1 $(cat "$tmp/synth.list")
        ratio SIM gavel
    fi
    echo
    echo "gavel: every pair scored, $found from similarity 0.1; \"gavel\": the strongest"
    echo "10,000 detailed and written (JSON + HTML); \"gavel-all\": all $found detailed and"
    echo "written (JSON). Dolos 3.5.1: all pairs, no report. SIM 3.0.2: -p (corpus mode)."
    echo "load after: $(uptime)"
}

fpcost() {
    local fp bin
    bin=$(dirname "$GAVEL")/../bench/plag_fp_cost
    [ -x "$bin" ] || { echo "fpcost: no $bin (build the tree without sanitizers)" >&2; return 1; }
    fp=$tmp/fp200.cpp
    cat "$root"/tests/data/plagiarism/cpp/max-subarray/*.cpp | head -200 >"$fp"
    echo "## fingerprint cost per accepted source (200 lines of C++)"
    echo "load: $(uptime)"
    if [ -n "${GAVEL_PG_URL:-}" ]; then
        "$bin" --pg "$fp" cpp 2000
    else
        "$bin" "$fp" cpp 2000
    fi
}

case $what in
accuracy) accuracy ;;
speed) speed ;;
fpcost) fpcost ;;
all) accuracy; echo; speed; echo; fpcost ;;
*) echo "usage: run.sh GAVEL [accuracy|speed|fpcost|all]" >&2; exit 2 ;;
esac
