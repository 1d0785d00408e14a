from odoo import models


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        res = super()._post_process()
        self.filtered(lambda tx: tx.state == "done").sale_order_ids._subsidy_on_paid()
        return res
