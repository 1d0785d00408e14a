from odoo import api, models


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
