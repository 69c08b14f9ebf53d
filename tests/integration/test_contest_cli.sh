#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_contest_cli.sh GAVEL - an organizer's contest commands on the real
# database: create from a definition, list, show (which reads back as a
# definition), update within the rules of a started contest, unfreeze, user
# roles; every broken definition refused with its line and nothing written.
. "$(dirname "$0")/lib.sh"
require_services
GAVEL=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

db=itest_contest_cli_$$
url=$(fresh_db contest_cli)
dir=$(mktemp -d)
# The live stream of this test alone: what the CLI tells the servers.
export GAVEL_LIVE_STREAM=itest:contest_cli:$$:live
live() { redis-cli -u "$GAVEL_REDIS_URL" XRANGE "$GAVEL_LIVE_STREAM" - + | tr '\n' ' '; }
trap 'drop_db $db; rm -rf "$dir"; redis-cli -u "$GAVEL_REDIS_URL" DEL "$GAVEL_LIVE_STREAM" >/dev/null' EXIT
export GAVEL_PG_URL=$url
q() { psql "$url" -qAtc "$1"; }

"$GAVEL" db migrate >/dev/null 2>&1
"$GAVEL" demo seed >/dev/null 2>&1
iso() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }

# A contest that started ten minutes ago, with a freeze and invited people.
cat >"$dir/round.yaml" <<YAML
name: CLI Round
start_time: $(iso "-10 min")
duration: 2:00:00
scoreboard_freeze_duration: 0:30:00
penalty_time: 20
problems:
  - {slug: a-plus-b, label: A, color: "#112233"}
  - {slug: hello-gavel, label: B}
participants: [alice, bob]
YAML
expect_exit 0 "create a contest" "$GAVEL" contest create "$dir/round.yaml"
id=$(tail -n1 <<<"$out")
check "the id is the last line of create's output ($id)" [ "$id" -gt 0 ]
check "it is stored with its problems in order" \
    [ "$(q "SELECT string_agg(cp.label || ':' || p.slug || ':' || coalesce(cp.color, '-'), ',' ORDER BY cp.ordinal) FROM contest_problems cp JOIN problems p ON p.id = cp.problem_id WHERE cp.contest_id = $id")" = "A:a-plus-b:#112233,B:hello-gavel:-" ]
check "its invited participants are registered" \
    [ "$(q "SELECT count(*) FROM participants WHERE contest_id = $id")" = 2 ]
check "registration is by invitation" \
    [ "$(q "SELECT open_registration FROM contests WHERE id = $id")" = f ]
expect_exit 1 "the same slug again is refused" "$GAVEL" contest create "$dir/round.yaml"
check "the refusal names the slug" contains "$out" "a contest 'cli-round' exists already"

expect_exit 0 "list" "$GAVEL" contest list
check "list shows it running" grep -qE "^ *$id +cli-round +running" <<<"$out"
expect_exit 0 "show by slug" "$GAVEL" contest show cli-round
check "show names its phase" contains "$out" "# contest $id, running"
printf '%s\n' "$out" >"$dir/shown.yaml"
expect_exit 0 "what show prints is a definition update takes" \
    "$GAVEL" contest update "$id" "$dir/shown.yaml"

# Once started: the end may move, penalty needs --force, the start stays.
sed 's/^duration: .*/duration: 3:00:00/' "$dir/shown.yaml" >"$dir/longer.yaml"
expect_exit 0 "a running contest may end later" "$GAVEL" contest update "$id" "$dir/longer.yaml"
check "the end moved" [ "$(q "SELECT ends_at - starts_at FROM contests WHERE id = $id")" = "03:00:00" ]
sed 's/^penalty_time: .*/penalty_time: 10/' "$dir/longer.yaml" >"$dir/penalty.yaml"
expect_exit 1 "penalty of a running contest without --force" \
    "$GAVEL" contest update "$id" "$dir/penalty.yaml"
check "the refusal says --force" contains "$out" "--force"
check "nothing changed" [ "$(q "SELECT penalty_minutes FROM contests WHERE id = $id")" = 20 ]
expect_exit 0 "with --force" "$GAVEL" contest update "$id" "$dir/penalty.yaml" --force
check "the penalty changed" [ "$(q "SELECT penalty_minutes FROM contests WHERE id = $id")" = 10 ]
sed "s/^start_time: .*/start_time: $(iso '+1 hour')/" "$dir/penalty.yaml" >"$dir/moved.yaml"
expect_exit 1 "a started contest keeps its start" "$GAVEL" contest update "$id" "$dir/moved.yaml"
sed '/slug: hello-gavel/,+2d' "$dir/penalty.yaml" >"$dir/fewer.yaml"
expect_exit 1 "a started contest keeps its problems" "$GAVEL" contest update "$id" "$dir/fewer.yaml"
check "the refusal names the problem" contains "$out" "hello-gavel"
sed 's/^problems:$/problems:\n  - slug: max-subarray\n    label: C/' "$dir/penalty.yaml" >"$dir/more.yaml"
expect_exit 0 "a problem may be added" "$GAVEL" contest update "$id" "$dir/more.yaml"
check "it is listed" [ "$(q "SELECT count(*) FROM contest_problems WHERE contest_id = $id")" = 3 ]
# Running servers hear of the edit at once (their snapshot caches).
check "an update tells the servers (contest.changed)" \
    contains "$(live)" "contest.changed data {\"contest_id\":$id}"

# Broken definitions: the key and the line, nothing written.
before=$(q "SELECT count(*) FROM contests")
printf 'name: X\nstart_time: %s\nduration: 1:00:00\nproblems:\n  - {slug: no-such-problem, label: A}\n' \
    "$(iso '+1 day')" >"$dir/missing.yaml"
expect_exit 1 "a problem that is not imported" "$GAVEL" contest create "$dir/missing.yaml"
check "named with its line" contains "$out" "missing.yaml: line 5: problems: no imported problem 'no-such-problem'"
printf 'name: X\nstart_time: %s\nduration: 1:00:00\nproblems: [{slug: a-plus-b, label: A}]\nparticipants: [alice, nobody9]\n' \
    "$(iso '+1 day')" >"$dir/nobody.yaml"
expect_exit 1 "a participant that does not exist" "$GAVEL" contest create "$dir/nobody.yaml"
check "named with its line" contains "$out" "line 5: participants: no user 'nobody9'"
printf 'name: X\nstart_time: %s\nduration: 1:00:00\nproblems: [{slug: a-plus-b, label: A}]\nfreeze: 1:00:00\n' \
    "$(iso '+1 day')" >"$dir/unknown.yaml"
expect_exit 1 "an unknown key" "$GAVEL" contest create "$dir/unknown.yaml"
check "named with its line" contains "$out" "unknown.yaml:5: freeze: unknown key"
printf 'name: X\nstart_time: %s\nduration: 1:00:00\nproblems:\n  - {slug: a-plus-b, label: A}\n  - {slug: hello-gavel, label: A}\n' \
    "$(iso '+1 day')" >"$dir/twice.yaml"
expect_exit 1 "a label twice" "$GAVEL" contest create "$dir/twice.yaml"
check "named with its line" contains "$out" "twice.yaml:6: label: 'A' is already problem a-plus-b's"
check "nothing was written" [ "$(q "SELECT count(*) FROM contests")" = "$before" ]
expect_exit 1 "a file that is not there" "$GAVEL" contest create "$dir/none.yaml"
expect_exit 2 "bad usage" "$GAVEL" contest create
expect_exit 1 "an unknown contest" "$GAVEL" contest show no-such-contest

# The examples are valid definitions.
for f in "$ROOT"/examples/contests/*.yaml; do
    "$GAVEL" problem import --public "$ROOT/examples/problems/circle-area" "$ROOT/examples/problems/pair-sum" \
        "$ROOT/examples/problems/distinct-count" "$ROOT/examples/problems/subtask-sum" >/dev/null 2>&1
    expect_exit 0 "example $(basename "$f") creates" "$GAVEL" contest create "$f"
done

# An automatic unfreeze, half an hour after the end.
printf 'name: Auto\nstart_time: %s\nduration: 1:00:00\nunfreeze: auto\nunfreeze_delay: 0:30:00\nproblems: [{slug: a-plus-b, label: A}]\n' \
    "$(iso '+1 day')" >"$dir/auto.yaml"
expect_exit 0 "a contest that unfreezes by itself" "$GAVEL" contest create "$dir/auto.yaml"
check "its final standings come 30 minutes after the end" \
    [ "$(q "SELECT unfrozen_at - ends_at FROM contests WHERE slug = 'auto'")" = "00:30:00" ]
expect_exit 0 "show it" "$GAVEL" contest show auto
check "show gives the delay back" contains "$out" "unfreeze_delay: 0:30:00"

# Unfreeze: only after the end, once.
expect_exit 1 "unfreeze before the end" "$GAVEL" contest unfreeze "$id"
check "the refusal says why" contains "$out" "has not ended yet"
q "UPDATE contests SET starts_at = now() - interval '4 h', freezes_at = now() - interval '2 h', ends_at = now() - interval '1 h' WHERE id = $id" >/dev/null
expect_exit 0 "unfreeze after the end" "$GAVEL" contest unfreeze "$id"
check "the final standings are public" [ "$(q "SELECT unfrozen_at <= now() FROM contests WHERE id = $id")" = t ]
expect_exit 1 "unfreeze twice" "$GAVEL" contest unfreeze "$id"

# Roles and tiers.
expect_exit 0 "user set" "$GAVEL" user set bob --role jury --tier paid
check "bob is an organizer on the paid tier" \
    [ "$(q "SELECT role || ' ' || tier FROM users WHERE username = 'bob'")" = "organizer paid" ]
check "user set tells the servers (session.ended)" \
    contains "$(live)" "session.ended data {\"user_id\":$(q "SELECT id FROM users WHERE username = 'bob'")}"
expect_exit 1 "an unknown role" "$GAVEL" user set bob --role king
expect_exit 1 "an unknown user" "$GAVEL" user set nobody9 --tier paid
expect_exit 2 "user set without a change" "$GAVEL" user set bob
finish
