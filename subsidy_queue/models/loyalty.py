from odoo import api, models


class LoyaltyCacheMixin(models.AbstractModel):
    """Clears the registry's cache when a loyalty program, rule or reward changes:
    ``product.product._subsidy_prepaid_ids`` (what buys or pays with a gift card or an
    eWallet) is cached for every product page."""

    _name = "subsidy.loyalty.cache.mixin"
    _description = "Subsidy: loyalty changes clear the prepaid products' cache"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result


class LoyaltyProgram(models.Model):
    _name = "loyalty.program"
    _inherit = ["loyalty.program", "subsidy.loyalty.cache.mixin"]


class LoyaltyRule(models.Model):
    _name = "loyalty.rule"
    _inherit = ["loyalty.rule", "subsidy.loyalty.cache.mixin"]


class LoyaltyReward(models.Model):
    _name = "loyalty.reward"
    _inherit = ["loyalty.reward", "subsidy.loyalty.cache.mixin"]
