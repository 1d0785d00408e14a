#!/usr/bin/env bash
# The test command: install the test dependencies, build a fresh test
# database with the addons, run the whole suite (engine, models, concurrency,
# browser tours). Exits non-zero on any failure.
#
#   tests/run.sh [pytest arguments]       e.g. tests/run.sh -k settlement
#
# Environment: see tests/odoo_env.sh; SUBSIDY_TEST_DB names the database
# (default subsidy_test); SKIP_PIP=1 skips the pip install.
set -euo pipefail
source "$(dirname "$0")/odoo_env.sh"
DB=${SUBSIDY_TEST_DB:-subsidy_test}
LOG_DIR=${LOG_DIR:-$ROOT/.logs}
mkdir -p "$LOG_DIR"

if [ -z "${SKIP_PIP:-}" ]; then
    echo "== installing the test dependencies (requirements.txt)"
    "$PYTHON" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt"
fi

echo "== building a fresh database '$DB' with $MODULES"
drop_db "$DB"
start=$(date +%s)
if ! odoo_cmd -d "$DB" -i "$MODULES" --without-demo=all --stop-after-init \
        --log-level=info --logfile="$LOG_DIR/install.log"; then
    echo "ERROR: the installation failed, see $LOG_DIR/install.log" >&2
    tail -40 "$LOG_DIR/install.log" >&2
    exit 1
fi
if grep -E "^[0-9-]+ [0-9:,]+ [0-9]+ (ERROR|CRITICAL) " "$LOG_DIR/install.log"; then
    echo "ERROR: Odoo logged errors while installing the addons (above; $LOG_DIR/install.log)" >&2
    exit 1
fi
echo "   installed in $(( $(date +%s) - start )) s"

echo "== running the suite"
cd "$ROOT"
config=()
[ -n "${ODOO_RC:-}" ] && config=(--odoo-config="$ODOO_RC")
set +e
"$PYTHON" -m pytest -p no:cacheprovider -ra \
    --odoo-database="$DB" --odoo-http --odoo-addons-path="$ADDONS_PATH" "${config[@]}" \
    --junitxml="$LOG_DIR/junit.xml" \
    $(ls -d */tests | grep -v '^bench/') "$@" 2>&1 | tee "$LOG_DIR/pytest.log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -eq 0 ] && grep -qE "^=+ .*[0-9]+ skipped" "$LOG_DIR/pytest.log"; then
    echo "ERROR: some tests were skipped (see the 'SKIPPED' lines above): a skipped test proves nothing." >&2
    exit 1
fi
exit "$status"
