from odoo import fields, models
from odoo.tools import SQL

from odoo.addons.subsidy_queue.models.subsidy_account import SubsidyAccount as BaseAccount

SPENDS = {"spend": -1, "spend_refund": 1}


class SubsidyAccount(models.Model):
    _inherit = "subsidy.account"
    _protected_fields = (*BaseAccount._protected_fields, "total_spent")

    total_spent = fields.Monetary(
        "Spent at the Till", readonly=True, help="Paid for purchases in store, less what refunds gave back."
    )

    def _move_funds(self, kind, units, withdrawal=None, reason=None, pos_order=None):
        """Also ``spend`` (available → paid for a POS order) and ``spend_refund``
        (a POS refund gives it back). The account row must be locked."""
        if kind not in SPENDS:
            return super()._move_funds(kind, units, withdrawal=withdrawal, reason=reason)
        self.ensure_one()
        sign = SPENDS[kind]
        step = self.program_id._step()
        self.env.cr.execute(
            SQL(
                """UPDATE subsidy_account
                      SET balance = balance + %(sign)s * %(units)s * %(step)s::numeric,
                          total_spent = COALESCE(total_spent, 0) - %(sign)s * %(units)s * %(step)s::numeric
                    WHERE id = %(id)s""",
                sign=sign,
                units=units,
                step=step,
                id=self.id,
            )
        )
        self.invalidate_recordset(["balance", "total_spent"])
        self.env["subsidy.account.line"].sudo().create(
            {
                "account_id": self.id,
                "kind": kind,
                "amount": self.program_id._amount(units),
                "pos_order_id": pos_order.id if pos_order else False,
                "name": reason or (pos_order.name if pos_order else ""),
            }
        )
