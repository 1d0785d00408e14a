from odoo import _, models

from odoo.addons.account.models.chart_template import template

# The journal and accounts every program of a company posts to, by their
# chart-template names (``account.<company id>_<name>``).
SUBSIDY_ACCOUNTS = {
    "expense_account_id": "subsidy_expense",
    "pool_account_id": "subsidy_pool",
    "payable_account_id": "subsidy_payable",
    "fee_income_account_id": "subsidy_fee_income",
    "store_credit_account_id": "subsidy_store_credit",
}
SUBSIDY_JOURNAL = "subsidy_journal"


class AccountChartTemplate(models.AbstractModel):
    _inherit = "account.chart.template"

    @template(model="account.account")
    def _get_subsidy_queue_account_account(self, template_code):
        return {
            "subsidy_expense": {
                "name": _("Queue subsidy expense"),
                "code": "640100",
                "account_type": "expense",
            },
            "subsidy_pool": {
                "name": _("Queue subsidy pool"),
                "code": "224100",
                "account_type": "liability_current",
                "reconcile": True,
            },
            "subsidy_payable": {
                "name": _("Shoppers' subsidy payable"),
                "code": "224200",
                "account_type": "liability_current",
                "reconcile": True,
            },
            "subsidy_store_credit": {
                "name": _("Shoppers' store credit (eWallet)"),
                "code": "224300",
                "account_type": "liability_current",
            },
            "subsidy_fee_income": {
                "name": _("Withdrawal fee income"),
                "code": "750100",
                "account_type": "income_other",
            },
        }

    @template(model="account.journal")
    def _get_subsidy_queue_account_journal(self, template_code):
        return {
            SUBSIDY_JOURNAL: {
                "name": _("Queue Subsidy"),
                "code": "SUBS",
                "type": "general",
                "show_on_dashboard": False,
            },
        }

    def _subsidy_load_accounting(self, company):
        """Add the subsidy journal and accounts to a company whose chart was
        loaded before this module (the ``post_init_hook``). Records that
        already carry the codes are adopted, not created twice."""
        ChartTemplate = self.with_company(company)
        code = company.chart_template
        data = {
            "account.account": ChartTemplate._get_subsidy_queue_account_account(code),
            "account.journal": ChartTemplate._get_subsidy_queue_account_journal(code),
        }
        for model, records in data.items():
            for name, vals in list(records.items()):
                existing = (
                    self.env[model]
                    .with_company(company)
                    .search(
                        [("code", "=", vals["code"]), *self.env[model]._check_company_domain(company)],
                        limit=1,
                    )
                )
                if existing:
                    self.env["ir.model.data"]._update_xmlids(
                        [{"xml_id": f"account.{company.id}_{name}", "record": existing, "noupdate": True}]
                    )
                    del records[name]
        ChartTemplate._load_data(data)
