#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ha_stores.sh - the replicated stores of test_failover, under one work
# directory that the test made (and that the postgres user can reach):
#
#   ha_stores.sh WORK pg-primary PORT        initdb WORK/pg1, start, role and database
#   ha_stores.sh WORK pg-standby PORT FROM   pg_basebackup -R of FROM's cluster into
#                                            WORK/pg2, started as a streaming standby
#   ha_stores.sh WORK pg-sync                the primary (pg1) waits for the standby's
#                                            flush before it acknowledges a commit
#   ha_stores.sh WORK pg-kill NAME           pg_ctl stop -m immediate (a crash)
#   ha_stores.sh WORK pg-promote NAME        pg_ctl promote, waits until it is primary
#   ha_stores.sh WORK redis NAME PORT [MASTER-PORT]
#                                            a redis-server (a replica of MASTER-PORT)
#   ha_stores.sh WORK sentinel NAME PORT MASTER-PORT
#                                            a sentinel watching master "gavel" (quorum 2)
#   ha_stores.sh WORK redis-synced PORT      waits until the replica on PORT streams
#   ha_stores.sh WORK sentinels-ready PORT...  waits until each sentinel knows the
#                                            others and the replica (failover needs both)
#   ha_stores.sh WORK stop-all               stop everything above, by its pid file
#
# Every process keeps its pid file under WORK, so stop-all (the test's
# cleanup, which runs however the test ends) finds exactly what this run
# started and nothing else.
set -euo pipefail

WORK=$1
shift
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
as_postgres() { runuser -u postgres -- "$@"; }
die() { echo "ha_stores.sh: $*" >&2; exit 1; }

pg_opts() {
    # fsync off: the test crashes processes, never the machine, and the
    # page cache outlives a crash (it saves seconds on a loaded host).
    # synchronous_commit stays on: with pg-sync's synchronous_standby_names
    # it is what makes a commit wait until the standby has it.
    echo "-p $1 -k $WORK/$2 -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off" \
        "-c wal_level=replica -c max_wal_senders=5 -c wal_sender_timeout=5s" \
        "-c wal_receiver_status_interval=1s"
}

pg_start() { # NAME PORT
    as_postgres "$PG_BIN/pg_ctl" -D "$WORK/$1/data" -l "$WORK/$1/postgres.log" -w -t 60 \
        -o "$(pg_opts "$2" "$1")" start >/dev/null || die "$1 did not start; see $WORK/$1/postgres.log"
}

psql_on() { # NAME SQL
    local port
    port=$(sed -n 4p "$WORK/$1/data/postmaster.pid")
    as_postgres "$PG_BIN/psql" -h "$WORK/$1" -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtA \
        -c "$2"
}

redis_pidfile() { echo "$WORK/$1.pid"; }

case "${1:-}" in
pg-primary)
    port=$2
    mkdir -p "$WORK/pg1"
    chown postgres:postgres "$WORK/pg1"
    as_postgres "$PG_BIN/initdb" -D "$WORK/pg1/data" -U postgres --auth=trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$WORK/pg1-initdb.log" 2>&1 || die "initdb failed; see $WORK/pg1-initdb.log"
    pg_start pg1 "$port"
    psql_on pg1 "CREATE ROLE gavel LOGIN CREATEDB" >/dev/null
    psql_on pg1 "CREATE DATABASE gavel OWNER gavel" >/dev/null
    ;;
pg-standby)
    port=$2 from=$3
    mkdir -p "$WORK/pg2"
    chown postgres:postgres "$WORK/pg2"
    # -R writes primary_conninfo and standby.signal: it starts streaming.
    as_postgres "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$from" -U postgres -D "$WORK/pg2/data" \
        -R -X stream -c fast --no-sync >"$WORK/pg2-basebackup.log" 2>&1 ||
        die "pg_basebackup failed; see $WORK/pg2-basebackup.log"
    pg_start pg2 "$port"
    ;;
pg-sync)
    psql_on pg1 "ALTER SYSTEM SET synchronous_standby_names = '*'" >/dev/null
    psql_on pg1 "SELECT pg_reload_conf()" >/dev/null
    for _ in $(seq 1 300); do
        [ "$(psql_on pg1 "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'")" = 1 ] &&
            exit 0
        sleep 0.1
    done
    die "the standby did not become synchronous within 30 s"
    ;;
pg-kill)
    as_postgres "$PG_BIN/pg_ctl" -D "$WORK/$2/data" -m immediate -w -t 30 stop >/dev/null
    ;;
pg-promote)
    as_postgres "$PG_BIN/pg_ctl" -D "$WORK/$2/data" -w -t 60 promote >/dev/null
    ;;
redis)
    name=$2 port=$3 master=${4:-}
    args=(--port "$port" --bind 127.0.0.1 --dir "$WORK" --dbfilename "$name.rdb"
        --pidfile "$(redis_pidfile "$name")" --logfile "$WORK/$name.log" --daemonize yes
        --save "" --appendonly no)
    [ -n "$master" ] && args+=(--replicaof 127.0.0.1 "$master")
    redis-server "${args[@]}" >/dev/null || die "redis-server $name did not start"
    for _ in $(seq 1 100); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && exit 0
        sleep 0.1
    done
    die "$name did not answer on $port"
    ;;
sentinel)
    name=$2 port=$3 master=$4
    # A sentinel rewrites its configuration file: one of its own.
    cat >"$WORK/$name.conf" <<EOF
port $port
bind 127.0.0.1
daemonize yes
pidfile $(redis_pidfile "$name")
logfile $WORK/$name.log
dir $WORK
sentinel monitor gavel 127.0.0.1 $master 2
sentinel down-after-milliseconds gavel 1000
sentinel failover-timeout gavel 10000
sentinel parallel-syncs gavel 1
EOF
    redis-server "$WORK/$name.conf" --sentinel >/dev/null || die "sentinel $name did not start"
    for _ in $(seq 1 100); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && exit 0
        sleep 0.1
    done
    die "$name did not answer on $port"
    ;;
redis-synced)
    for _ in $(seq 1 300); do
        redis-cli -p "$2" info replication 2>/dev/null | grep -q '^master_link_status:up' && exit 0
        sleep 0.1
    done
    die "the replica on $2 did not sync within 30 s"
    ;;
sentinels-ready)
    shift
    n=$#
    for _ in $(seq 1 300); do
        ready=0
        for port in "$@"; do
            others=$(redis-cli -p "$port" sentinel sentinels gavel 2>/dev/null | grep -cx name || true)
            replicas=$(redis-cli -p "$port" sentinel replicas gavel 2>/dev/null | grep -cx name || true)
            [ "$others" -eq $((n - 1)) ] && [ "$replicas" -ge 1 ] && ready=$((ready + 1))
        done
        [ "$ready" -eq "$n" ] && exit 0
        sleep 0.1
    done
    die "the sentinels did not find each other and the replica within 30 s"
    ;;
stop-all)
    for d in "$WORK"/pg1 "$WORK"/pg2; do
        [ -f "$d/data/postmaster.pid" ] &&
            as_postgres "$PG_BIN/pg_ctl" -D "$d/data" -m immediate -w -t 30 stop >/dev/null 2>&1
    done
    for f in "$WORK"/*.pid; do
        [ -f "$f" ] || continue
        pid=$(cat "$f")
        # Only a redis-server of ours: a stale pid may have been reused.
        if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = redis-server ] &&
            [ "$(readlink "/proc/$pid/cwd")" = "$WORK" ]; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    exit 0
    ;;
*)
    die "unknown command '${1:-}'"
    ;;
esac
