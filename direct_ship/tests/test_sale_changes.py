"""The shopper changes its mind, the supplier has already started: nobody ships goods twice or for nothing."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import DirectShipCommon


@tagged("post_install", "-at_install")
class TestSaleChanges(DirectShipCommon):
    def _live(self, order):
        return order.direct_purchase_ids.filtered(lambda po: po.state != "cancel")

    def test_cancelled_sale_stops_the_supplier(self):
        order = self._sale((self.kettle, 1))
        purchase = order.direct_purchase_ids
        order._action_cancel()
        self.assertEqual((purchase.state, purchase.direct_state), ("cancel", "cancelled"))
        self.assertTrue(purchase.direct_sale_changed_date)
        self.assertIn(self.supplier_b, purchase.message_ids[0].partner_ids, "the supplier is told")
        self.assertIn("do not ship", purchase.message_ids[0].body)
        for action, call in (
            ("accept", lambda: purchase.action_direct_accept()),
            ("refuse", lambda: purchase.action_direct_refuse("too late")),
            ("parcel", lambda: purchase.action_direct_add_parcel(self.carrier_sf.id, "SF20260001")),
            ("ship", lambda: purchase.action_direct_ship()),
        ):
            with self.subTest(action=action), self.assertRaisesRegex(UserError, "cancelled order"):
                call()
        self.assertFalse(purchase.sudo().direct_parcel_ids)
        self.assertEqual(len(order.direct_purchase_ids), 1, "a cancelled sale is not rerouted")

    def test_accepted_then_cancelled_sale_cannot_ship(self):
        order = self._sale((self.kettle, 1))
        purchase = order.direct_purchase_ids
        purchase.action_direct_accept()
        order._action_cancel()
        self.assertEqual((purchase.state, purchase.direct_state), ("cancel", "cancelled"))
        with self.assertRaisesRegex(UserError, "cancelled order"):
            purchase.action_direct_add_parcel(self.carrier_sf.id, "SF20260002")
        with self.assertRaisesRegex(UserError, "cancelled order"):
            purchase.action_direct_ship()
        self.assertNotEqual(purchase.picking_ids.state, "done")

    def test_sale_cancelled_after_a_parcel_is_flagged_not_cancelled(self):
        order = self._sale((self.kettle, 1))
        purchase = order.direct_purchase_ids
        purchase.action_direct_accept()
        purchase.action_direct_add_parcel(self.carrier_sf.id, "SF20260003")
        order._action_cancel()
        # The goods may be on their way: the order stays for the return, the supplier stops.
        self.assertEqual((purchase.state, purchase.direct_state), ("purchase", "cancelled"))
        self.assertTrue(purchase.activity_ids, "a person arranges the return")
        self.assertIn("stop the shipment", purchase.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "cancelled order"):
            purchase.action_direct_ship()
        with self.assertRaisesRegex(UserError, "cancelled order"):
            purchase.action_direct_add_parcel(self.carrier_sf.id, "SF20260004")
        self.assertEqual(purchase.direct_parcel_count, 1)
        self.assertEqual(len(order.direct_purchase_ids), 1)

    def test_quantity_gone_stops_the_supplier(self):
        order = self._sale((self.kettle, 2))
        purchase = order.direct_purchase_ids
        order.order_line.product_uom_qty = 0
        self.assertEqual((purchase.state, purchase.direct_state), ("cancel", "cancelled"))
        with self.assertRaisesRegex(UserError, "cancelled order"):
            purchase.action_direct_accept()
        self.assertFalse(self._live(order), "nothing is rerouted for a quantity of zero")

    def test_quantity_gone_on_one_line_blocks_until_a_person_acts(self):
        order = self._sale((self.kettle, 1), (self.lamp, 2))
        purchase = order.direct_purchase_ids
        self.assertEqual(len(purchase.order_line), 2)
        order.order_line.filtered(lambda line: line.product_id == self.lamp).product_uom_qty = 0
        # The supplier must not ship lamps nobody wants; the kettle keeps the order open.
        with self.assertRaisesRegex(UserError, "no longer wants these goods"):
            purchase.action_direct_accept()
        self.assertEqual((purchase.state, purchase.direct_state), ("purchase", "waiting"))
        self.assertTrue(purchase.direct_sale_changed_date)
        self.assertTrue(purchase.activity_ids.filtered(lambda a: "asks for less" in (a.summary or "")))
        # Lowering (not removing) a quantity flags the order but lets the supplier go on.
        other = self._sale((self.kettle, 3))
        other.order_line.product_uom_qty = 1
        other_purchase = other.direct_purchase_ids
        self.assertTrue(other_purchase.direct_sale_changed_date)
        other_purchase.action_direct_accept()
        self.assertEqual(other_purchase.direct_state, "accepted")

    def test_no_refusal_once_a_parcel_exists(self):
        order = self._sale((self.kettle, 1))
        purchase = order.direct_purchase_ids
        purchase.action_direct_accept()
        purchase.action_direct_add_parcel(self.carrier_sf.id, "SF20260005")
        with self.assertRaisesRegex(UserError, "cannot be refused any more"):
            purchase.action_direct_refuse("changed my mind")
        self.assertEqual((purchase.state, purchase.direct_state), ("purchase", "accepted"))
        self.assertEqual(len(order.direct_purchase_ids), 1, "no second supplier")
        self.assertFalse(order.order_line.direct_excluded_partner_ids)

    def test_deadline_run_never_reroutes_an_order_with_parcels(self):
        order = self._sale((self.kettle, 1))
        purchase = order.direct_purchase_ids
        purchase.action_direct_accept()
        purchase.action_direct_add_parcel(self.carrier_sf.id, "SF20260006")
        purchase.direct_ship_deadline = fields.Datetime.now() - timedelta(hours=1)
        self.env["purchase.order"]._cron_direct_deadlines()
        self.assertEqual((purchase.state, purchase.direct_state), ("purchase", "accepted"))
        self.assertEqual(len(order.direct_purchase_ids), 1, "no second supplier ships the same goods")
        self.assertTrue(purchase.direct_late_reported_date)
        late = purchase.activity_ids.filtered(lambda a: "not shipped in time" in (a.summary or ""))
        self.assertEqual(len(late), 1)
        # Reported once, not every hour; the supplier can still ship.
        self.env["purchase.order"]._cron_direct_deadlines()
        self.assertEqual(
            len(purchase.activity_ids.filtered(lambda a: "not shipped in time" in (a.summary or ""))), 1
        )
        purchase.action_direct_ship()
        self.assertEqual(purchase.direct_state, "shipped")
        self.assertEqual(order.order_line.qty_delivered, 1)
