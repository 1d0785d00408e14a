#!/usr/bin/env bash
# Build the benchmark databases when missing, then print the benchmark table.
#   bench/run.sh [--big 1000000 --small 10000 --complete 10000 --orders 200 --repeat 3]
# REBUILD=1 drops and rebuilds both databases.
set -euo pipefail
source "$(dirname "$0")/../tests/odoo_env.sh"
DB=${SUBSIDY_BENCH_DB:-subsidy_bench}
BASE_DB=${SUBSIDY_BENCH_BASE_DB:-subsidy_bench_base}
exists() { "$PYTHON" -c "import sys, odoo.service.db as d, odoo.tools.config as c; c.parse_config([]); sys.exit(not d.exp_db_exist('$1'))"; }
if [ -n "${REBUILD:-}" ]; then drop_db "$DB"; drop_db "$BASE_DB"; fi
exists "$BASE_DB" || odoo_cmd -d "$BASE_DB" -i sale_management,account,portal,website_sale \
    --without-demo=all --stop-after-init --log-level=warn
exists "$DB" || odoo_cmd -d "$DB" -i subsidy_queue --without-demo=all --stop-after-init --log-level=warn
cd "$ROOT/bench"
exec "$PYTHON" bench_queue.py --db "$DB" --base-db "$BASE_DB" --addons-path "$ADDONS_PATH" \
    ${ODOO_RC:+-c "$ODOO_RC"} "$@"
