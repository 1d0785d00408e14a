from odoo import fields, models, tools


class DirectShipSupplierStat(models.Model):
    """Supplier performance on direct-ship orders."""

    _name = "direct.ship.supplier.stat"
    _description = "Direct-ship Supplier Performance"
    _auto = False
    _order = "date desc"

    purchase_id = fields.Many2one("purchase.order", readonly=True)
    supplier_id = fields.Many2one("res.partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    date = fields.Datetime("Sent on", readonly=True)
    order_count = fields.Integer("Orders", readonly=True)
    accepted_count = fields.Integer("Accepted", readonly=True)
    refused_count = fields.Integer("Refused", readonly=True)
    on_time_count = fields.Integer("Shipped on Time", readonly=True)
    handling_hours = fields.Float("Handling Time (hours)", readonly=True, aggregator="avg")
    acceptance_rate = fields.Float("Acceptance Rate (%)", readonly=True, aggregator="avg")
    on_time_rate = fields.Float("On-time Rate (%)", readonly=True, aggregator="avg")

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            f"""
            CREATE VIEW {self._table} AS (
                SELECT po.id AS id, po.id AS purchase_id, po.partner_id AS supplier_id,
                       po.company_id, po.direct_sent_date AS date,
                       1 AS order_count,
                       (po.direct_accepted_date IS NOT NULL)::int AS accepted_count,
                       (po.direct_state = 'refused')::int AS refused_count,
                       (po.direct_shipped_date IS NOT NULL
                        AND po.direct_shipped_date <= po.direct_ship_deadline)::int AS on_time_count,
                       CASE WHEN po.direct_shipped_date IS NOT NULL
                            THEN EXTRACT(EPOCH FROM po.direct_shipped_date - po.direct_sent_date) / 3600
                       END AS handling_hours,
                       100.0 * (po.direct_accepted_date IS NOT NULL)::int AS acceptance_rate,
                       100.0 * (po.direct_shipped_date IS NOT NULL
                                AND po.direct_shipped_date <= po.direct_ship_deadline)::int AS on_time_rate
                  FROM purchase_order po
                 WHERE po.direct_ship AND po.direct_sent_date IS NOT NULL
            )"""
        )
