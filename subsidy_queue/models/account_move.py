from collections import defaultdict

from odoo import _, models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _invoice_paid_hook(self):
        res = super()._invoice_paid_hook()
        invoices = self.filtered(lambda m: m.move_type == "out_invoice")
        invoices.invoice_line_ids.sale_line_ids.order_id._subsidy_on_paid()
        return res

    def _post(self, soft=True):
        posted = super()._post(soft)
        posted.filtered(lambda m: m.move_type == "out_refund")._subsidy_apply_refunds()
        return posted

    def _subsidy_apply_refunds(self):
        """Shrink or cancel the queue entries of the orders these credit notes refund."""
        for refund in self.sudo():
            per_order = defaultdict(lambda: self.env["account.move.line"])
            for line in refund.invoice_line_ids:
                for order in line.sale_line_ids.order_id:
                    per_order[order] |= line
            for order, lines in per_order.items():
                entry = order.subsidy_entry_ids[:1]
                if not entry or entry.state == "cancelled":
                    continue
                program = entry.program_id
                program._lock()
                eligible = order._subsidy_eligible_lines(program, lines)
                amount = sum(eligible.mapped("price_subtotal"))
                if refund.currency_id != program.currency_id or not amount:
                    continue
                entry._apply_refund(
                    program._units(amount),
                    refund_move=refund,
                    reason=_("Credit note %s", refund.name),
                )
