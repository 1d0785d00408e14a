from odoo import fields, models

from odoo.addons.subsidy_queue.models.subsidy_entry import PROTECTED_FIELDS


class SubsidyEntry(models.Model):
    _inherit = "subsidy.entry"
    _protected_fields = (*PROTECTED_FIELDS, "pos_order_id")

    pos_order_id = fields.Many2one("pos.order", "POS Order", readonly=True, index="btree_not_null")
    pos_config_id = fields.Many2one(
        "pos.config", "Store", related="pos_order_id.config_id", store=True, index="btree_not_null"
    )
    pos_session_id = fields.Many2one(
        "pos.session", "POS Session", related="pos_order_id.session_id", store=True
    )

    _sql_constraints = [
        ("pos_order_uniq", "unique(pos_order_id)", "A POS order takes one place in the queue only."),
    ]
