from odoo import fields, models


class SubsidyAccountLine(models.Model):
    _inherit = "subsidy.account.line"

    kind = fields.Selection(
        selection_add=[("spend", "Spent at the till"), ("spend_refund", "Given back by a till refund")],
        ondelete={"spend": "cascade", "spend_refund": "cascade"},
    )
    pos_order_id = fields.Many2one("pos.order", "POS Order", readonly=True, index="btree_not_null")
    pos_session_id = fields.Many2one(
        "pos.session", "POS Session", related="pos_order_id.session_id", store=True, index="btree_not_null"
    )
