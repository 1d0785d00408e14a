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
    late_count = fields.Integer(
        "Late",
        readonly=True,
        help="Orders the supplier did not accept or ship by their deadline: rerouted, reported "
        "late, shipped after the deadline, or past a deadline now.",
    )
    handling_hours = fields.Float("Handling Time (hours)", readonly=True, aggregator="avg")
    acceptance_rate = fields.Float("Acceptance Rate (%)", readonly=True, aggregator="avg")
    on_time_rate = fields.Float("On-time Rate (%)", readonly=True, aggregator="avg")
    late_rate = fields.Float("Late Rate (%)", readonly=True, aggregator="avg")

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
                       (late.is_late)::int AS late_count,
                       100.0 * (late.is_late)::int AS late_rate,
                       CASE WHEN po.direct_shipped_date IS NOT NULL
                            THEN EXTRACT(EPOCH FROM po.direct_shipped_date - po.direct_sent_date) / 3600
                       END AS handling_hours,
                       100.0 * (po.direct_accepted_date IS NOT NULL)::int AS acceptance_rate,
                       100.0 * (po.direct_shipped_date IS NOT NULL
                                AND po.direct_shipped_date <= po.direct_ship_deadline)::int AS on_time_rate
                  FROM purchase_order po
                 CROSS JOIN LATERAL (
                     SELECT COALESCE(
                                po.direct_state = 'late'
                                OR po.direct_late_reported_date IS NOT NULL
                                OR po.direct_shipped_date > po.direct_ship_deadline
                                OR (po.state != 'cancel' AND po.direct_state = 'waiting'
                                    AND po.direct_accept_deadline < (now() AT TIME ZONE 'UTC'))
                                OR (po.state != 'cancel' AND po.direct_state = 'accepted'
                                    AND po.direct_ship_deadline < (now() AT TIME ZONE 'UTC')),
                                false) AS is_late
                 ) late
                 WHERE po.direct_ship AND po.direct_sent_date IS NOT NULL
            )"""
        )
