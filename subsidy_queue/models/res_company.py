from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# How long the shoppers' app stays signed in on a device (its API key's lifetime), in days.
APP_KEY_DAYS_DEFAULT = 90
APP_KEY_DAYS_MIN = 1
APP_KEY_DAYS_MAX = 365


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
    subsidy_app_key_days = fields.Integer(
        "App Sign-in Lifetime (days)",
        default=APP_KEY_DAYS_DEFAULT,
        help="A shopper who signs in to the mobile app stays signed in on that device for this "
        "many days (1 to 365), unless they sign out or revoke the device in their portal.",
    )

    @api.constrains("subsidy_app_key_days")
    def _check_subsidy_app_key_days(self):
        for company in self:
            if not APP_KEY_DAYS_MIN <= company.subsidy_app_key_days <= APP_KEY_DAYS_MAX:
                raise ValidationError(
                    _(
                        "The app's sign-in lifetime is from %(low)s to %(high)s days.",
                        low=APP_KEY_DAYS_MIN,
                        high=APP_KEY_DAYS_MAX,
                    )
                )
