from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    subsidy_verified_alias = fields.Char(
        "Verified Payout Name",
        groups="subsidy_queue.group_subsidy_manager",
        help="Another name the shopper's payout accounts may carry (checked by a manager), "
        "e.g. the name in Chinese characters.",
    )
