from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    direct_ship_policy = fields.Selection(related="company_id.direct_ship_policy", readonly=False)
    direct_ship_auto_confirm = fields.Boolean(related="company_id.direct_ship_auto_confirm", readonly=False)
    direct_ship_accept_hours = fields.Integer(related="company_id.direct_ship_accept_hours", readonly=False)
