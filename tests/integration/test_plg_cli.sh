#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_plg_cli.sh GAVEL DATA - `gavel plag` offline, no services: a positive
# run on the labelled set (tests/data/plagiarism) whose reports hold the
# disguised copies, and every bad input named in a warning while the rest
# is still compared, with the exit codes --help documents.
. "$(dirname "$0")/lib.sh"
GAVEL=$1
DATA=$2
dir=$(mktemp -d)
trap 'chmod -R u+rwX "$dir"; rm -rf "$dir"' EXIT
jqok() { jq -e "$@" >/dev/null; }

# A positive run: the labelled C++ set, grouped by task.
expect_exit 0 "compare the labelled set by task" "$GAVEL" plag --lang cpp --group-by-dir \
    --json "$dir/r.json" --html "$dir/r.html" "$DATA/cpp"
check "the JSON report parses" jqok . "$dir/r.json"
check "pairs are sorted by similarity" jqok \
    '[.pairs[].similarity] as $s | $s == ($s | sort | reverse)' "$dir/r.json"
check "every pair stays within its group" jqok \
    'all(.pairs[]; .group as $g | (.left | startswith($g)) and (.right | startswith($g)))' \
    "$dir/r.json"
check "each pair has its fields" jqok 'all(.pairs[]; has("left_coverage") and has("right_coverage")
    and has("longest") and (.regions | length) > 0 and (.regions[0].left | length) == 2)' \
    "$dir/r.json"
top=$(jq -r '.pairs[0] | "\(.left) \(.right)"' "$dir/r.json")
check "the most similar pair is a labelled copy ($top)" grep -q copy <<<"$top"
check "clusters are listed" jqok '.clusters | length > 0' "$dir/r.json"
check "every pair found is reported (fewer than --max-pairs)" jqok \
    '.pairs_found == (.pairs | length)' "$dir/r.json"

# --max-pairs: the strongest pairs, exactly the head of the full report.
expect_exit 0 "the 3 strongest pairs" "$GAVEL" plag --lang cpp --group-by-dir --max-pairs 3 \
    --cluster 1 --json "$dir/m.json" "$DATA/cpp"
check "3 pairs reported of all found" jqok --slurpfile r "$dir/r.json" \
    '(.pairs | length) == 3 and .pairs_found == $r[0].pairs_found' "$dir/m.json"
check "they are the full report's first 3" jqok --slurpfile r "$dir/r.json" \
    '.pairs == $r[0].pairs[:3]' "$dir/m.json"
check "the HTML report is self-contained" bash -c "! grep -qiE '(src|href)=\"(https?:)?//' '$dir/r.html'"
check "the HTML report embeds the sources" grep -q 'gavel-data' "$dir/r.html"

# Sources that try to break out of the page are escaped.
mkdir -p "$dir/x"
printf 'int main(){ const char *s = "</script><script>alert(1)</script>"; int a = 1; int b = 2;\nreturn a + b * 3 - s[0]; }\n' >"$dir/x/a.c"
cp "$dir/x/a.c" "$dir/x/b.c"
expect_exit 0 "hostile sources" "$GAVEL" plag --lang c --html "$dir/x.html" "$dir/x"
check "no source closes the data element" [ "$(grep -c '</script>' "$dir/x.html")" = 2 ]

# Bad inputs: each named, the rest compared.
mkdir -p "$dir/bad/sub"
cp "$DATA/cpp/max-subarray/a.cpp" "$DATA/cpp/max-subarray/a_copy_rename.cpp" "$dir/bad/"
: >"$dir/bad/empty.cpp"
printf 'int\0main' >"$dir/bad/binary.cpp"
printf '// only a comment\n' >"$dir/bad/comment.cpp"
printf 'f(x);' >"$dir/bad/short.cpp"
cp "$DATA/cpp/max-subarray/a.cpp" "$dir/bad/unreadable.cpp"
chmod 000 "$dir/bad/unreadable.cpp"
printf 'not code' >"$dir/bad/notes.txt"
expect_exit 0 "bad inputs beside good ones" "$GAVEL" plag --lang cpp --json "$dir/b.json" \
    "$dir/bad" "$dir/bad/notes.txt" "$dir/missing.cpp"
check "the empty file is named" contains "$out" "empty.cpp' is empty"
check "the binary file is named" contains "$out" "binary.cpp' is binary"
check "the comment-only file is named" contains "$out" "comment.cpp' has no code"
check "the short file is named" contains "$out" "short.cpp' is too short"
check "the unknown extension is named" contains "$out" "notes.txt' is not a C++ source"
check "the missing path is named" contains "$out" "cannot read '$dir/missing.cpp'"
if [ "$(id -u)" != 0 ]; then
    check "the unreadable file is named" contains "$out" "cannot read '$dir/bad/unreadable.cpp'"
fi
check "the good files were still compared" jqok '.pairs | length >= 1' "$dir/b.json"

expect_exit 1 "a single file" "$GAVEL" plag --lang cpp --json "$dir/s.json" \
    "$DATA/cpp/max-subarray/a.cpp"
check "a single file is explained" contains "$out" "only one file to compare"
expect_exit 1 "an empty set" "$GAVEL" plag --lang cpp --json "$dir/e.json" "$dir/bad/sub"
check "an empty set is explained" contains "$out" "no file to compare"
expect_exit 1 "an unusable base" "$GAVEL" plag --lang cpp --base "$dir/nope.cpp" \
    --json "$dir/e.json" "$DATA/cpp/max-subarray"
check "the base is named" contains "$out" "cannot use base '$dir/nope.cpp'"
expect_exit 1 "an unwritable report" "$GAVEL" plag --lang cpp --json "$dir/no/such/dir.json" \
    "$DATA/cpp/max-subarray"
expect_exit 2 "no --lang" "$GAVEL" plag --json "$dir/e.json" "$DATA/cpp"
expect_exit 2 "a bad similarity" "$GAVEL" plag --lang c --min-similarity 2 --json x "$DATA/cpp"
expect_exit 2 "a bad --max-pairs" "$GAVEL" plag --lang c --max-pairs 2.5 --json x "$DATA/cpp"
expect_exit 2 "a negative --max-pairs" "$GAVEL" plag --lang c --max-pairs -1 --json x "$DATA/cpp"
expect_exit 2 "no report asked for" "$GAVEL" plag --lang c "$DATA/cpp"
expect_exit 0 "--help" "$GAVEL" plag --help
check "--help documents the exit status" contains "$out" "exit status"

# Base code: the shared contest template stops counting.
expect_exit 0 "with the template as base" "$GAVEL" plag --lang cpp --group-by-dir \
    --min-similarity 0 --base "$DATA/template.cpp" --json "$dir/t.json" "$DATA/cpp"
check "the base lowers the independent solutions' similarity" jqok --slurpfile a "$dir/r.json" '
    def sim(p): [p.pairs[] | select(.left | test("pair-count/b.cpp$")) | select(.right | test("pair-count/c.cpp$"))
        | .similarity] | max // 0;
    sim(.) <= sim($a[0])' "$dir/t.json"
finish
