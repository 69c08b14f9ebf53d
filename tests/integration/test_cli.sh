#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# test_cli.sh GAVEL GAVEL_JUDGE - the CLI and the judge worker's shell
# against the real services: migrations, demo seed, bad usage, bad settings.
. "$(dirname "$0")/lib.sh"
require_services
GAVEL=$1
JUDGE=$2

db=itest_cli_$$
url=$(fresh_db cli)
trap 'drop_db $db' EXIT
export GAVEL_PG_URL_ADMIN=$GAVEL_PG_URL
export GAVEL_PG_URL=$url

# The migrations in the tree (numbered 1..n without gaps), so that a new one
# does not have to edit this test.
migrations=$(find "$(dirname "$0")/../../db/migrations" -name '[0-9][0-9][0-9][0-9]_*.sql' | wc -l)
expect_exit 0 "first migrate applies the schema" "$GAVEL" db migrate
check "first migrate says it applied" contains "$out" "applied $migrations migrations"
tables_before=$(psql "$url" -qAtc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
expect_exit 0 "second migrate succeeds" "$GAVEL" db migrate
check "second migrate is a no-op" contains "$out" "up to date"
tables_after=$(psql "$url" -qAtc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
check "second migrate created nothing ($tables_before tables)" [ "$tables_before" = "$tables_after" ]
check "schema has its tables" [ "$tables_after" -ge 15 ]
expect_exit 0 "db status" "$GAVEL" db status
check "db status names the version" contains "$out" "schema version $migrations"

counts() {
    psql "$url" -qAtc "SELECT (SELECT count(*) FROM users) || ' ' || (SELECT count(*) FROM problems)
        || ' ' || (SELECT count(*) FROM test_cases) || ' ' || (SELECT count(*) FROM contests)
        || ' ' || (SELECT count(*) FROM blobs) || ' ' || (SELECT count(*) FROM participants)"
}
expect_exit 0 "demo seed" "$GAVEL" demo seed
first=$(counts)
check "demo seed made users, problems, tests, a contest ($first)" \
    [ "$(cut -d' ' -f1-4 <<<"$first")" = "4 3 14 1" ]
expect_exit 0 "second demo seed" "$GAVEL" demo seed
check "second demo seed changes nothing" [ "$(counts)" = "$first" ]
check "demo passwords are argon2id" \
    [ "$(psql "$url" -qAtc "SELECT count(*) FROM users WHERE password_hash LIKE '\$argon2id\$%'")" = 4 ]
check "the A + B sample answer is stored under the hash of '3\\n'" \
    [ "$(psql "$url" -qAtc "SELECT count(*) FROM test_cases t JOIN problem_versions v
          ON v.id = t.problem_version_id JOIN problems p ON p.id = v.problem_id
          JOIN blobs b ON b.sha256 = t.answer_blob
          WHERE p.slug = 'a-plus-b' AND t.name = 'sample/01' AND b.size = 2
          AND b.sha256 = sha256(E'3\\n'::bytea)")" = 1 ]

# Bad usage is exit 2 with a message; bad settings are exit 1 with the fix.
expect_exit 2 "no command" "$GAVEL"
expect_exit 2 "unknown command" "$GAVEL" frobnicate
check "unknown command is named" contains "$out" "unknown command 'frobnicate'"
expect_exit 2 "unknown db subcommand" "$GAVEL" db drop-everything
expect_exit 2 "non-numeric wait" "$GAVEL" db wait soon
expect_exit 0 "--version" "$GAVEL" --version
for cmd in db demo run judge problem submit rejudge contest user; do
    help=$("$GAVEL" "$cmd" --help 2>/dev/null) && rc=0 || rc=$?
    check "gavel $cmd --help: usage on stdout, exit 0 (exit $rc)" \
        [ "$rc" = 0 ] && check "gavel $cmd --help names the command" contains "$help" "gavel $cmd"
done

dead=$(free_port)
GAVEL_PG_URL="postgresql://gavel@127.0.0.1:$dead/gavel" expect_exit 1 "unreachable PostgreSQL" \
    "$GAVEL" db migrate
check "unreachable PostgreSQL names the setting" contains "$out" "GAVEL_PG_URL=postgresql://gavel@127.0.0.1:$dead"
GAVEL_REDIS_URL="redis://127.0.0.1:$dead/0" expect_exit 1 "db wait gives up on a dead Redis" \
    "$GAVEL" db wait 1
check "dead Redis is named" contains "$out" "Redis at redis://127.0.0.1:$dead/0 did not answer"

conf=$(mktemp)
printf '# gavel settings\nGAVEL_PG_URL=%s\n' "$url" >"$conf"
(unset GAVEL_PG_URL; GAVEL_CONFIG=$conf expect_exit 0 "settings from a GAVEL_CONFIG file" "$GAVEL" db status; [ "$fails" -eq 0 ]) || fails=$((fails + 1))
printf 'not a setting\n' >"$conf"
GAVEL_CONFIG=$conf expect_exit 1 "malformed config file" "$GAVEL" db status
check "malformed config names the line" contains "$out" "malformed line 1"
rm -f "$conf"

# The worker announces itself while alive and withdraws on SIGTERM; it
# serves GET /metrics on 127.0.0.1 when asked to (GAVEL_JUDGE_METRICS_PORT).
redis_port=${GAVEL_REDIS_URL##*:}
redis_port=${redis_port%%/*}
GAVEL_REDIS_SENTINELS=127.0.0.1:26379,nohost expect_exit 2 "a malformed sentinel list is refused" \
    timeout 30 "$JUDGE"
check "the malformed sentinel list is named" contains "$out" "malformed GAVEL_REDIS_SENTINELS '127.0.0.1:26379,nohost'"
# An empty variable means "unset" (the default name); a settings file can
# still set it empty. timeout: a worker that accepted it would run on.
conf=$(mktemp)
printf 'GAVEL_REDIS_MASTER=\n' >"$conf"
GAVEL_CONFIG=$conf GAVEL_REDIS_SENTINELS=127.0.0.1:26379 expect_exit 2 "an empty master name is refused" \
    timeout 30 "$JUDGE"
check "the empty master name is named" contains "$out" "GAVEL_REDIS_MASTER is empty"
rm -f "$conf"
GAVEL_REDIS_URL=redis:/x expect_exit 2 "a malformed Redis URL is refused" timeout 30 "$JUDGE"
check "the malformed Redis URL is named" contains "$out" "malformed GAVEL_REDIS_URL"
GAVEL_REDIS_SENTINELS=127.0.0.1:1 expect_exit 1 "gavel db wait with no sentinel answering" "$GAVEL" db wait 1
check "the sentinels are named" contains "$out" "Redis at master 'gavel' via sentinels 127.0.0.1:1 did not answer"
GAVEL_PG_URL="postgresql://gavel:hunter2@127.0.0.1:1,127.0.0.1:2/gavel?target_session_attrs=read-write" \
    expect_exit 1 "gavel db wait with no PostgreSQL host answering" "$GAVEL" db wait 1
check "the URL is named, its password not" contains "$out" "postgresql://gavel:\*\*\*@127.0.0.1:1,127.0.0.1:2/gavel"
check "the password is not shown" eval '! grep -q hunter2 <<<"$out"'
GAVEL_JUDGE_METRICS_PORT=zero expect_exit 1 "a malformed metrics port is refused" "$JUDGE"
check "the malformed metrics port is named" contains "$out" "GAVEL_JUDGE_METRICS_PORT"
mport=$(free_port)
# A queue of its own: on the shared Redis, another test's submission on the
# default queue would be taken by this worker (seen in CI: the heartbeat
# named a submission), which is neither idle nor that test's judge.
GAVEL_QUEUE_PREFIX=gavel:test:cli:$$ GAVEL_JUDGE_METRICS_PORT=$mport "$JUDGE" 2>/dev/null &
judge=$!
for _ in $(seq 1 50); do
    [ -n "$(redis-cli -p "$redis_port" --raw keys "gavel:judge:*:$judge")" ] && break
    sleep 0.1
done
check "judge worker writes its heartbeat" [ -n "$(redis-cli -p "$redis_port" --raw keys "gavel:judge:*:$judge")" ]
beat=$(redis-cli -p "$redis_port" --raw get "$(redis-cli -p "$redis_port" --raw keys "gavel:judge:*:$judge")")
check "the heartbeat names the worker (docs/JUDGING.md)" contains "$beat" "\"pid\":$judge,\"started_at\":"
check "an idle worker's heartbeat judges nothing" contains "$beat" '"submission":null,"judging_since":null'
scrape=$(curl -sf "http://127.0.0.1:$mport/metrics") || scrape=
check "the judge answers GET /metrics" [ -n "$scrape" ]
check "its /metrics is the Prometheus text format" metrics_format_ok "$scrape"
check "an idle worker has judged nothing" [ "$(metric "$scrape" gavel_judgings_total)" = 0 ]
check "verdicts are counted by kind" [ "$(metric "$scrape" 'gavel_verdicts_total{verdict="AC"}')" = 0 ]
check "the judging time histogram is there" \
    [ "$(metric "$scrape" 'gavel_judging_duration_seconds_bucket{le="+Inf"}')" = 0 ]
for _ in $(seq 1 30); do
    [ "$(metric "$scrape" 'gavel_judge_queue_waiting{level="rejudge"}')" != absent ] && break
    sleep 0.1
    scrape=$(curl -sf "http://127.0.0.1:$mport/metrics") || scrape=
done
check "the queue depth is reported by level" \
    [ "$(metric "$scrape" 'gavel_judge_queue_waiting{level="contest_paid"}')" != absent ]
check "the metrics content type is version 0.0.4" contains \
    "$(curl -sI "http://127.0.0.1:$mport/metrics" -X GET)" "text/plain; version=0.0.4"
check "another path is 404" [ "$(curl -s -o /dev/null -w '%{http_code}' \
    "http://127.0.0.1:$mport/healthz")" = 404 ]
check "POST is 405" [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d x \
    "http://127.0.0.1:$mport/metrics")" = 405 ]
kill -TERM "$judge"
rc=0
wait "$judge" || rc=$?
check "judge worker exits 0 on SIGTERM" [ "$rc" -eq 0 ]
check "judge worker removes its heartbeat" [ -z "$(redis-cli -p "$redis_port" --raw keys "gavel:judge:*:$judge")" ]

finish
