#!/usr/bin/env bash
# Odoo's own suites with and without our addons: what do we break?
#
#   tests/upstream.sh [module ...]     (default: the modules our addons extend)
#
# Builds two databases with Odoo's demo data — the upstream modules alone, and
# the same with our addons — runs those modules' own tests against each with
# pytest-odoo (the whole registry loaded, as our own suite runs) and prints
# every test whose outcome differs. Exits non-zero when a test passes without
# our addons and not with them. Not part of tests/run.sh: it takes a while.
#
# Environment: as tests/run.sh (tests/odoo_env.sh); UPSTREAM_PORT (default
# 8199) for the HttpCase server; LOG_DIR for the reports.
set -euo pipefail
source "$(dirname "$0")/odoo_env.sh"
LOG_DIR=${LOG_DIR:-$ROOT/.logs/upstream}
mkdir -p "$LOG_DIR"

UPSTREAM=("$@")
if [ ${#UPSTREAM[@]} -eq 0 ]; then
    UPSTREAM=(sale sale_stock purchase_stock stock_dropshipping website_sale_collect sale_loyalty loyalty)
    if [ -f "$ROOT/pos_bridge/__manifest__.py" ]; then
        UPSTREAM+=(point_of_sale pos_sale)
    fi
fi
IFS=, ; UPSTREAM_CSV="${UPSTREAM[*]}" ; unset IFS
OURS=$MODULES
CONF="$LOG_DIR/odoo.conf"
printf '[options]\nhttp_port = %s\n' "${UPSTREAM_PORT:-8199}" > "$CONF"

build() {  # build DB MODULES
    drop_db "$1"
    echo "== building $1 with $2"
    odoo_cmd -c "$CONF" -d "$1" -i "$2" --stop-after-init --log-level=warn --logfile="$LOG_DIR/$1.install.log"
}

run_suites() {  # run_suites DB
    local paths=()
    for module in "${UPSTREAM[@]}"; do
        for dir in ${ODOO_ADDONS//,/ }; do
            [ -d "$dir/$module/tests" ] && paths+=("$dir/$module/tests")
        done
    done
    echo "== running ${UPSTREAM_CSV} tests against $1"
    set +e
    "$PYTHON" -m pytest -p no:cacheprovider -q --odoo-database="$1" --odoo-http --odoo-config="$CONF" \
        --odoo-addons-path="$ADDONS_PATH" --junitxml="$LOG_DIR/$1.xml" "${paths[@]}" \
        > "$LOG_DIR/$1.log" 2>&1
    set -e
    tail -1 "$LOG_DIR/$1.log"
}

build upstream_without "$UPSTREAM_CSV"
build upstream_with "$UPSTREAM_CSV,$OURS"
run_suites upstream_without
run_suites upstream_with

"$PYTHON" - "$LOG_DIR/upstream_without.xml" "$LOG_DIR/upstream_with.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET


def outcomes(path):
    result = {}
    for case in ET.parse(path).iter("testcase"):
        key = f"{case.get('classname')}::{case.get('name')}"
        kinds = {child.tag for child in case}
        result[key] = next((k for k in ("failure", "error", "skipped") if k in kinds), "passed")
    return result


without, with_ours = outcomes(sys.argv[1]), outcomes(sys.argv[2])
broken = 0
print(f"\n{len(without)} tests without our addons, {len(with_ours)} with them")
for key in sorted(set(without) | set(with_ours)):
    before, after = without.get(key, "absent"), with_ours.get(key, "absent")
    if before != after:
        print(f"  {before:>8} -> {after:<8} {key}")
        broken += before == "passed"
print("no difference" if not broken else f"{broken} test(s) pass without our addons and not with them")
sys.exit(1 if broken else 0)
PY
