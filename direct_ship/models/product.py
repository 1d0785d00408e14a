from odoo import api, fields, models


class ProductCategory(models.Model):
    _inherit = "product.category"

    direct_ship = fields.Boolean(
        help="Products of this category are never stocked: suppliers ship them straight to the shopper."
    )


class ProductTemplate(models.Model):
    _inherit = "product.template"

    direct_ship = fields.Boolean(
        compute="_compute_direct_ship",
        store=True,
        readonly=False,
        help="Never stocked: each sale is routed to a supplier who ships it straight to the shopper.",
    )

    @api.depends("categ_id.direct_ship")
    def _compute_direct_ship(self):
        for template in self:
            template.direct_ship = template.direct_ship or template.categ_id.direct_ship


class ProductSupplierinfo(models.Model):
    _inherit = "product.supplierinfo"

    direct_available = fields.Boolean(
        "Available", default=True, help="The supplier declares it can ship this product now."
    )
    direct_preferred = fields.Boolean("Preferred")
