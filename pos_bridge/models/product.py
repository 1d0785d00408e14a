from odoo import api, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model
    def _load_pos_data_fields(self, config_id):
        # The till refuses direct-ship products with a message (see pos.order._subsidy_check_direct_ship).
        return [*super()._load_pos_data_fields(config_id), "direct_ship"]
