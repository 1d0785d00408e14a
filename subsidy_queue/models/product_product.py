from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _subsidy_earn_preview(self, website, quantity=1.0, combination_info=None):
        """What buying ``quantity`` of this product on ``website`` earns if paid now, or None.

        The eligible amount is the untaxed subtotal the cart line would have: the
        website's pricelist price, the taxes mapped by its fiscal position, as
        ``website_sale`` prices the product page; the page's own ``combination_info``
        (for one unit) gives it without pricing the product twice when the shop shows
        untaxed prices. None when no open program takes the product from the online
        shop, or when the shop sells in another currency.
        """
        self.ensure_one()
        product = self.sudo()
        program = self.env["subsidy.program"]._shop_program(website.company_id, product)
        currency = website.currency_id
        if not program or currency != program.currency_id:
            return None
        if (
            combination_info
            and quantity == 1
            and combination_info.get("product_id") == self.id
            and (not combination_info["taxes"] or website.show_line_subtotals_tax_selection == "tax_excluded")
        ):
            subtotal = combination_info["price"]
        else:
            price = website.pricelist_id._get_product_price(product, quantity, currency=currency)
            taxes = product.taxes_id._filter_taxes_by_company(website.company_id)
            if taxes:
                mapped = website.fiscal_position_id.sudo().map_tax(taxes)
                price = product._get_tax_included_unit_price_from_price(
                    price, taxes, product_taxes_after_fp=mapped
                )
                subtotal = mapped.compute_all(price, currency, quantity, product, self.env.user.partner_id)[
                    "total_excluded"
                ]
            else:
                subtotal = price * quantity
        return program._earn_preview(program._units(currency.round(subtotal)))
