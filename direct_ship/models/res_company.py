from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    direct_ship_policy = fields.Selection(
        [
            ("cheapest", "Cheapest supplier"),
            ("fastest", "Fastest handling time"),
            ("preferred", "Preferred supplier"),
            ("region", "Supplier serving the shopper's region"),
        ],
        default="cheapest",
        required=True,
        string="Supplier Choice",
    )
    direct_ship_auto_confirm = fields.Boolean(
        "Confirm and Send Purchase Orders",
        default=True,
        help="Direct-ship purchase orders are confirmed and sent to the supplier as soon as the sale is.",
    )
    direct_ship_accept_hours = fields.Integer(
        "Hours to Accept", default=24, help="A supplier who has not accepted an order by then loses it."
    )
