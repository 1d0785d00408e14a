# Shared by tests/run.sh and bench/demo.sh: find Odoo and how to reach PostgreSQL.
#
# Environment:
#   PYTHON          the Python that has Odoo 18 importable (default: python3)
#   ODOO_RC         an Odoo configuration file (database host, user, ...);
#                   without it, libpq's PGHOST/PGPORT/PGUSER/PGPASSWORD apply
#   ODOO_ADDONS     Odoo's own addons folder(s), comma separated (default: found
#                   next to the imported odoo package)

PYTHON=${PYTHON:-python3}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

if ! "$PYTHON" -c "import odoo.release, sys; sys.exit(odoo.release.version_info[0] != 18)" 2>/dev/null; then
    echo "ERROR: Odoo 18.0 is not importable by '$PYTHON'." >&2
    echo "Install Odoo 18.0 Community first (see README.md, Prerequisites)," >&2
    echo "or point PYTHON at the interpreter that has it." >&2
    exit 3
fi

if [ -z "${ODOO_ADDONS:-}" ]; then
    ODOO_ADDONS=$("$PYTHON" - <<'PY'
import os
import odoo
package = os.path.dirname(odoo.__file__)
paths = [os.path.join(package, "addons"), os.path.join(os.path.dirname(package), "addons")]
print(",".join(p for p in paths if os.path.isfile(os.path.join(p, "web", "__manifest__.py"))))
PY
)
fi
ADDONS_PATH="$ODOO_ADDONS,$ROOT"
MODULES=$(cd "$ROOT" && ls -d */__manifest__.py 2>/dev/null | cut -d/ -f1 | paste -sd, -)

odoo_cmd() {
    # A subcommand (shell, ...) comes first, before the configuration file.
    local command=()
    if [ $# -gt 0 ] && [[ "$1" != -* ]]; then
        command=("$1")
        shift
    fi
    local config=()
    [ -n "${ODOO_RC:-}" ] && config=(-c "$ODOO_RC")
    "$PYTHON" -m odoo "${command[@]}" "${config[@]}" --addons-path="$ADDONS_PATH" "$@"
}

drop_db() {
    "$PYTHON" - "$1" <<'PY'
import sys
import odoo
from odoo.tools import config
args = ["-c", __import__("os").environ["ODOO_RC"]] if __import__("os").environ.get("ODOO_RC") else []
config.parse_config(args)
from odoo.service import db
if db.exp_db_exist(sys.argv[1]):
    db.exp_drop(sys.argv[1])
PY
}
