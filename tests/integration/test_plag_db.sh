#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_plag_db.sh GAVEL DATA - `gavel plag backfill` and `gavel plag
# --contest` on a fresh database: three accepted submissions to one problem
# (two near-copies and an independent solution) get their fingerprints from
# backfill, once; the contest's report ranks the copy pair first, with
# regions, and needs no source but for the HTML.
. "$(dirname "$0")/lib.sh"
require_services
GAVEL=$1
DATA=$2/cpp/max-subarray

db=itest_plag_db_$$
url=$(fresh_db plag_db)
dir=$(mktemp -d)
trap 'drop_db $db; rm -rf "$dir"' EXIT
export GAVEL_PG_URL=$url
q() { psql "$url" -qAtc "$1"; }

"$GAVEL" db migrate >/dev/null 2>&1
"$GAVEL" demo seed >/dev/null 2>&1
cid=$(q "SELECT id FROM contests WHERE slug = 'demo-contest'")
# A third contestant (never logs in: any argon2id-looking hash will do).
q "INSERT INTO users (username, display_name, password_hash) VALUES ('carol', 'Carol', '\$argon2id\$x')"
q "INSERT INTO participants (contest_id, user_id) SELECT $cid, id FROM users WHERE username = 'carol'"

expect_exit 0 "alice submits" "$GAVEL" submit --user alice --problem max-subarray --contest demo-contest "$DATA/a.cpp"
expect_exit 0 "bob submits a renamed copy" "$GAVEL" submit --user bob --problem max-subarray --contest demo-contest "$DATA/a_copy_rename.cpp"
expect_exit 0 "carol submits her own" "$GAVEL" submit --user carol --problem max-subarray --contest demo-contest "$DATA/b.cpp"
check "three submissions stored" [ "$(q "SELECT count(*) FROM submissions WHERE contest_id = $cid")" = 3 ]
# Judged elsewhere: accept them as gavel-judge would, without fingerprints
# (as before migration 0006, or after a failure to fingerprint).
q "UPDATE submissions SET status = 'judged', verdict = 'AC', judged_at = now() WHERE contest_id = $cid" >/dev/null

expect_exit 0 "a report before backfill" "$GAVEL" plag --contest "$cid" --json "$dir/empty.json"
check "it says what is missing and how to fix it" contains "$out" "3 accepted submissions have no fingerprints"
check "no pair without fingerprints" [ "$(jq '.pairs | length' "$dir/empty.json")" = 0 ]

expect_exit 0 "backfill the contest" "$GAVEL" plag backfill --contest demo-contest
check "three fingerprinted" contains "$out" "^3 accepted submissions fingerprinted, 0 failed"
check "stored with format, k and w" \
    [ "$(q "SELECT count(*) FROM submission_fingerprints WHERE format = 2 AND k = 8 AND w = 8 AND fp_count > 0 AND token_count > fp_count")" = 3 ]
expect_exit 0 "backfill again" "$GAVEL" plag backfill
check "is idempotent" contains "$out" "^0 accepted submissions fingerprinted, 0 failed"

# The comparison must not read sources: hide them (the blobs are restored
# for the HTML below).
q "CREATE TABLE saved_blobs AS SELECT * FROM blobs; UPDATE blobs SET zstd = '\\x00'"
expect_exit 0 "report over stored fingerprints" "$GAVEL" plag --contest "$cid" --problem B --json "$dir/r.json"
check "copy pair on top" [ "$(jq -r '.pairs[0] | [.left, .right] | map(sub("#.*"; "")) | sort | join(",")' "$dir/r.json")" = "alice,bob" ]
check "its similarity is high" [ "$(jq '.pairs[0].similarity > 0.8' "$dir/r.json")" = true ]
check "with regions" [ "$(jq '.pairs[0].regions | length > 0' "$dir/r.json")" = true ]
check "grouped by problem" [ "$(jq -r '.pairs[0].group' "$dir/r.json")" = max-subarray ]
check "the independent pair ranks below" \
    [ "$(jq '[.pairs[] | select((.left + .right) | test("carol"))] | all(.similarity < .5)' "$dir/r.json")" = true ]
check "a cluster of the two" [ "$(jq '.clusters[0].members | length' "$dir/r.json")" = 2 ]
expect_exit 0 "--min-similarity leaves the rest out" "$GAVEL" plag --contest "$cid" --min-similarity 0.8 --json "$dir/top.json"
check "only the copy pair" [ "$(jq '.pairs | length' "$dir/top.json")" = 1 ]
q "UPDATE blobs b SET zstd = s.zstd FROM saved_blobs s WHERE s.sha256 = b.sha256"

expect_exit 0 "HTML report with the sources" "$GAVEL" plag --contest demo-contest --html "$dir/r.html" --json -
check "the HTML holds a source" grep -q "max" "$dir/r.html"
check "and the names" grep -q "alice#" "$dir/r.html"
# Base code: the whole of alice's solution as template removes the evidence.
expect_exit 0 "--base removes template code" "$GAVEL" plag --contest "$cid" --base "$DATA/a.cpp" --min-similarity 0.5 --json "$dir/base.json"
check "no pair above 0.5 once the shared code is base" [ "$(jq '.pairs | length' "$dir/base.json")" = 0 ]

expect_exit 1 "an unknown contest" "$GAVEL" plag --contest no-such --json "$dir/x.json"
check "named" contains "$out" "no contest 'no-such'"
expect_exit 1 "an unknown problem" "$GAVEL" plag --contest "$cid" --problem zz --json "$dir/x.json"
check "named" contains "$out" "has no problem 'zz'"
expect_exit 2 "no report asked" "$GAVEL" plag --contest "$cid"
finish
