#!/usr/bin/env bash
# Stop what deploy/start.sh started from STACK_DIR: nginx, Odoo (its workers,
# cron workers and websocket process go with it) and the replica, which is
# dropped (every start makes it again from the primary). Each process is
# stopped by the pid its own pid file names; nothing else is touched.
#
#   STACK_DIR=/tmp/subsidy-stack-8290 deploy/stop.sh      (or HTTP_PORT=8290)
#   KEEP_REPLICA=1: stop the replica's cluster but keep it.
set -uo pipefail
HTTP_PORT=${HTTP_PORT:-8290}
STACK_DIR=${STACK_DIR:-/tmp/subsidy-stack-$HTTP_PORT}
[ -d "$STACK_DIR" ] || { echo "nothing to stop: no $STACK_DIR"; exit 0; }

stop_pid() {  # stop_pid NAME PIDFILE: TERM, then KILL after 30 s
    local name=$1 pidfile=$2 pid
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
        echo "== stopping $name (pid $pid)"
        kill -TERM "$pid" 2>/dev/null
        for _ in $(seq 60); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.5
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "   $name did not stop in 30 s: killing it" >&2
            kill -KILL "$pid" 2>/dev/null
        fi
    fi
    rm -f "$pidfile"
}

stop_pid nginx "$STACK_DIR/nginx.pid"
# Odoo's master stops its workers, cron workers and gevent process on TERM
# (a second TERM would kill them at once).
stop_pid Odoo "$STACK_DIR/odoo.pid"

REPLICA_CLUSTER=$(sed -n 's/^REPLICA_CLUSTER=//p' "$STACK_DIR/stack.env" 2>/dev/null)
if [ -n "$REPLICA_CLUSTER" ]; then
    version=${REPLICA_CLUSTER%%/*} name=${REPLICA_CLUSTER#*/}
    if pg_lsclusters -h | awk -v v="$version" -v c="$name" '$1 == v && $2 == c' | grep -q .; then
        if [ -n "${KEEP_REPLICA:-}" ]; then
            echo "== stopping the replica $REPLICA_CLUSTER"
            pg_ctlcluster "$version" "$name" stop -m fast || true
        else
            echo "== dropping the replica $REPLICA_CLUSTER"
            pg_dropcluster --stop "$version" "$name"
        fi
    fi
fi
echo "== stopped; logs stay in $STACK_DIR"
