#!/usr/bin/env bash
# The main job: build (or rebuild) a demo database with the addons and a
# realistic history, then serve it on http://localhost:8069.
#
# Environment: see tests/odoo_env.sh; SUBSIDY_DEMO_DB names the database
# (default subsidy_demo); HTTP_PORT the port (default 8069).
set -euo pipefail
source "$(dirname "$0")/../tests/odoo_env.sh"
DB=${SUBSIDY_DEMO_DB:-subsidy_demo}
PORT=${HTTP_PORT:-8069}

echo "== building the demo database '$DB' with $MODULES (and Odoo's demo data)"
drop_db "$DB"
odoo_cmd -d "$DB" -i "$MODULES" --stop-after-init --log-level=warn
echo "== adding six weeks of shoppers, orders, refunds and settlements"
odoo_cmd shell -d "$DB" --log-level=warn --no-http < "$ROOT/bench/demo_data.py"
echo "== adding the store's till: sessions, orders paid from the subsidy balance, refunds"
odoo_cmd shell -d "$DB" --log-level=warn --no-http < "$ROOT/bench/demo_pos.py"

cat <<MSG

  Queue subsidy demo: http://localhost:$PORT/odoo?db=$DB
    manager          admin / admin        (back office: Queue Subsidy app)
    second manager   manager / manager    (approves voids)
    shopper          shopper / shopper    (portal: /my/subsidy)
    supplier         supplier / supplier  (portal: /my/direct-shipments)

MSG
exec "$PYTHON" -m odoo ${ODOO_RC:+-c "$ODOO_RC"} --addons-path="$ADDONS_PATH" -d "$DB" \
    --db-filter="^$DB\$" --http-port="$PORT" --log-level=warn
