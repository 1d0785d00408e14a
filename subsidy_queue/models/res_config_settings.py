from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    subsidy_auto_settle = fields.Boolean(related="company_id.subsidy_auto_settle", readonly=False)
    subsidy_enrol_portal_users = fields.Boolean(
        related="company_id.subsidy_enrol_portal_users", readonly=False
    )
    subsidy_app_key_days = fields.Integer(related="company_id.subsidy_app_key_days", readonly=False)
