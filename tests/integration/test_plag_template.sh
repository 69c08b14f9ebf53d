#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_plag_template.sh GAVEL EXAMPLES DATA - template code from the problem
# package: `gavel problem import` stores the sources of attachments/ and
# include/<language>/ (refusing a binary or oversized one, naming it), and
# `gavel plag --contest` leaves out what submissions share only through
# them, while a real copy is still reported.
. "$(dirname "$0")/lib.sh"
require_services
GAVEL=$1
EXAMPLES=$2
DATA=$3/cpp/max-subarray
TEMPLATE=$3/template.cpp
if [ "$(id -u)" != 0 ]; then
    echo "import opens the sandbox, which needs root" >&2
    exit 77
fi

db=itest_plag_template_$$
url=$(fresh_db plag_template)
work=$(mktemp -d)
trap 'drop_db $db; rm -rf "$work"' EXIT
export GAVEL_PG_URL=$url
q() { psql "$url" -qAtc "$1"; }
versions() { q "SELECT count(*) FROM problem_versions v JOIN problems p ON p.id = v.problem_id WHERE p.slug = 'max-subarray'"; }
# pair USER1 USER2 FILE: the similarity of their pair in report FILE, 0 when absent.
pair() {
    jq -r --arg a "$1" --arg b "$2" '[.pairs[] | select(([.left, .right] | map(sub("#.*"; "")) | sort) == ([$a, $b] | sort)) | .similarity] | (.[0] // 0)' "$3"
}

expect_exit 0 "migrate" "$GAVEL" db migrate
expect_exit 0 "demo seed" "$GAVEL" demo seed
cid=$(q "SELECT id FROM contests WHERE slug = 'demo-contest'")
q "INSERT INTO users (username, display_name, password_hash) VALUES ('carol', 'Carol', '\$argon2id\$x')"
q "INSERT INTO participants (contest_id, user_id) SELECT $cid, id FROM users WHERE username = 'carol'"
v0=$(versions)

# A package for the contest's problem B (max-subarray) that gives teams a
# template: attachments/template.cpp. A PDF beside it is no code.
pkg() { rm -rf "$work/$1"; mkdir -p "$work/$1"; cp -r "$EXAMPLES/circle-area" "$work/$1/max-subarray"; mkdir -p "$work/$1/max-subarray/attachments"; }
pkg good
cp "$TEMPLATE" "$work/good/max-subarray/attachments/template.cpp"
printf '%%PDF-1.4\n\0\1\2' >"$work/good/max-subarray/attachments/notes.pdf"

# Broken templates: refused with the file named, nothing written.
pkg binary
cp "$TEMPLATE" "$work/binary/max-subarray/attachments/template.cpp"
printf 'int main() {\0}\n' >"$work/binary/max-subarray/attachments/stub.c"
expect_exit 1 "a binary template is refused" "$GAVEL" problem import "$work/binary/max-subarray"
check "naming the file and why" contains "$out" "attachments/stub.c: template code must be UTF-8 text; byte 12 is NUL"
pkg big
mkdir -p "$work/big/max-subarray/include/cpp"
head -c $((300 * 1024)) /dev/zero | tr '\0' 'x' >"$work/big/max-subarray/include/cpp/huge.hpp.cpp"
expect_exit 1 "an oversized template is refused" "$GAVEL" problem import "$work/big/max-subarray"
check "naming the file and the limit" contains "$out" "include/cpp/huge.hpp.cpp: larger than the limit of 256 KiB"
pkg latin1
printf '// caf\xe9\nint x;\n' >"$work/latin1/max-subarray/attachments/t.py"
expect_exit 1 "a template that is not UTF-8 is refused" "$GAVEL" problem import "$work/latin1/max-subarray"
check "naming the byte" contains "$out" "attachments/t.py: template code must be UTF-8 text; byte 6 is not UTF-8"
check "no version written by the refusals" [ "$(versions)" = "$v0" ]

# Everyone starts from the template; alice and bob solve the problem each
# in their own way, carol copies alice's solution and renames everything.
cat "$TEMPLATE" "$DATA/a.cpp" >"$work/alice.cpp"
cat "$TEMPLATE" "$DATA/b.cpp" >"$work/bob.cpp"
cat "$TEMPLATE" "$DATA/a_copy_rename.cpp" >"$work/carol.cpp"
for u in alice bob carol; do
    expect_exit 0 "$u submits" "$GAVEL" submit --user $u --problem max-subarray --contest demo-contest "$work/$u.cpp"
done
q "UPDATE submissions SET status = 'judged', verdict = 'AC', judged_at = now() WHERE contest_id = $cid" >/dev/null
expect_exit 0 "backfill" "$GAVEL" plag backfill --contest demo-contest

expect_exit 0 "a report before the package has a template" "$GAVEL" plag --contest "$cid" --problem B --min-similarity 0 --json "$work/before.json"
before=$(pair alice bob "$work/before.json")
check "the template alone makes alice and bob look alike ($before)" [ "$(echo "$before > 0.5" | bc)" = 1 ]

expect_exit 0 "import the package with its template" "$GAVEL" problem import "$work/good/max-subarray"
check "says it has template code" contains "$out" "max-subarray: imported as version .*template code"
check "one template stored, as C++" [ "$(q "SELECT string_agg(name || ' ' || language, ',') FROM problem_templates")" = "attachments/template.cpp cpp" ]
expect_exit 0 "an unchanged re-import" "$GAVEL" problem import "$work/good/max-subarray"
check "is a no-op" contains "$out" "unchanged"

expect_exit 0 "the report leaves the template out" "$GAVEL" plag --contest "$cid" --problem B --min-similarity 0 --json "$work/after.json"
after=$(pair alice bob "$work/after.json")
check "alice and bob share only the template: low ($after)" [ "$(echo "$after < 0.3" | bc)" = 1 ]
check "and are not reported at the default threshold" \
    [ "$("$GAVEL" plag --contest "$cid" --problem B --json - 2>/dev/null | jq '[.pairs[] | select(([.left, .right] | map(sub("#.*"; "")) | sort) == ["alice", "bob"])] | length')" = 0 ]
copy=$(pair alice carol "$work/after.json")
check "the real copy is still reported, on top ($copy)" [ "$(echo "$copy > 0.8" | bc)" = 1 ]
check "first" [ "$(jq -r '.pairs[0] | [.left, .right] | map(sub("#.*"; "")) | sort | join(",")' "$work/after.json")" = "alice,carol" ]
# Without the template left out, one region would cover both whole files
# from line 1; now it starts near the template's end (a k-gram that spans
# the template's last tokens and the solution's first is not template code).
t=$(wc -l <"$TEMPLATE")
check "its regions leave the template's lines out" \
    [ "$(jq "[.pairs[0].regions[] | .left[0], .right[0]] | min > $t - 8" "$work/after.json")" = true ]
finish
