#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_problem_import.sh GAVEL EXAMPLES - `gavel problem import` on the real
# PostgreSQL: a good package becomes version 1, an unchanged re-import is a
# no-op, a changed one becomes version 2 while old submissions keep their
# version, and every broken package is refused with the file named and
# nothing half-imported left behind.
. "$(dirname "$0")/lib.sh"
require_services
GAVEL=$1
EXAMPLES=$2
if [ "$(id -u)" != 0 ]; then
    echo "import compiles validators in the sandbox, which needs root" >&2
    exit 77
fi

db=itest_import_$$
url=$(fresh_db import)
work=$(mktemp -d)
trap 'drop_db $db; rm -rf "$work"' EXIT
export GAVEL_PG_URL=$url
sql() { psql "$url" -qAtc "$1"; }
rows() {
    sql "SELECT (SELECT count(*) FROM problems) || ' ' || (SELECT count(*) FROM problem_versions)
        || ' ' || (SELECT count(*) FROM test_cases)"
}
expect_exit 0 "migrate" "$GAVEL" db migrate

# Broken packages: each one refused, naming what is wrong, writing nothing.
broken() { rm -rf "$work/$1"; cp -r "$EXAMPLES/$2" "$work/$1"; }
broken no-answer circle-area
first_in=$(ls "$work/no-answer/data/secret/"*.in | head -1)
rm "${first_in%.in}.ans"
expect_exit 1 "an .in without .ans is refused" "$GAVEL" problem import "$work/no-answer"
check "the refusal names the file" contains "$out" "$(basename "$first_in")"

broken bad-yaml circle-area
printf 'name: [unclosed\nlimits: {time_limit: 1\n' >"$work/bad-yaml/problem.yaml"
expect_exit 1 "unreadable problem.yaml is refused" "$GAVEL" problem import "$work/bad-yaml"
check "the refusal names problem.yaml" contains "$out" "problem.yaml"

broken bad-validator pair-sum
vdir=$(ls -d "$work/bad-validator/output_validators/"*)
for f in "$vdir"/*; do echo 'int main( { this is not C++' >"$f"; done
expect_exit 1 "a validator that does not compile is refused" "$GAVEL" problem import \
    "$work/bad-validator"
check "the refusal says it does not compile" contains "$out" "does not compile"

broken no-secret circle-area
rm -rf "$work/no-secret/data/secret"
expect_exit 1 "a package without secret tests is refused" "$GAVEL" problem import \
    "$work/no-secret"
expect_exit 1 "a missing directory is refused" "$GAVEL" problem import "$work/nothing-here"
check "nothing of the broken packages was stored" [ "$(rows)" = "0 0 0" ]

# One good and one broken package in one call: the good one lands, the
# broken one does not, and the exit status says something failed.
expect_exit 1 "a mixed import fails" "$GAVEL" problem import "$EXAMPLES/circle-area" \
    "$work/no-answer"
ntests=$(find "$EXAMPLES/circle-area/data" -name '*.in' | wc -l)
check "only the good package was stored ($(rows))" [ "$(rows)" = "1 1 $ntests" ]
check "samples come first" [ "$(sql "SELECT string_agg(is_sample::text, ',' ORDER BY ordinal)
    FROM test_cases" | cut -d, -f1)" = true ]

expect_exit 0 "an unchanged re-import" "$GAVEL" problem import "$EXAMPLES/circle-area"
check "it says unchanged" contains "$out" "unchanged (version 1)"
check "and writes nothing" [ "$(rows)" = "1 1 $ntests" ]

hash='$argon2id$v=19$m=65536,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA'
sql "INSERT INTO users (username, display_name, password_hash) VALUES ('user1', 'U', '$hash')"
export GAVEL_REDIS_URL="${GAVEL_REDIS_URL%/*}/8"
expect_exit 0 "a submission against version 1" "$GAVEL" submit --user user1 --problem circle-area \
    "$EXAMPLES/circle-area/submissions/accepted/area.c"
sub=$out

# The slug is the directory's name: the changed copy keeps it.
mkdir -p "$work/v2"
cp -r "$EXAMPLES/circle-area" "$work/v2/circle-area"
ans=$(ls "$work/v2/circle-area/data/secret/"*.ans | head -1)
echo "999" >"$ans"
expect_exit 0 "a changed package is imported" "$GAVEL" problem import "$work/v2/circle-area"
check "as version 2" contains "$out" "circle-area: imported as version 2"
check "the problem now points at version 2" \
    [ "$(sql "SELECT current_version FROM problems WHERE slug = 'circle-area'")" = 2 ]
check "the old submission keeps version 1" [ "$(sql "SELECT v.version FROM submissions s
    JOIN problem_versions v ON v.id = s.problem_version_id WHERE s.id = $sub")" = 1 ]
check "version 1's tests are untouched" [ "$(sql "SELECT count(*) FROM test_cases t
    JOIN problem_versions v ON v.id = t.problem_version_id WHERE v.version = 1")" = "$ntests" ]

expect_exit 0 "a custom-validator package is imported" "$GAVEL" problem import "$EXAMPLES/pair-sum"
check "its validator is stored with its name" [ "$(sql "SELECT validation || ' ' ||
    (validator_blob IS NOT NULL) FROM problem_versions v JOIN problems p ON p.id = v.problem_id
    WHERE p.slug = 'pair-sum'")" = "custom true" ]
expect_exit 0 "a scoring package is imported" "$GAVEL" problem import "$EXAMPLES/subtask-sum"
check "its groups carry points" [ "$(sql "SELECT jsonb_array_length(groups) > 0 AND scoring
    FROM problem_versions v JOIN problems p ON p.id = v.problem_id
    WHERE p.slug = 'subtask-sum'")" = t ]

expect_exit 2 "a difficulty out of range is bad usage" "$GAVEL" problem import --difficulty 5000 \
    "$EXAMPLES/circle-area"
expect_exit 0 "--public --difficulty list an imported problem" "$GAVEL" problem import --public \
    --difficulty 1200 "$EXAMPLES/subtask-sum"
check "it is public at 1200" [ "$(sql "SELECT is_public || ' ' || difficulty FROM problems
    WHERE slug = 'subtask-sum'")" = "true 1200" ]
expect_exit 2 "import without a directory is bad usage" "$GAVEL" problem import
finish
