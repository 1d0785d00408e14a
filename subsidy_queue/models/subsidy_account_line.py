from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SubsidyAccountLine(models.Model):
    """What happens to a shopper's money after it was received: holds for
    withdrawals, their release, their payment and failed payouts. Append-only,
    beside the pool ledger's allocations and clawbacks."""

    _name = "subsidy.account.line"
    _description = "Subsidy Account Ledger Line"
    _order = "id desc"

    account_id = fields.Many2one("subsidy.account", required=True, readonly=True, index=True)
    partner_id = fields.Many2one(related="account_id.partner_id", string="Shopper")
    company_id = fields.Many2one(related="account_id.company_id", store=True)
    currency_id = fields.Many2one(related="account_id.currency_id")
    withdrawal_id = fields.Many2one("subsidy.withdrawal", readonly=True, index="btree_not_null")
    kind = fields.Selection(
        [
            ("hold", "Put on hold"),
            ("release", "Released"),
            ("pay", "Paid out"),
            ("restore", "Restored (failed payout)"),
        ],
        required=True,
        readonly=True,
    )
    amount = fields.Monetary(readonly=True)
    name = fields.Char("Reason", readonly=True)

    # Nobody has the right to create lines: only the withdrawal workflow does, as superuser.

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(_("Subsidy account lines cannot be changed."))

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(_("Subsidy account lines cannot be deleted."))
