from odoo import _, api, models, tools
from odoo.exceptions import UserError


class SubsidyProgram(models.Model):
    _inherit = "subsidy.program"

    @api.model
    def _pos_programs(self, company):
        """The programs open to the point of sale of ``company``, by sequence."""
        return self.browse(self._pos_program_ids(company.id))

    @api.model
    @tools.ormcache("company_id")
    def _pos_program_ids(self, company_id):
        # Asked at every POS order: cached, and cleared whenever a program changes.
        return tuple(self.sudo().search([("company_id", "=", company_id), ("channel_pos", "=", True)]).ids)

    @tools.ormcache("self.id")
    def _pos_eligible_ids(self):
        """``(product ids, category ids)`` whose sales queue (a category covers its
        children); both empty: every product. Cached, cleared when a program changes."""
        program = self.sudo()
        return frozenset(program.product_ids.ids), frozenset(program.product_category_ids.ids)

    @api.model_create_multi
    def create(self, vals_list):
        programs = super().create(vals_list)
        self.env.registry.clear_cache()
        return programs

    def write(self, vals):
        res = super().write(vals)
        if {
            "channel_pos",
            "company_id",
            "active",
            "sequence",
            "product_ids",
            "product_category_ids",
        } & vals.keys():
            self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    def action_create_pos_payment_method(self):
        """A *Subsidy balance* payment method for the tills, with its journal (a manager's button)."""
        self.ensure_one()
        self._require_manager()
        if not self.env.user.has_group("point_of_sale.group_pos_manager"):
            raise UserError(_("Only a Point of Sale manager can add payment methods."))
        method = self.sudo()._subsidy_pos_payment_method()
        return {
            "type": "ir.actions.act_window",
            "res_model": "pos.payment.method",
            "res_id": method.id,
            "view_mode": "form",
        }

    def _subsidy_pos_payment_method(self):
        """The program's *Subsidy balance* payment method, created with its journal when missing.

        The journal is of type bank, as Odoo wants for a non-cash method; its
        payments go to the shoppers' payable account (the outstanding account),
        so the session's closing entry debits the payable for what balances paid.
        """
        self.ensure_one()
        Method = self.env["pos.payment.method"].sudo()
        method = Method.search(
            [("subsidy_program_id", "=", self.id), ("subsidy_balance", "=", True)], limit=1
        )
        if method:
            return method
        if not self.payable_account_id:
            raise UserError(_("Give the program %s its shoppers' payable account first.", self.name))
        Journal = self.env["account.journal"].sudo()
        journal = Journal.search(
            [("code", "=", "SUBB"), *Journal._check_company_domain(self.company_id)], limit=1
        ) or Journal.create(
            {
                "name": _("Subsidy Balance"),
                "code": "SUBB",
                "type": "bank",
                "company_id": self.company_id.id,
                "currency_id": self.currency_id.id
                if self.currency_id != self.company_id.currency_id
                else False,
                "show_on_dashboard": False,
            }
        )
        return Method.create(
            {
                "name": _("Subsidy balance"),
                "company_id": self.company_id.id,
                "journal_id": journal.id,
                "outstanding_account_id": self.payable_account_id.id,
                "subsidy_balance": True,
                "subsidy_program_id": self.id,
            }
        )
