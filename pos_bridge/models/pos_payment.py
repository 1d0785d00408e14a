from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.subsidy_queue.models.subsidy_protected_mixin import WORKFLOW


class PosPayment(models.Model):
    _inherit = "pos.payment"

    def _subsidy_check_sync(self, methods):
        """A Subsidy balance payment is spent by the order's sync, under the
        account's lock (``pos.order._subsidy_spend``): recorded any other way
        (the back office's payment wizard, ``add_payment`` over RPC, a write),
        the balance would pay without being spent."""
        if methods.filtered("subsidy_balance") and self.env.context.get("subsidy_pos_sync") is not WORKFLOW:
            raise UserError(_("The subsidy balance pays only at the till, when the order is synced."))

    @api.model_create_multi
    def create(self, vals_list):
        method_ids = [vals.get("payment_method_id") for vals in vals_list]
        self._subsidy_check_sync(self.env["pos.payment.method"].browse([m for m in method_ids if m]))
        return super().create(vals_list)

    def write(self, vals):
        methods = self.payment_method_id
        if "payment_method_id" in vals:
            methods |= self.env["pos.payment.method"].browse(vals["payment_method_id"])
        if {"amount", "payment_method_id", "pos_order_id"} & set(vals):
            self._subsidy_check_sync(methods)
        return super().write(vals)

    def unlink(self):
        self._subsidy_check_sync(self.payment_method_id)
        return super().unlink()


class PosMakePayment(models.TransientModel):
    _inherit = "pos.make.payment"

    def check(self):
        # The back office's payment wizard ends in the order's _process_saved_order,
        # which spends the balance under the account's lock as the sync does.
        return super(PosMakePayment, self.with_context(subsidy_pos_sync=WORKFLOW)).check()
