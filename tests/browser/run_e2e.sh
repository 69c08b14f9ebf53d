#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# run_e2e.sh [GAVEL GAVEL_SERVER GAVEL_JUDGE EXAMPLES] - the web client end to
# end in headless Chromium against a stack of its own: PostgreSQL and Redis
# (scripts/services, own GAVEL_VAR and ports), the example packages imported
# and made public, two gavel-server processes sharing one port
# (SO_REUSEPORT) and one gavel-judge. Runs e2e.mjs and e2e_org.mjs (the organizer
# console); their screenshots go to GAVEL_ARTIFACTS, default
# BUILD/test-artifacts/browser beside BUILD/bin/gavel; then it stops everything and
# checks that nothing is left running. Exit 77 (skipped) when not root or
# when Chromium or Node.js are missing after scripts/install-deps.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
. "$ROOT/tests/integration/lib.sh"

GAVEL=${1:-$ROOT/build/bin/gavel}
SERVER=${2:-$ROOT/build/bin/gavel-server}
JUDGE=${3:-$ROOT/build/bin/gavel-judge}
EXAMPLES=${4:-$ROOT/examples/problems}
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
# Absolute paths: node runs from tests/browser.
abspath() { [ -e "$1" ] && echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" || echo "$1"; }
GAVEL=$(abspath "$GAVEL") SERVER=$(abspath "$SERVER") JUDGE=$(abspath "$JUDGE") EXAMPLES=$(abspath "$EXAMPLES")

if [ "$(id -u)" -ne 0 ]; then
    echo "skip: needs root (services run as postgres, the judge runs the sandbox)" >&2
    exit 77
fi
for bin in "$GAVEL" "$SERVER" "$JUDGE"; do
    [ -x "$bin" ] || { echo "error: $bin is not built" >&2; exit 1; }
done

# Chromium, Node.js and tests/browser/node_modules (no-op when present).
"$ROOT/scripts/install-deps" || echo "warning: scripts/install-deps failed; checking what is there" >&2
if [ ! -x "$CHROMIUM" ] || ! command -v node >/dev/null || [ ! -d "$HERE/node_modules/playwright-core" ]; then
    echo "skip: Chromium ($CHROMIUM), node or playwright-core is missing after scripts/install-deps" >&2
    exit 77
fi

work=$(mktemp -d /tmp/gavel-e2e.XXXXXX)
export GAVEL_VAR=$ROOT/var/e2e-$$
export GAVEL_PG_PORT=$(free_port)
export GAVEL_REDIS_PORT=$(free_port)
export GAVEL_SERVICES_MODE=test
HTTP_PORT=$(free_port)
unset GAVEL_PG_URL GAVEL_REDIS_URL GAVEL_CONFIG
pids=()
status=1

stop_pids() {
    local p
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for _ in $(seq 1 50); do
        local alive=0
        for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.1
    done
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    pids=()
}

leftovers() {
    pgrep -f -- "$GAVEL_VAR" || true
    pgrep -f -- "$work" || true
    for p in $(pgrep -x redis-server); do
        [ "$(readlink "/proc/$p/cwd")" = "$GAVEL_VAR/redis" ] && echo "$p"
    done
    ss -Hltnp "sport = :$HTTP_PORT" | sed -n 's/.*pid=\([0-9]*\).*/\1/p'
}

cleanup() {
    trap - EXIT INT TERM
    stop_pids
    "$ROOT/scripts/services" stop >/dev/null 2>&1 || true
    sleep 0.2
    left=$(leftovers | sort -u | tr '\n' ' ')
    if [ -n "${left// /}" ]; then
        echo "not ok - nothing is left running (still running: $left)"
        for p in $left; do echo "  $p: $(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null)"; done
        for p in $left; do kill -KILL "$p" 2>/dev/null || true; done
        status=1
    else
        echo "ok - nothing is left running"
    fi
    rm -rf "$GAVEL_VAR"
    if [ "$status" = 0 ]; then
        rm -rf "$work"
    else
        echo "logs and screenshots kept in $work"
    fi
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

die() { echo "not ok - $*"; exit 1; }

echo "# services in $GAVEL_VAR (PostgreSQL :$GAVEL_PG_PORT, Redis :$GAVEL_REDIS_PORT)"
"$ROOT/scripts/services" start >"$work/services.log" 2>&1 || { cat "$work/services.log"; die "services start"; }
eval "$("$ROOT/scripts/services" env)"
export GAVEL_PG_URL GAVEL_REDIS_URL
"$GAVEL" db wait 30 >/dev/null 2>&1 || true
"$GAVEL" db migrate >"$work/migrate.log" 2>&1 || { cat "$work/migrate.log"; die "gavel db migrate"; }
echo "ok - migrated"
"$GAVEL" problem import "$EXAMPLES/circle-area" "$EXAMPLES/pair-sum" \
    "$EXAMPLES/distinct-count" "$EXAMPLES/subtask-sum" >"$work/import.log" 2>&1 ||
    { cat "$work/import.log"; die "gavel problem import"; }
echo "ok - imported the example packages"
psql "$GAVEL_PG_URL" -v ON_ERROR_STOP=1 -qAtc "UPDATE problems SET is_public = true,
    difficulty = CASE slug WHEN 'circle-area' THEN 800 WHEN 'pair-sum' THEN 1000
                           WHEN 'distinct-count' THEN 1300 ELSE 1600 END" >/dev/null ||
    die "making the problems public"
# A running contest with circle-area as its problem A, and an organizer to
# announce in it (registered through the API like anyone, then promoted).
CONTEST_ID=$(psql "$GAVEL_PG_URL" -v ON_ERROR_STOP=1 -qAtc "INSERT INTO contests (slug, title,
    starts_at, ends_at) VALUES ('e2e-live', 'E2E Live', now() - interval '5 minutes',
    now() + interval '2 hours') RETURNING id" | head -n 1) || die "creating the contest"
psql "$GAVEL_PG_URL" -v ON_ERROR_STOP=1 -qAtc "INSERT INTO contest_problems (contest_id,
    problem_id, label, ordinal) SELECT $CONTEST_ID, id, 'A', 1 FROM problems
    WHERE slug = 'circle-area'" >/dev/null || die "adding the contest's problem"

export GAVEL_HTTP_PORT=$HTTP_PORT GAVEL_HTTP_ADDR=127.0.0.1 GAVEL_WEB_ROOT=$ROOT/web-client
export GAVEL_JUDGE_CACHE=$work/judge-cache
"$JUDGE" >"$work/judge.log" 2>&1 &
pids+=($!)
for n in 1 2; do
    "$SERVER" >"$work/server$n.log" 2>&1 &
    pids+=($!)
    sleep 0.3
done
up=
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$HTTP_PORT/healthz" >/dev/null 2>&1 && { up=1; break; }
    sleep 0.1
done
[ -n "$up" ] || { tail -n 20 "$work"/server*.log; die "gavel-server answers /healthz on :$HTTP_PORT"; }
for i in 0 1 2; do
    kill -0 "${pids[$i]}" 2>/dev/null || { tail -n 20 "$work"/*.log; die "process ${pids[$i]} is running"; }
done
listeners=$(ss -Hltnp "sport = :$HTTP_PORT" | grep -o 'pid=[0-9]*' | sort -u | wc -l)
[ "$listeners" -ge 2 ] || die "two gavel-server processes listen on :$HTTP_PORT (found $listeners)"
echo "ok - gavel-judge and two gavel-server processes on :$HTTP_PORT"
ORG_PASSWORD="org-pw-$$-long"
curl -fsS -H 'Content-Type: application/json' -d "{\"username\":\"e2e_org\",\"password\":\"$ORG_PASSWORD\"}" \
    "http://127.0.0.1:$HTTP_PORT/api/register" >/dev/null || die "registering the organizer"
psql "$GAVEL_PG_URL" -v ON_ERROR_STOP=1 -qAtc "UPDATE users SET role = 'organizer'
    WHERE username = 'e2e_org'" >/dev/null || die "promoting the organizer"
# The console's accounts, registered like anyone and promoted with the CLI,
# as an organizer would do it: a jury member and an admin.
CONSOLE_PASSWORD="console-pw-$$-long"
for who in e2e_console:jury e2e_admin:admin; do
    curl -fsS -H 'Content-Type: application/json' \
        -d "{\"username\":\"${who%%:*}\",\"password\":\"$CONSOLE_PASSWORD\"}" \
        "http://127.0.0.1:$HTTP_PORT/api/register" >/dev/null || die "registering ${who%%:*}"
    "$GAVEL" user set "${who%%:*}" --role "${who#*:}" >"$work/user-set.log" 2>&1 ||
        { cat "$work/user-set.log"; die "gavel user set ${who%%:*} --role ${who#*:}"; }
done
# The plagiarism page's contest (e2e_org.mjs): four contestants' accepted
# solutions to circle-area, judged and fingerprinted by the real
# gavel-judge: alice's, two disguised copies of it (renamed, commented,
# reformatted) and carol's own in C.
PLAG_CONTEST=$(psql "$GAVEL_PG_URL" -v ON_ERROR_STOP=1 -qAtc "INSERT INTO contests (slug, title,
    starts_at, ends_at) VALUES ('e2e-plag', 'E2E Plagiarism', now() - interval '1 hour',
    now() + interval '2 hours') RETURNING id" | head -n 1) || die "creating the plagiarism contest"
psql "$GAVEL_PG_URL" -v ON_ERROR_STOP=1 -qAtc "INSERT INTO contest_problems (contest_id,
    problem_id, label, ordinal) SELECT $PLAG_CONTEST, id, 'A', 1 FROM problems
    WHERE slug = 'circle-area'" >/dev/null || die "adding the plagiarism contest's problem"
AREA=$EXAMPLES/circle-area/submissions/accepted
cp "$AREA/area.cpp" "$work/plag_alice.cpp"
# rename N R I: area.cpp with n, r and i renamed (not the n of '\n').
rename() {
    sed -E "s/\<int n;/int $1;/; s/>> n;/>> $1;/; s/i < n;/i < $1;/; s/double r;/double $2;/; \
        s/>> r;/>> $2;/; s/r \* r/$2 * $2/; s/int i = 0; i < /int $3 = 0; $3 < /; s/i\+\+/$3++/" "$AREA/area.cpp"
}
rename count radius k | sed 's|^int main|// reads the radii\nint main|' >"$work/plag_bob.cpp"
rename num rr j | sed 's/^    //' >"$work/plag_dave.cpp"
cp "$AREA/area.c" "$work/plag_carol.c"
for who in plag_alice:cpp plag_bob:cpp plag_dave:cpp plag_carol:c; do
    u=${who%%:*}
    psql "$GAVEL_PG_URL" -v ON_ERROR_STOP=1 -qAtc "INSERT INTO users (username, display_name,
        password_hash) VALUES ('$u', '$u', '\$argon2id\$x'); INSERT INTO participants
        (contest_id, user_id) SELECT $PLAG_CONTEST, id FROM users WHERE username = '$u'" >/dev/null ||
        die "adding $u"
    "$GAVEL" submit --user "$u" --problem circle-area --contest e2e-plag "$work/$u.${who#*:}" \
        >>"$work/plag-submit.log" 2>&1 || { cat "$work/plag-submit.log"; die "gavel submit for $u"; }
done
# Not a timing check: a bound on a wait for the judge, generous for a loaded host.
fps=0
for _ in $(seq 1 600); do
    fps=$(psql "$GAVEL_PG_URL" -qAtc "SELECT count(*) FROM submissions s JOIN submission_fingerprints f
        ON f.submission_id = s.id WHERE s.contest_id = $PLAG_CONTEST AND s.verdict = 'AC'")
    [ "$fps" = 4 ] && break
    bad=$(psql "$GAVEL_PG_URL" -qAtc "SELECT string_agg(id || ' ' || verdict, ', ') FROM submissions
        WHERE contest_id = $PLAG_CONTEST AND verdict IS NOT NULL AND verdict <> 'AC'")
    [ -z "$bad" ] || die "the plagiarism contest's submissions are accepted (not: $bad)"
    sleep 0.5
done
[ "$fps" = 4 ] || { tail -n 20 "$work/judge.log"; die "the four plagiarism submissions accepted and fingerprinted (found $fps)"; }
echo "ok - four accepted, fingerprinted submissions in contest $PLAG_CONTEST"

# Screenshots of the contestant's pages (e2e.mjs, 1280 and 360 px wide) and
# of the console's (e2e_org.mjs): test artifacts beside the binaries' build
# directory (build/test-artifacts/browser) unless GAVEL_ARTIFACTS says.
ARTIFACTS=${GAVEL_ARTIFACTS:-$(dirname "$(dirname "$GAVEL")")/test-artifacts/browser}
rm -rf "$ARTIFACTS" && mkdir -p "$ARTIFACTS" || die "creating $ARTIFACTS"

echo "# e2e in headless Chromium"
# GAVEL_E2E_SCRIPTS picks which of the two run (both by default).
want() { case " ${GAVEL_E2E_SCRIPTS:-e2e.mjs e2e_org.mjs} " in *" $1 "*) return 0 ;; esac; return 1; }
rc=0
if want e2e.mjs; then
(cd "$HERE" && TMPDIR=$work CHROMIUM=$CHROMIUM GAVEL_E2E_URL="http://127.0.0.1:$HTTP_PORT/" \
    GAVEL_E2E_EXAMPLES=$EXAMPLES GAVEL_E2E_OUT=$work GAVEL_E2E_CONTEST=$CONTEST_ID GAVEL_ARTIFACTS=$ARTIFACTS \
    GAVEL_E2E_ORG_USER=e2e_org GAVEL_E2E_ORG_PASSWORD=$ORG_PASSWORD timeout 300 node e2e.mjs) || rc=$?
fi
if want e2e_org.mjs; then
echo "# the organizer console in headless Chromium (screenshots in $ARTIFACTS)"
(cd "$HERE" && TMPDIR=$work CHROMIUM=$CHROMIUM GAVEL_E2E_URL="http://127.0.0.1:$HTTP_PORT/" \
    GAVEL_E2E_EXAMPLES=$EXAMPLES GAVEL_E2E_CONTEST=$CONTEST_ID GAVEL_ARTIFACTS=$ARTIFACTS \
    GAVEL_E2E_CONSOLE_USER=e2e_console GAVEL_E2E_CONSOLE_PASSWORD=$CONSOLE_PASSWORD \
    GAVEL_E2E_ADMIN_USER=e2e_admin GAVEL_E2E_ADMIN_PASSWORD=$CONSOLE_PASSWORD \
    GAVEL_E2E_PLAG_CONTEST=$PLAG_CONTEST timeout 300 node e2e_org.mjs) || rc=$?
fi
if [ "$rc" -ne 0 ]; then
    echo "--- last lines of the server and judge logs ---"
    for f in "$work"/server1.log "$work"/server2.log "$work"/judge.log; do
        echo "== $f"; tail -n 15 "$f"
    done
    exit 1
fi
status=0
