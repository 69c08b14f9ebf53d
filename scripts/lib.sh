# SPDX-License-Identifier: MIT
# lib.sh - shared by the scripts in this folder; sourced, not run.
# Sets GAVEL_ROOT to the checkout, whatever the caller's current directory.

GAVEL_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export GAVEL_ROOT

gv_say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
gv_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

gv_require_root() {
    [ "$(id -u)" -eq 0 ] || gv_die "$1 must run as root (it installs packages, starts PostgreSQL as the postgres user and runs the sandbox). Try: sudo $0"
}

# gv_port_owner PORT: prints "pid=N cmd" of the TCP listener on PORT, or nothing.
gv_port_owner() {
    ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\("[^"]*"\),pid=\([0-9]*\).*/pid=\2 \1/p' | head -n1
}

gv_port_in_use() {
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

# gv_build PRESET: configure (once) and build a CMake preset.
gv_build() {
    local preset=$1
    cmake --preset "$preset" >/dev/null || gv_die "cmake configure failed for preset '$preset'"
    cmake --build --preset "$preset" -j "$(nproc)" || gv_die "build failed for preset '$preset'"
}

# The services a benchmark runs on (bench/*.sh). gv_bench_services_init VAR
# PG_PORT REDIS_PORT: its own under var/VAR on those ports, or, with
# GAVEL_BENCH_SERVICES=env, the ones GAVEL_PG_URL and GAVEL_REDIS_URL name
# (left running); sets bench_own_services. gv_bench_services_start starts
# its own and exports their URLs; gv_bench_services_stop stops and removes
# them.
gv_bench_services_init() {
    bench_own_services=true
    if [ "${GAVEL_BENCH_SERVICES:-}" = env ]; then
        bench_own_services=false
        [ -n "${GAVEL_PG_URL:-}" ] && [ -n "${GAVEL_REDIS_URL:-}" ] ||
            gv_die "GAVEL_BENCH_SERVICES=env needs GAVEL_PG_URL and GAVEL_REDIS_URL (eval \"\$(scripts/services env)\")"
    else
        export GAVEL_VAR=$GAVEL_ROOT/var/$1 GAVEL_PG_PORT=$2 GAVEL_REDIS_PORT=$3
        export GAVEL_SERVICES_MODE=test
    fi
}
gv_bench_services_start() {
    if $bench_own_services; then
        "$GAVEL_ROOT/scripts/services" start >/dev/null
        eval "$("$GAVEL_ROOT/scripts/services" env)"
    fi
}
gv_bench_services_stop() {
    if $bench_own_services; then
        "$GAVEL_ROOT/scripts/services" stop >/dev/null 2>&1 || true
        rm -rf "$GAVEL_VAR"
    fi
}
