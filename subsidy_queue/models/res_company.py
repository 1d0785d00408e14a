from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    subsidy_auto_settle = fields.Boolean(
        "Settle the Queue Automatically",
        default=True,
        help="The scheduled settlement pays each program's pool out to its queue.",
    )
    subsidy_enrol_portal_users = fields.Boolean(
        "Open Subsidy Accounts on Sign-up",
        default=True,
        help="Portal users get their subsidy accounts as soon as they sign up.",
    )
