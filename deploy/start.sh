#!/usr/bin/env bash
# Start the production-shaped stack on loopback, in this order:
#   1. a PostgreSQL streaming replica of the local server (pg_basebackup into a
#      second cluster on REPLICA_PORT), unless REPLICA_PORT=0;
#   2. Odoo with WORKERS HTTP workers and CRON_WORKERS cron workers
#      (deploy/odoo.conf), its reads of readonly=True routes on the replica;
#   3. nginx in front (deploy/nginx.conf) on HTTP_PORT.
# It waits until nginx answers through Odoo, then prints where things are.
# deploy/stop.sh stops all three (and drops the replica).
#
#   SUBSIDY_DB=subsidy_demo deploy/start.sh
#
# Environment (defaults in brackets):
#   SUBSIDY_DB     the database to serve [subsidy_demo]
#   HTTP_PORT      nginx's port [8290]; Odoo listens on HTTP_PORT+1, its websocket on HTTP_PORT+2
#   WORKERS        HTTP workers [4]; CRON_WORKERS cron workers [1]
#   REPLICA_PORT   the replica's port [5440]; 0: no replica, every read on the primary
#   STACK_DIR      configurations, logs and pid files [/tmp/subsidy-stack-$HTTP_PORT]
#   SERVER_NAME    the names nginx serves (server_name); any other Host is refused
#                  [localhost 127.0.0.1]; the first is the one start.sh asks for
#   API_RATE, API_BURST       per API key, and per address for requests without
#                             one [10r/s, 20]
#   API_ADDRESS_RATE, API_ADDRESS_BURST   the API per client address, with a key or
#                             none [30r/s, 60]
#   LOGIN_RATE, LOGIN_BURST   logins per client address [30r/m, 10]
#   RPC_RATE, RPC_BURST       Odoo's RPC (/jsonrpc, /xmlrpc/) per client address
#                             [60r/m, 20]; raise them for integrations (README)
#   ODOO_RC, PGHOST, PGPORT, PGUSER, PGPASSWORD   the primary (as tests/odoo_env.sh)
#   REPLICATION_USER          the role the replica streams as [postgres]
#   ODOO_BIN       Odoo's launcher script [odoo, next to PYTHON]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/../tests/odoo_env.sh"

DB=${SUBSIDY_DB:-subsidy_demo}
HTTP_PORT=${HTTP_PORT:-8290}
ODOO_PORT=${ODOO_PORT:-$((HTTP_PORT + 1))}
GEVENT_PORT=${GEVENT_PORT:-$((HTTP_PORT + 2))}
WORKERS=${WORKERS:-4}
CRON_WORKERS=${CRON_WORKERS:-1}
REPLICA_PORT=${REPLICA_PORT:-5440}
STACK_DIR=${STACK_DIR:-/tmp/subsidy-stack-$HTTP_PORT}
API_RATE=${API_RATE:-10r/s}
API_BURST=${API_BURST:-20}
API_ADDRESS_RATE=${API_ADDRESS_RATE:-30r/s}
API_ADDRESS_BURST=${API_ADDRESS_BURST:-60}
LOGIN_RATE=${LOGIN_RATE:-30r/m}
LOGIN_BURST=${LOGIN_BURST:-10}
RPC_RATE=${RPC_RATE:-60r/m}
RPC_BURST=${RPC_BURST:-20}
SERVER_NAME=${SERVER_NAME:-localhost 127.0.0.1}
REPLICATION_USER=${REPLICATION_USER:-postgres}

say() { echo "== $*"; }
die() { echo "ERROR: $*" >&2; exit 1; }
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

command -v nginx >/dev/null || die "nginx is missing (apt-get install nginx)"
mkdir -p "$STACK_DIR"
STACK_DIR=$(cd "$STACK_DIR" && pwd)
chmod o+x "$STACK_DIR"  # nginx's workers reach their cache and temporary files inside
for pidfile in odoo.pid nginx.pid; do
    if [ -s "$STACK_DIR/$pidfile" ] && kill -0 "$(cat "$STACK_DIR/$pidfile")" 2>/dev/null; then
        die "a stack already runs from $STACK_DIR ($pidfile); stop it first: STACK_DIR=$STACK_DIR $HERE/stop.sh"
    fi
done
for port in "$HTTP_PORT" "$ODOO_PORT" "$GEVENT_PORT"; do
    port_free "$port" || die "port $port is in use"
done

# From here on, a start that fails stops what it started.
started=0
trap '[ "$started" = 1 ] || { echo "== start failed: stopping what started" >&2; STACK_DIR=$STACK_DIR "$HERE/stop.sh" >&2 || true; }' EXIT

# The primary's connection, as Odoo sees it (ODOO_RC, else libpq's variables).
eval "$("$PYTHON" - <<'PY'
import os, shlex
from odoo.tools import config
config.parse_config(["-c", os.environ["ODOO_RC"]] if os.environ.get("ODOO_RC") else [])
values = {
    "DB_HOST": config["db_host"] or os.environ.get("PGHOST", ""),
    "DB_PORT": config["db_port"] or os.environ.get("PGPORT", "5432"),
    "DB_USER": config["db_user"] or os.environ.get("PGUSER", ""),
    "DB_PASSWORD": config["db_password"] or os.environ.get("PGPASSWORD", ""),
    "DATA_DIR": config["data_dir"],
}
for key, value in values.items():
    print(f"{key}={shlex.quote(str(value or ''))}")
PY
)"
PRIMARY_PORT=${DB_PORT:-5432}
# psql below connects as Odoo does.
[ -z "$DB_USER" ] || export PGUSER=$DB_USER
[ -z "$DB_PASSWORD" ] || export PGPASSWORD=$DB_PASSWORD
cat > "$STACK_DIR/stack.env" <<ENV
SUBSIDY_DB=$DB
HTTP_PORT=$HTTP_PORT
REPLICA_PORT=$REPLICA_PORT
ENV

# ----------------------------------------------------------------------
# 1. The replica: a second cluster, streaming from the primary
# ----------------------------------------------------------------------
if [ "$REPLICA_PORT" != 0 ]; then
    command -v pg_basebackup >/dev/null && command -v pg_createcluster >/dev/null \
        || die "the replica needs Debian's postgresql-common (pg_createcluster) and pg_basebackup"
    read -r PG_VERSION PRIMARY_CLUSTER < <(pg_lsclusters -h | awk -v p="$PRIMARY_PORT" '$3 == p {print $1, $2}') || true
    [ -n "${PRIMARY_CLUSTER:-}" ] || die "no local PostgreSQL cluster listens on port $PRIMARY_PORT"
    REPLICA_CLUSTER="subsidy_replica_$REPLICA_PORT"
    echo "REPLICA_CLUSTER=$PG_VERSION/$REPLICA_CLUSTER" >> "$STACK_DIR/stack.env"
    if pg_lsclusters -h | awk -v c="$REPLICA_CLUSTER" '$2 == c' | grep -q .; then
        say "dropping the old replica $PG_VERSION/$REPLICA_CLUSTER"
        pg_dropcluster --stop "$PG_VERSION" "$REPLICA_CLUSTER"
    fi
    port_free "$REPLICA_PORT" || die "port $REPLICA_PORT is in use"

    # The primary must accept replication connections from loopback (once).
    hba=/etc/postgresql/$PG_VERSION/$PRIMARY_CLUSTER/pg_hba.conf
    if ! grep -qE '^host[[:space:]]+replication[[:space:]]+.*127\.0\.0\.1/32' "$hba"; then
        say "allowing streaming replication from 127.0.0.1 on the primary ($hba)"
        printf '\n# deploy/start.sh: streaming replicas on this machine\nhost replication %s 127.0.0.1/32 trust\n' \
            "$REPLICATION_USER" >> "$hba"
        pg_ctlcluster "$PG_VERSION" "$PRIMARY_CLUSTER" reload
    fi

    say "creating the replica $PG_VERSION/$REPLICA_CLUSTER on port $REPLICA_PORT (pg_basebackup)"
    pg_createcluster "$PG_VERSION" "$REPLICA_CLUSTER" -p "$REPLICA_PORT" --start-conf=manual >/dev/null
    data=$(pg_lsclusters -h | awk -v c="$REPLICA_CLUSTER" '$2 == c {print $6}')
    conf=/etc/postgresql/$PG_VERSION/$REPLICA_CLUSTER
    find "$data" -mindepth 1 -delete
    start=$(date +%s)
    # -R: the copy starts as a standby of the primary; --no-sync: a replica that a
    # crash damaged is made again, as every start makes it again.
    runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U "$REPLICATION_USER" \
        -D "$data" -X stream -R -c fast --no-sync
    say "   copied $(du -sh "$data" | cut -f1) in $(( $(date +%s) - start )) s"
    # The standby's own settings; some must be at least the primary's.
    {
        cat "$HERE/replica.conf"
        psql -h 127.0.0.1 -p "$PRIMARY_PORT" -d postgres -AtX -c "
            SELECT name || ' = ' || setting FROM pg_settings
             WHERE name IN ('max_connections', 'max_worker_processes', 'max_wal_senders',
                            'max_prepared_transactions', 'max_locks_per_transaction')"
        echo "port = $REPLICA_PORT"
    } > "$conf/conf.d/90-subsidy-replica.conf"
    # Who may connect: as on the primary (Odoo's role, on loopback).
    cp "$hba" "$conf/pg_hba.conf"
    chown postgres:postgres "$conf/pg_hba.conf" "$conf/conf.d/90-subsidy-replica.conf"
    pg_ctlcluster "$PG_VERSION" "$REPLICA_CLUSTER" start
    for _ in $(seq 60); do
        pg_isready -q -h 127.0.0.1 -p "$REPLICA_PORT" && break
        sleep 0.5
    done
    [ "$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -d postgres -AtXc 'SELECT pg_is_in_recovery()')" = t ] \
        || die "the replica is not a standby"
    # Caught up: it has replayed what the primary had written when we asked.
    target=$(psql -h 127.0.0.1 -p "$PRIMARY_PORT" -d postgres -AtXc 'SELECT pg_current_wal_lsn()')
    for _ in $(seq 120); do
        caught=$(psql -h 127.0.0.1 -p "$REPLICA_PORT" -d postgres -AtXc \
            "SELECT pg_last_wal_replay_lsn() >= '$target'::pg_lsn")
        [ "$caught" = t ] && break
        sleep 0.5
    done
    [ "$caught" = t ] || die "the replica does not catch up with the primary"
fi

# ----------------------------------------------------------------------
# 2. Odoo
# ----------------------------------------------------------------------
fill() {  # fill TEMPLATE: replace @NAME@ by the values below
    sed -e "s|@DB_HOST@|$DB_HOST|g" -e "s|@DB_PORT@|$PRIMARY_PORT|g" -e "s|@DB_USER@|$DB_USER|g" \
        -e "s|@DB_PASSWORD@|$DB_PASSWORD|g" -e "s|@DB_NAME@|$DB|g" -e "s|@ADMIN_PASSWD@|$ADMIN_PASSWD|g" \
        -e "s|@REPLICA@|$REPLICA_ON|g" -e "s|@REPLICA_HOST@|127.0.0.1|g" -e "s|@REPLICA_PORT@|$REPLICA_PORT|g" \
        -e "s|@WORKERS@|$WORKERS|g" -e "s|@CRON_WORKERS@|$CRON_WORKERS|g" \
        -e "s|@HTTP_PORT@|$HTTP_PORT|g" -e "s|@ODOO_PORT@|$ODOO_PORT|g" -e "s|@GEVENT_PORT@|$GEVENT_PORT|g" \
        -e "s|@STACK_DIR@|$STACK_DIR|g" -e "s|@DATA_DIR@|$DATA_DIR_ON|g" -e "s|@DATA_DIR_PATH@|$DATA_DIR|g" \
        -e "s|@USER@|$NGINX_USER|g" -e "s|@STATIC_TRY@|$STATIC_TRY|g" \
        -e "s|@API_RATE@|$API_RATE|g" -e "s|@API_BURST@|$API_BURST|g" \
        -e "s|@API_ADDRESS_RATE@|$API_ADDRESS_RATE|g" -e "s|@API_ADDRESS_BURST@|$API_ADDRESS_BURST|g" \
        -e "s|@LOGIN_RATE@|$LOGIN_RATE|g" -e "s|@LOGIN_BURST@|$LOGIN_BURST|g" \
        -e "s|@RPC_RATE@|$RPC_RATE|g" -e "s|@RPC_BURST@|$RPC_BURST|g" -e "s|@SERVER_NAME@|$SERVER_NAME|g" "$1"
}
# Odoo's master password: /jsonrpc still reaches Odoo's database service, whose
# methods check it (README, Production); a new random one at each start, so
# that it cannot be guessed (list_db = False refuses them all anyway).
ADMIN_PASSWD=$("$PYTHON" -c "import secrets; print(secrets.token_urlsafe(32))")
REPLICA_ON=$([ "$REPLICA_PORT" != 0 ] && echo "" || echo "; ")
DATA_DIR_ON=$([ -n "$DATA_DIR" ] && echo "" || echo "; ")
STATIC_TRY=""
for path in ${ADDONS_PATH//,/ }; do
    STATIC_TRY="$STATIC_TRY $(cd "$path" && pwd)/\$addon/static/\$path"
done
NGINX_USER=""  # nginx's workers drop root
NGINX_RUN_AS=""
if [ "$(id -u)" = 0 ]; then
    NGINX_RUN_AS=www-data
    id www-data >/dev/null 2>&1 || NGINX_RUN_AS=nobody
    NGINX_USER="user $NGINX_RUN_AS;"
fi
fill "$HERE/odoo.conf" > "$STACK_DIR/odoo.conf"
chmod 600 "$STACK_DIR/odoo.conf"
rm -f "$STACK_DIR/odoo.log"

say "starting Odoo: $WORKERS workers, $CRON_WORKERS cron worker(s), database $DB, on 127.0.0.1:$ODOO_PORT"
rm -f "$STACK_DIR/odoo.out"
# Odoo's own launcher, as its installation put it (pip: next to the interpreter;
# Debian's package: /usr/bin/odoo). In prefork mode the master starts its
# websocket process as "python <launcher> gevent", so it must be a script file.
ODOO_BIN=${ODOO_BIN:-$("$PYTHON" -c 'import os, sys; print(os.path.join(os.path.dirname(sys.executable), "odoo"))')}
[ -f "$ODOO_BIN" ] || ODOO_BIN=$(command -v odoo || true)
[ -n "$ODOO_BIN" ] && [ -f "$ODOO_BIN" ] || die "Odoo's launcher (odoo) is not installed; set ODOO_BIN"
setsid "$PYTHON" "$ODOO_BIN" -c "$STACK_DIR/odoo.conf" --addons-path="$ADDONS_PATH" \
    >"$STACK_DIR/odoo.out" 2>&1 < /dev/null &
ODOO_PID=$!
echo "$ODOO_PID" > "$STACK_DIR/odoo.pid"

# ----------------------------------------------------------------------
# 3. nginx
# ----------------------------------------------------------------------
mkdir -p "$STACK_DIR/nginx-tmp" "$STACK_DIR/nginx-cache"
[ -z "$NGINX_RUN_AS" ] || chown "$NGINX_RUN_AS" "$STACK_DIR/nginx-tmp" "$STACK_DIR/nginx-cache"
fill "$HERE/nginx.conf" > "$STACK_DIR/nginx.conf"
nginx -q -t -c "$STACK_DIR/nginx.conf" -p "$STACK_DIR" -e "$STACK_DIR/nginx-error.log" \
    || die "nginx refuses $STACK_DIR/nginx.conf"
say "starting nginx on http://127.0.0.1:$HTTP_PORT"
nginx -c "$STACK_DIR/nginx.conf" -p "$STACK_DIR" -e "$STACK_DIR/nginx-error.log"

# Ready: Odoo answers through nginx (for the first of the served names).
for _ in $(seq 240); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: ${SERVER_NAME%% *}" \
        "http://127.0.0.1:$HTTP_PORT/web/health" || true)
    [ "$code" = 200 ] && break
    kill -0 "$ODOO_PID" 2>/dev/null || die "Odoo stopped; see $STACK_DIR/odoo.log and odoo.out"
    sleep 0.5
done
[ "$code" = 200 ] || die "Odoo does not answer through nginx; see $STACK_DIR/odoo.log"

started=1
cat <<MSG
== up: http://127.0.0.1:$HTTP_PORT  (database $DB)
   nginx    127.0.0.1:$HTTP_PORT  -> Odoo 127.0.0.1:$ODOO_PORT ($WORKERS workers, $CRON_WORKERS cron), websocket 127.0.0.1:$GEVENT_PORT
   replica  $([ "$REPLICA_PORT" != 0 ] && echo "127.0.0.1:$REPLICA_PORT ($PG_VERSION/$REPLICA_CLUSTER, streaming from port $PRIMARY_PORT)" || echo "none: every read on the primary")
   files    $STACK_DIR  (odoo.conf, odoo.log, nginx.conf, nginx-access.log)
   stop     STACK_DIR=$STACK_DIR $HERE/stop.sh
MSG
