from . import controllers
from . import models
from . import wizard


def post_init_hook(env):
    """Companies whose chart of accounts is already there get the subsidy accounts now."""
    ChartTemplate = env["account.chart.template"]
    for company in env["res.company"].search([("chart_template", "!=", False)], order="parent_path"):
        ChartTemplate._subsidy_load_accounting(company)
    # Programs created before (demo data) take them now.
    env["subsidy.program"].search([])._ensure_accounting()
