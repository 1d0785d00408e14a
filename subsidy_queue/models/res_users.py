from odoo import api, models
from odoo.exceptions import AccessDenied


class AppSecondFactorRequired(AccessDenied):
    """The password is right; the app must send the code of the user's authenticator too."""


class AppSecondFactorUnsupported(AccessDenied):
    """The user's second factor (a code by e-mail, ...) is one the app cannot ask for."""


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        Account = self.env["subsidy.account"].sudo()
        for user in users.filtered(lambda u: u.share and u.active and not u._is_public()):
            if user.company_id.subsidy_enrol_portal_users:
                Account._enrol(user.partner_id.commercial_partner_id, user.company_id)
        return users

    def _check_credentials(self, credential, user_agent_env):
        """The app's sign-in (``user_agent_env["subsidy_app"]``) checks the second factor too.

        It runs inside Odoo's own login (``res.users.authenticate``): the login
        cooldown counts a wrong or missing code as a failed login, as it counts a
        wrong password. A user with Odoo's two-factor authentication (``auth_totp``)
        must send the current code of their authenticator.
        """
        auth_info = super()._check_credentials(credential, user_agent_env)
        if not (user_agent_env or {}).get("subsidy_app") or auth_info.get("mfa") == "skip":
            return auth_info
        mfa = self._mfa_type()
        if mfa == "totp":
            code = user_agent_env.get("subsidy_app_totp")
            if not code:
                raise AppSecondFactorRequired()
            self._totp_check(int(code))  # AccessDenied when the code is wrong
        elif mfa:
            raise AppSecondFactorUnsupported()
        return auth_info
