"""The same order rerouted twice at once (cron + a refusal): one reroute, one new purchase."""

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.subsidy_queue.tests.committed import CommittedCase


@tagged("post_install", "-at_install")
class TestRerouteConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            suppliers = env["res.partner"].create([{"name": "Race Supplier 1"}, {"name": "Race Supplier 2"}])
            shopper = env["res.partner"].create({"name": "Race Shopper", "city": "Hangzhou"})
            product = env["product.product"].create(
                {
                    "name": "Race kettle",
                    "is_storable": True,
                    "direct_ship": True,
                    "seller_ids": [
                        Command.create({"partner_id": suppliers[0].id, "price": 10.0}),
                        Command.create({"partner_id": suppliers[1].id, "price": 20.0}),
                    ],
                }
            )
            order = env["sale.order"].create(
                {"partner_id": shopper.id, "order_line": [Command.create({"product_id": product.id})]}
            )
            order.action_confirm()
            self.order_id = order.id
            self.purchase_id = order.direct_purchase_ids.id
            self.partner_ids = (suppliers | shopper).ids
            self.product_id = product.id

    def tearDown(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            order = env["sale.order"].browse(self.order_id)
            purchases = order.direct_purchase_ids
            purchases.filtered(lambda p: p.state != "cancel").button_cancel()
            order.picking_ids.filtered(lambda p: p.state != "cancel").action_cancel()
            order._action_cancel()
            purchases.unlink()
            order.picking_ids.move_ids.sudo().write({"state": "draft"})
            order.picking_ids.sudo().unlink()
            order.unlink()
            cr.execute("DELETE FROM product_supplierinfo WHERE partner_id IN %s", [tuple(self.partner_ids)])
            cr.execute(
                "DELETE FROM sale_line_direct_excluded_rel WHERE res_partner_id IN %s",
                [tuple(self.partner_ids)],
            )
        super().tearDown()

    def test_refusal_and_cron_at_the_same_moment(self):
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            env1, env2 = self._env(cr1), self._env(cr2)
            # The deadline passed: the cron would reroute too.
            cr2.execute(
                "UPDATE purchase_order SET direct_accept_deadline = %s WHERE id = %s",
                [fields.Datetime.now() - __import__("datetime").timedelta(hours=2), self.purchase_id],
            )
            cr2.commit()
            env1["purchase.order"].browse(self.purchase_id).action_direct_refuse("Cannot ship")
            # Meanwhile the cron finds the order locked and leaves it for its next run.
            env2["purchase.order"]._cron_direct_deadlines()
            with self.assertRaisesRegex(UserError, "being changed"):
                env2["purchase.order"].browse(self.purchase_id)._direct_lock()
            cr2.rollback()
            cr1.commit()
            # Next cron run: the order is cancelled and rerouted already; nothing more happens.
            env2["purchase.order"]._cron_direct_deadlines()
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        with self.registry.cursor() as cr:
            order = self._env(cr)["sale.order"].browse(self.order_id)
            live = order.direct_purchase_ids.filtered(lambda p: p.state != "cancel")
            self.assertEqual(len(order.direct_purchase_ids), 2)
            self.assertEqual(live.partner_id.name, "Race Supplier 2")
