# SPDX-License-Identifier: MIT
# lib.sh - helpers for the shell integration tests; sourced.
set -euo pipefail

fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
not_ok() { fails=$((fails + 1)); echo "not ok - $*"; }

# check DESCRIPTION COMMAND...: passes when COMMAND succeeds.
check() {
    local what=$1
    shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# expect_exit CODE DESCRIPTION COMMAND...: runs COMMAND, output in $out.
expect_exit() {
    local want=$1 what=$2 rc=0
    shift 2
    out=$("$@" 2>&1) || rc=$?
    if [ "$rc" -eq "$want" ]; then ok "$what"; else not_ok "$what (exit $rc, want $want): $out"; fi
}

contains() { grep -q -- "$2" <<<"$1"; }

finish() {
    echo "$passes passed, $fails failed"
    [ "$fails" -eq 0 ]
}

require_services() {
    if [ -z "${GAVEL_PG_URL:-}" ] || [ -z "${GAVEL_REDIS_URL:-}" ]; then
        echo "GAVEL_PG_URL/GAVEL_REDIS_URL unset: run through scripts/test" >&2
        exit 77
    fi
}

# fresh_db NAME: creates a database of its own and prints its URL.
fresh_db() {
    local name="itest_$1_$$"
    psql "$GAVEL_PG_URL" -qAtc "DROP DATABASE IF EXISTS $name" >/dev/null
    psql "$GAVEL_PG_URL" -qAtc "CREATE DATABASE $name" >/dev/null
    echo "${GAVEL_PG_URL%/*}/$name"
}

drop_db() {
    psql "$GAVEL_PG_URL" -qAtc "DROP DATABASE IF EXISTS $1 WITH (FORCE)" >/dev/null 2>&1 || true
}

# free_port: a TCP port no socket uses right now, below the kernel's
# ephemeral range: a port in that range may be taken, between this check
# and the bind, as the local end of any test's outgoing connection (the
# likely end of a judge that died at its start under ctest -j2, its
# metrics port taken), and a port held by a connected socket is not seen
# by listing the listeners only.
free_port() {
    local p lo base=20000
    lo=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null) || lo=32768
    [ "${lo:-0}" -gt $((base + 1000)) ] || base=1024
    while :; do
        p=$((base + RANDOM % (lo - base)))
        [ -z "$(ss -Htan "sport = :$p")" ] && { echo "$p"; return; }
    done
}

# metric TEXT SERIES: the value of SERIES (name and labels exactly as
# written) in a /metrics scrape, "absent" when it is not there.
metric() {
    awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print "absent" }' <<<"$1"
}

# metrics_format_ok TEXT: every line of a scrape is a # HELP or # TYPE
# comment or a sample `name{label="value",...} value` (text format 0.0.4).
metrics_format_ok() {
    local name='[a-zA-Z_:][a-zA-Z0-9_:]*' lname='[a-zA-Z_][a-zA-Z0-9_]*'
    local value='"([^"\\]|\\[\\"n])*"' num='[-+]?([0-9.]+([eE][-+]?[0-9]+)?|Inf|NaN)'
    [ -n "$1" ] && ! grep -Evq "^(# (HELP|TYPE) $name .*|$name(\{$lname=$value(,$lname=$value)*\})? $num)\$" <<<"$1"
}
