from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        invoices.invoice_line_ids.sale_line_ids.order_id._subsidy_on_paid()
        return res

    def _post(self, soft=True):
        posted = super()._post(soft)
        for refund in posted.filtered(lambda m: m.move_type == "out_refund"):
            refund._subsidy_refunded_orders()._subsidy_sync_refunds(refund_move=refund)
        return posted

    def button_draft(self):
        # A credit note taken back (reset to draft, or cancelled, which resets
        # it first): its orders' entries are what the notes still standing say.
        taken_back = self.filtered(lambda m: m.move_type == "out_refund" and m.state == "posted")
        orders = {move: move._subsidy_refunded_orders() for move in taken_back}
        res = super().button_draft()
        for move, refunded_orders in orders.items():
            refunded_orders._subsidy_sync_refunds(give_back=move)
        return res

    def _subsidy_refunded_orders(self):
        self.ensure_one()
        return self.sudo().invoice_line_ids.sale_line_ids.order_id
