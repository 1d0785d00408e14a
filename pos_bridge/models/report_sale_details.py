from odoo import api, models


class ReportSaleDetails(models.AbstractModel):
    _inherit = "report.point_of_sale.report_saledetails"

    @api.model
    def get_sale_details(
        self, date_start=False, date_stop=False, config_ids=False, session_ids=False, **kwargs
    ):
        """The session report also says what the queue subsidy did: entries queued,
        their targets, and what subsidy balances paid and got back."""
        res = super().get_sale_details(date_start, date_stop, config_ids, session_ids, **kwargs)
        if session_ids:
            # As Odoo's own report: the caller's orders, under their record rules.
            orders = self.env["pos.order"].search([("session_id", "in", list(session_ids))])
        else:
            domain = [("state", "in", ("paid", "done", "invoiced"))]
            if config_ids:
                domain.append(("config_id", "in", list(config_ids)))
            if date_start:
                domain.append(("date_order", ">=", date_start))
            if date_stop:
                domain.append(("date_order", "<=", date_stop))
            orders = self.env["pos.order"].search(domain)
        entries = self.env["subsidy.entry"].sudo().search([("pos_order_id", "in", orders.ids)])
        paid = sum(orders.mapped("subsidy_balance_amount"))
        currency = orders.currency_id[:1] or self.env.company.currency_id
        res["subsidy"] = {
            "entry_count": len(entries),
            "queued_count": len(entries.filtered(lambda e: e.state == "queued")),
            "base_amount": sum(entries.mapped("base_amount")),
            "target": sum(entries.mapped("target")),
            "balance_paid": currency.round(sum(a for a in orders.mapped("subsidy_balance_amount") if a > 0)),
            "balance_returned": currency.round(
                -sum(a for a in orders.mapped("subsidy_balance_amount") if a < 0)
            ),
            "balance_net": currency.round(paid),
            "without_customer": len(orders.filtered(lambda o: not o.partner_id and o.amount_total > 0)),
        }
        return res
