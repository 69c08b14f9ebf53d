#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# bench/plag/run.sh GAVEL [accuracy|speed|all] - gavel plag beside SIM and
# Dolos on the same files, in one run (docs/PLAGIARISM.md has the figures).
#   accuracy: ROC-AUC, average precision and recall per level on IR-Plag
#             (../shared/datasets/ir-plag, unzipped into a temporary folder)
#             and on tests/data/plagiarism; all pairs within a case or task.
#   speed:    1,000 synthetic ~100-line C++ files (~500,000 pairs), wall
#             time and peak RSS of gavel and Dolos (/usr/bin/time -v).
# Needs: node with `npm ci` run here (Dolos), similarity-tester (sim_java,
# sim_c++), jq, unzip. Extra gavel options go in GAVEL_OPTS (e.g. "-k 10").
# Not part of ctest.
set -euo pipefail
GAVEL=$(realpath "${1:?usage: run.sh GAVEL [accuracy|speed|all]}")
what=${2:-all}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
irzip=${IRPLAG_ZIP:-$root/../shared/datasets/ir-plag/IR-Plag-Dataset.zip}
[ -f "$irzip" ] || irzip=/work/shared/datasets/ir-plag/IR-Plag-Dataset.zip
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
read -r -a opts <<<"${GAVEL_OPTS:-}"

# gavel_scores LANG OUT ROOT: every pair within ROOT's subfolders.
gavel_scores() {
    "$GAVEL" plag --lang "$1" --group-by-dir --min-similarity 0 "${opts[@]}" \
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

# measure NAME COMMAND...: wall time and peak RSS.
measure() {
    local name=$1
    shift
    /usr/bin/time -v "$@" >"$tmp/out" 2>"$tmp/time" || { cat "$tmp/time" >&2; return 1; }
    printf '| %s | %s | %s MB |\n' "$name" \
        "$(sed -nE 's/.*Elapsed \(wall clock\) time.*: (.*)/\1/p' "$tmp/time")" \
        "$(($(sed -nE 's/.*Maximum resident set size \(kbytes\): (.*)/\1/p' "$tmp/time") / 1024))"
}

speed() {
    echo "## speed: 1,000 synthetic C++ files of ~100 lines, one group (499,500 pairs)"
    node "$here/gen_synth.mjs" "$tmp/synth" 1000
    find "$tmp/synth" -name "*.cpp" | sort >"$tmp/synth.list"
    echo "| tool | wall (m:ss) | peak RSS |"
    echo "|---|---|---|"
    measure "gavel (pairs >= 0.5, JSON)" "$GAVEL" plag --lang cpp --min-similarity 0.5 \
        --json "$tmp/s.json" "$tmp/synth"
    measure "gavel (pairs >= 0.1, JSON + HTML)" "$GAVEL" plag --lang cpp \
        --json "$tmp/s.json" --html "$tmp/s.html" "$tmp/synth"
    measure "Dolos 3.5.1 (all pairs)" node "$here/dolos_run.mjs" cpp "$tmp/synth.list"
}

case $what in
accuracy) accuracy ;;
speed) speed ;;
all) accuracy; echo; speed ;;
*) echo "usage: run.sh GAVEL [accuracy|speed|all]" >&2; exit 2 ;;
esac
