#!/bin/bash
# SPDX-License-Identifier: MIT
# judge_carry_over.sh - what one test of a submission may leave for the
# next, judged with `gavel judge` against small packages built here: every
# test must start from the same state (no file of an earlier test in /box
# or /tmp, no process it left) and pay for all the memory it holds (48 MB left by test 1 must
# not let a later test hold 90 MB under a 64 MB limit). Needs root; exits
# 77 (skip) without.
#
# usage: judge_carry_over.sh GAVEL PROGRAMS_DIR
set -u
GAVEL=$1
P=$2

if [ "$(id -u)" -ne 0 ]; then
    echo "SKIP: the sandbox needs root"
    exit 77
fi
command -v python3 >/dev/null || { echo "FAIL: python3 is needed to read the JSON"; exit 1; }

WORK=$(mktemp -d /tmp/gavel-carry.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
FAILS=0
PASSES=0

# package NAME MODE DIR: four tests "N MODE DIR", each answered "ok".
package() {
    local d=$WORK/$1
    mkdir -p "$d/data/secret"
    printf 'name: Carry %s\nlimits:\n  time_limit: 2.0\n  memory: 64\n  output: 64\nvalidation: default\n' \
        "$1" >"$d/problem.yaml"
    for n in 1 2 3 4; do
        echo "$n $2 $3" >"$d/data/secret/0$n.in"
        echo ok >"$d/data/secret/0$n.ans"
    done
}

# judge NAME SOURCE WANT: the submission's verdict must be WANT, and test 1
# itself must pass (it only leaves things behind).
judge() {
    local out v1 v
    out=$(timeout 120 "$GAVEL" judge --problem "$WORK/$1" "$2" 2>"$WORK/stderr")
    v=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["verdict"])' "$out" 2>/dev/null)
    v1=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["tests"][0]["verdict"])' \
        "$out" 2>/dev/null)
    if [ "$v" = "$3" ] && [ "$v1" = AC ]; then
        PASSES=$((PASSES + 1))
    else
        echo "  FAIL [$1 $(basename "$2")]: verdict '$v' (test 1 '$v1'), want $3 after AC:" \
            "${out:0:600} $(head -c 300 "$WORK/stderr")"
        FAILS=$((FAILS + 1))
    fi
}

for dir in /box /tmp; do
    tag=${dir#/}
    echo "case files-$tag"
    package "files-$tag" files "$dir"
    judge "files-$tag" "$P/carry_over.c" AC
    judge "files-$tag" "$P/carry_over.py" AC
    echo "case memory-$tag"
    package "memory-$tag" memory "$dir"
    # 90 MB held under 64 MB: MLE, or RE if malloc fails first (exit 3).
    judge "memory-$tag" "$P/carry_over.c" MLE
done

echo "case procs"
package procs procs /
judge procs "$P/carry_over.c" AC

echo "judge carry-over: $PASSES checks passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
