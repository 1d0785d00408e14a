from odoo import api, models, tools


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model
    @tools.ormcache()
    def _subsidy_prepaid_ids(self):
        """Ids of the products that are money paid in advance or spent, not goods sold:
        what buys a gift card or tops up an eWallet (the trigger products of Odoo's payment
        programs, ``loyalty.program.is_payment_program``) and the lines that pay with them
        (their reward products). They earn no subsidy, and a card spent on an order is a
        means of payment: it does not lower what the order earns. A subsidy program's own
        store-credit eWallet (the wind-down's) is not one of them: that credit came from the
        queue, so spending it lowers the eligible amount like a discount.

        Cached (every product page asks): a change of a loyalty program, rule or reward
        (``loyalty.py``) or of a program's store credit clears the cache."""
        programs = (
            self.env["loyalty.program"]
            .sudo()
            .with_context(active_test=False)
            .search([("program_type", "in", ("gift_card", "ewallet"))])
        )
        store_credit = (
            self.env["subsidy.program"]
            .sudo()
            .with_context(active_test=False)
            .search([("ewallet_program_id", "!=", False)])
            .ewallet_program_id
        )
        products = (
            programs.rule_ids.product_ids | (programs - store_credit).reward_ids.discount_line_product_id
        )
        return frozenset(products.ids)

    def _subsidy_earn_preview(self, website, quantity=1.0, combination_info=None):
        """What buying ``quantity`` of this product on ``website`` earns if paid now, or None.

        The eligible amount is the untaxed subtotal the cart line would have: the
        website's pricelist price, the taxes mapped by its fiscal position, as
        ``website_sale`` prices the product page; the page's own ``combination_info``
        (for one unit) gives it without pricing the product twice when the shop shows
        untaxed prices. None when no open program takes the product from the online
        shop, when the shop sells in another currency, or for a gift card or an eWallet
        top-up (``_subsidy_prepaid_ids``).
        """
        self.ensure_one()
        if self.id in self._subsidy_prepaid_ids():
            return None
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
