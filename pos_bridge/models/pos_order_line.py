from odoo import models


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    def _subsidy_amounts(self):
        """``(untaxed, taxed)`` amount of the line, as the server computes it from its
        price, quantity, discount and taxes (never the till's subtotals).

        The tax engine's ``_compute_amount_line_all``; a line without taxes (after the
        order's fiscal position) skips it, for the product of price and quantity in the
        order's currency is what it would return (``test_untaxed_lines_skip_the_tax_engine``).
        """
        self.ensure_one()
        taxes = self.order_id.fiscal_position_id.map_tax(self.tax_ids)
        if taxes:
            amounts = self._compute_amount_line_all()
            return amounts["price_subtotal"], amounts["price_subtotal_incl"]
        price = self.price_unit * (1 - (self.discount or 0.0) / 100.0)
        total = self.order_id.currency_id.round(price * self.qty)
        return total, total
