from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResPartner(models.Model):
    _inherit = "res.partner"

    direct_country_ids = fields.Many2many(
        "res.country",
        "res_partner_direct_country_rel",
        string="Ships to Countries",
        help="Where this supplier ships direct orders; empty means everywhere.",
    )
    direct_state_ids = fields.Many2many(
        "res.country.state",
        "res_partner_direct_state_rel",
        string="Ships to States",
    )
    direct_zip_from = fields.Char("Ships to ZIPs from")
    direct_zip_to = fields.Char("Ships to ZIPs to")

    @api.constrains("direct_zip_from", "direct_zip_to")
    def _check_direct_zip(self):
        for partner in self:
            if (
                partner.direct_zip_from
                and partner.direct_zip_to
                and partner.direct_zip_from > partner.direct_zip_to
            ):
                raise ValidationError(_("The ZIP range of %s starts after it ends.", partner.display_name))

    def _direct_serves(self, address):
        """Does this supplier serve ``address`` (a partner)?"""
        self.ensure_one()
        if self.direct_country_ids and address.country_id not in self.direct_country_ids:
            return False
        if self.direct_state_ids and address.state_id not in self.direct_state_ids:
            return False
        zip_code = (address.zip or "").strip()
        if self.direct_zip_from and (not zip_code or zip_code < self.direct_zip_from):
            return False
        if self.direct_zip_to and (not zip_code or zip_code > self.direct_zip_to):
            return False
        return True
