from odoo import api, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    @api.model_create_multi
    def create(self, vals_list):
        """A customer created at the till (the POS's partner form carries the
        ``pos_config_id`` context) gets their subsidy account at once."""
        partners = super().create(vals_list)
        config_id = self.env.context.get("pos_config_id")
        if config_id and isinstance(config_id, int):
            config = self.env["pos.config"].sudo().browse(config_id).exists()
            if config:
                Account = self.env["subsidy.account"].sudo()
                for partner in partners.filtered(lambda p: not p.parent_id):
                    Account._enrol(partner, config.company_id)
        return partners
