"""Two workers on one direct-ship order at once, with real committed transactions.

- the same order rerouted twice at once (cron + a refusal): one reroute, one new purchase;
- a sale cancelled while its supplier accepts, a parcel registered while the deadline run or a
  sale cancellation looks at the order: under REPEATABLE READ the late one either sees the
  other's effect or fails to serialize (and is retried), never acts on a stale snapshot.
"""

from datetime import timedelta

from psycopg2.errors import SerializationFailure

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.subsidy_queue.tests.common import CommittedCase


class DirectShipCommittedCase(CommittedCase):
    """A confirmed sale routed to "Race Supplier 1", committed; removed again after the test."""

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
            env["mail.activity"].search(
                [("res_model", "=", "purchase.order"), ("res_id", "in", purchases.ids)]
            ).unlink()
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


@tagged("post_install", "-at_install")
class TestRerouteConcurrency(DirectShipCommittedCase):
    def test_refusal_and_cron_at_the_same_moment(self):
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            env1, env2 = self._env(cr1), self._env(cr2)
            # The deadline passed: the cron would reroute too.
            cr2.execute(
                "UPDATE purchase_order SET direct_accept_deadline = %s WHERE id = %s",
                [fields.Datetime.now() - timedelta(hours=2), self.purchase_id],
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


@tagged("post_install", "-at_install")
class TestSaleChangeConcurrency(DirectShipCommittedCase):
    def _accept(self, ship_deadline_passed=False):
        with self.registry.cursor() as cr:
            purchase = self._env(cr)["purchase.order"].browse(self.purchase_id)
            purchase.action_direct_accept()
            if ship_deadline_passed:
                purchase.direct_ship_deadline = fields.Datetime.now() - timedelta(hours=1)

    def _state(self):
        with self.registry.cursor() as cr:
            order = self._env(cr)["sale.order"].browse(self.order_id)
            return [
                (po.partner_id.name, po.state, po.direct_state, len(po.direct_parcel_ids))
                for po in order.direct_purchase_ids.sorted("id")
            ]

    def test_sale_cancelled_while_the_supplier_accepts(self):
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            supplier, salesperson = self._env(cr1), self._env(cr2)
            # The supplier's transaction has its snapshot: the order is waiting.
            self.assertEqual(supplier["purchase.order"].browse(self.purchase_id).direct_state, "waiting")
            salesperson["sale.order"].browse(self.order_id)._action_cancel()
            cr2.commit()
            # The supplier acts on that snapshot: it cannot lock the order the cancellation wrote.
            with self.assertRaises(SerializationFailure):
                supplier["purchase.order"].browse(self.purchase_id).action_direct_accept()
            cr1.rollback()
            # Its retry sees the cancellation.
            with self.assertRaisesRegex(UserError, "cancelled order"):
                supplier["purchase.order"].browse(self.purchase_id).action_direct_accept()
            cr1.rollback()
        finally:
            cr1.close()
            cr2.close()
        self.assertEqual(self._state(), [("Race Supplier 1", "cancel", "cancelled", 0)])

    def test_sale_cancellation_waits_for_the_supplier_holding_the_order(self):
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            supplier, salesperson = self._env(cr1), self._env(cr2)
            supplier["purchase.order"].browse(self.purchase_id).action_direct_accept()
            # The supplier holds the order: the salesperson is told to try again, nothing changes.
            with self.assertRaisesRegex(UserError, "being changed"):
                salesperson["sale.order"].browse(self.order_id)._action_cancel()
            cr2.rollback()
            cr1.commit()
            salesperson["sale.order"].browse(self.order_id)._action_cancel()
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        self.assertEqual(self._state(), [("Race Supplier 1", "cancel", "cancelled", 0)])

    def test_parcel_registered_while_the_deadline_run_works(self):
        self._accept(ship_deadline_passed=True)
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            supplier, cron = self._env(cr1), self._env(cr2)
            # The deadline run's snapshot: accepted, late, no parcel.
            self.assertFalse(cron["purchase.order"].browse(self.purchase_id).direct_parcel_ids)
            sf = supplier.ref("direct_ship.delivery_carrier_sf").id
            supplier["purchase.order"].browse(self.purchase_id).action_direct_add_parcel(sf, "SFRACE0001")
            cr1.commit()
            cron["purchase.order"]._cron_direct_deadlines()
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        # Not rerouted on the stale snapshot: no second supplier ships the same goods.
        self.assertEqual(self._state(), [("Race Supplier 1", "purchase", "accepted", 1)])
        # The next run sees the parcel and asks a person instead.
        with self.registry.cursor() as cr:
            self._env(cr)["purchase.order"]._cron_direct_deadlines()
        self.assertEqual(self._state(), [("Race Supplier 1", "purchase", "accepted", 1)])
        with self.registry.cursor() as cr:
            self.assertTrue(
                self._env(cr)["purchase.order"].browse(self.purchase_id).direct_late_reported_date
            )

    def test_parcel_registered_while_the_sale_is_cancelled(self):
        self._accept()
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            supplier, salesperson = self._env(cr1), self._env(cr2)
            self.assertEqual(salesperson["sale.order"].browse(self.order_id).state, "sale")
            sf = supplier.ref("direct_ship.delivery_carrier_sf").id
            supplier["purchase.order"].browse(self.purchase_id).action_direct_add_parcel(sf, "SFRACE0002")
            cr1.commit()
            # Cancelling on a snapshot without the parcel would cancel goods already on their way.
            with self.assertRaises(SerializationFailure):
                salesperson["sale.order"].browse(self.order_id)._action_cancel()
            cr2.rollback()
            salesperson["sale.order"].browse(self.order_id)._action_cancel()
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        # The retry sees the parcel: the order stays, flagged, for the return.
        self.assertEqual(self._state(), [("Race Supplier 1", "purchase", "cancelled", 1)])
