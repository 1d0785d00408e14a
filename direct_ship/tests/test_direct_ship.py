from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import DirectShipCommon


@tagged("post_install", "-at_install")
class TestDirectShip(DirectShipCommon):
    def test_sale_routes_to_the_cheapest_supplier(self):
        order = self._sale((self.kettle, 2))
        purchase = order.direct_purchase_ids
        self.assertEqual(len(purchase), 1)
        self.assertEqual(purchase.partner_id, self.supplier_b)
        self.assertEqual(purchase.dest_address_id, self.shopper)
        self.assertEqual((purchase.state, purchase.direct_state), ("purchase", "waiting"))
        self.assertEqual(purchase.order_line.product_qty, 2)
        self.assertTrue(purchase.direct_accept_deadline and purchase.direct_ship_deadline)
        line = order.order_line
        self.assertEqual(
            (line.direct_supplier_id, line.direct_choice_reason),
            (self.supplier_b, "cheapest available supplier"),
        )
        # No stock of ours: the only transfer goes from the supplier to the shopper.
        self.assertEqual(order.picking_ids.picking_type_id.code, "dropship")
        self.assertIn(self.supplier_b, purchase.message_ids.partner_ids)

    def test_policies_and_availability(self):
        self.company.direct_ship_policy = "fastest"
        self.assertEqual(self._sale((self.kettle, 1)).direct_purchase_ids.partner_id, self.supplier_c)
        self.company.direct_ship_policy = "preferred"
        self.kettle.seller_ids.filtered(lambda s: s.partner_id == self.supplier_a).direct_preferred = True
        self.assertEqual(self._sale((self.kettle, 1)).direct_purchase_ids.partner_id, self.supplier_a)
        self.company.direct_ship_policy = "region"
        (self.supplier_b | self.supplier_c).write({"direct_zip_from": "100000", "direct_zip_to": "199999"})
        self.supplier_a.write({"direct_zip_from": "200000", "direct_zip_to": "209999"})
        order = self._sale((self.kettle, 1))
        self.assertEqual(order.direct_purchase_ids.partner_id, self.supplier_a)
        self.assertEqual(order.order_line.direct_choice_reason, "serves the shopper's region")
        self.company.direct_ship_policy = "cheapest"
        self.kettle.seller_ids.filtered(lambda s: s.partner_id == self.supplier_b).direct_available = False
        self.assertEqual(self._sale((self.kettle, 1)).direct_purchase_ids.partner_id, self.supplier_a)

    def test_one_purchase_per_supplier_and_sale(self):
        order = self._sale((self.kettle, 1), (self.lamp, 3))
        self.assertEqual(order.direct_purchase_ids.partner_id, self.supplier_b)
        self.assertEqual(len(order.direct_purchase_ids), 1)
        self.assertEqual(len(order.direct_purchase_ids.order_line), 2)
        self.company.direct_ship_policy = "fastest"
        other = self._sale((self.kettle, 1), (self.lamp, 1))
        self.assertEqual(
            sorted(other.direct_purchase_ids.partner_id.mapped("name")), ["Supplier Beta", "Supplier Gamma"]
        )
        self.assertFalse(order.direct_purchase_ids & other.direct_purchase_ids)

    def test_accept_track_and_ship(self):
        order = self._sale((self.kettle, 1))
        purchase = order.direct_purchase_ids
        with self.assertRaisesRegex(UserError, "cannot be given a parcel"):
            purchase.action_direct_add_parcel(self.carrier_sf.id, "SF1234567890")
        purchase.action_direct_accept()
        with self.assertRaisesRegex(ValidationError, "at least one parcel"):
            purchase.action_direct_ship()
        parcel = purchase.action_direct_add_parcel(self.carrier_sf.id, "SF 1234 5678 90")
        purchase.action_direct_add_parcel(self.carrier_zto.id, "7312345678")
        self.assertEqual((parcel.carrier_id.name, parcel.tracking_ref), ("SF Express", "SF1234567890"))
        self.assertIn("SF1234567890", parcel.tracking_url)
        purchase.action_direct_ship()
        self.assertEqual(purchase.direct_state, "shipped")
        self.assertEqual(purchase.picking_ids.state, "done")
        self.assertEqual(order.order_line.qty_delivered, 1)
        tracking = order._direct_tracking()
        self.assertEqual([row["tracking_number"] for row in tracking], ["7312345678", "SF1234567890"])
        self.assertEqual([row["carrier"] for row in tracking], ["ZTO Express", "SF Express"])
        self.assertEqual(
            set(tracking[0]), {"products", "status", "carrier", "tracking_number", "tracking_url"}
        )
        self.assertNotIn("Supplier", str(tracking))
        self.assertNotIn("70.0", str(tracking))

    def test_the_dropship_transfer_carries_carrier_and_tracking(self):
        order = self._sale((self.kettle, 1))
        purchase = order.direct_purchase_ids
        picking = order.picking_ids
        self.assertEqual(picking.picking_type_code, "dropship")
        purchase.action_direct_accept()
        parcel = purchase.action_direct_add_parcel(self.carrier_sf.id, "SF1234567890")
        self.assertEqual(parcel.picking_id, picking)
        self.assertEqual(
            (picking.carrier_id, picking.carrier_tracking_ref), (self.carrier_sf, "SF1234567890")
        )
        # Odoo's own tracking link of the transfer (portal, Tracking button) is the carrier's page.
        sf_link = "https://www.sf-express.com/chn/sc/waybill/waybill-detail/SF1234567890"
        self.assertEqual((picking.carrier_tracking_url, parcel.tracking_url), (sf_link, sf_link))
        # A second parcel with another carrier: both numbers on the transfer, as Odoo writes
        # several, and each links to its own carrier's page.
        purchase.action_direct_add_parcel(self.carrier_zto.id, "7312345678")
        self.assertEqual(
            (picking.carrier_id, picking.carrier_tracking_ref), (self.carrier_sf, "SF1234567890,7312345678")
        )
        self.assertEqual(
            picking.get_multiple_carrier_tracking(),
            [["SF1234567890", sf_link], ["7312345678", "https://www.zto.com/?num=7312345678"]],
        )
        purchase.action_direct_ship()
        self.assertEqual((picking.state, picking.carrier_id), ("done", self.carrier_sf))
        self.assertEqual(picking.carrier_tracking_ref, "SF1234567890,7312345678")

    def test_the_tracking_link_is_the_carriers(self):
        order = self._sale((self.kettle, 1))
        purchase = order.direct_purchase_ids
        purchase.action_direct_accept()
        # A manager adds the local courier the supplier uses, as any Odoo delivery method.
        courier = self.env["delivery.carrier"].create(
            {
                "name": "Local courier",
                "delivery_type": "fixed",
                "product_id": self.carrier_sf.product_id.id,
                "tracking_url": "https://track.example.com/?n=<shipmenttrackingnumber>",
                "direct_ship": True,
            }
        )
        parcel = purchase.action_direct_add_parcel(courier.id, "LC-0001")
        self.assertEqual(parcel.tracking_url, "https://track.example.com/?n=LC-0001")
        # The link follows the carrier's settings: no table of carriers in the code.
        courier.tracking_url = "https://courier.example.com/parcel/<shipmenttrackingnumber>"
        link = "https://courier.example.com/parcel/LC-0001"
        self.assertEqual((parcel.tracking_url, purchase.picking_ids.carrier_tracking_url), (link, link))
        row = order._direct_tracking()[0]
        self.assertEqual(
            (row["carrier"], row["tracking_number"], row["tracking_url"]), ("Local courier", "LC-0001", link)
        )
        # A carrier that is not offered to direct-ship suppliers is not theirs to choose.
        courier.direct_ship = False
        with self.assertRaisesRegex(ValidationError, "carrier of the parcel from the list"):
            purchase.action_direct_add_parcel(courier.id, "LC-0002")
        self.assertEqual(purchase.direct_parcel_ids, parcel)

    def test_bad_tracking_input(self):
        purchase = self._sale((self.kettle, 1)).direct_purchase_ids
        purchase.action_direct_accept()
        sf = self.carrier_sf.id
        for carrier, ref, message in (
            (False, "SF123456", "carrier"),
            ("sf", "SF123456", "carrier"),
            (0, "SF123456", "carrier"),
            (2**40, "SF123456", "carrier"),
            (self.env.ref("delivery.free_delivery_carrier").id, "SF123456", "carrier"),
            (sf, "", "tracking number"),
            (sf, "x" * 500, "tracking number"),
            (sf, "<b>123</b>", "tracking number"),
        ):
            with self.subTest(carrier=carrier, ref=ref), self.assertRaisesRegex(ValidationError, message):
                purchase.action_direct_add_parcel(carrier, ref)
        purchase.action_direct_add_parcel(sf, "SF123456")
        other = self._sale((self.kettle, 1)).direct_purchase_ids
        other.action_direct_accept()
        with self.assertRaisesRegex(ValidationError, "already used"):
            other.action_direct_add_parcel(sf, "SF 123 456")
        self.assertEqual(len(purchase.direct_parcel_ids), 1)
        self.assertFalse(other.direct_parcel_ids)
        self.assertFalse(other.picking_ids.carrier_tracking_ref)

    def test_refusal_reroutes_to_the_next_supplier(self):
        order = self._sale((self.kettle, 1))
        first = order.direct_purchase_ids
        first.action_direct_refuse("Out of stock")
        self.assertEqual((first.state, first.direct_state), ("cancel", "refused"))
        second = order.direct_purchase_ids.filtered(lambda po: po.state != "cancel")
        self.assertEqual(second.partner_id, self.supplier_a)
        self.assertEqual(second.direct_state, "waiting")
        self.assertEqual(order.order_line.direct_excluded_partner_ids, self.supplier_b)
        with self.assertRaisesRegex(UserError, "cannot be shipped"):
            first.action_direct_ship()
        with self.assertRaisesRegex(UserError, "cannot be accepted"):
            first.action_direct_accept()

    def test_deadlines_reroute_and_then_a_person_is_asked(self):
        order = self._sale((self.kettle, 1))
        self.env["purchase.order"]._cron_direct_deadlines()
        self.assertEqual(len(order.direct_purchase_ids), 1, "nobody is late yet")
        for _supplier in range(3):
            live = order.direct_purchase_ids.filtered(lambda po: po.state != "cancel")
            live.direct_accept_deadline = fields.Datetime.now() - timedelta(hours=1)
            self.env["purchase.order"]._cron_direct_deadlines()
        self.assertEqual(set(order.direct_purchase_ids.mapped("state")), {"cancel"})
        self.assertEqual(len(order.direct_purchase_ids), 3)
        self.assertTrue(order.activity_ids.filtered(lambda a: "No supplier" in (a.summary or "")))
        self.assertIn(self.shopper, order.message_ids[0].partner_ids)
        self.assertIn("delayed", order.message_ids[0].body)

    def test_accepted_but_not_shipped_in_time(self):
        order = self._sale((self.kettle, 1))
        purchase = order.direct_purchase_ids
        purchase.action_direct_accept()
        purchase.direct_ship_deadline = fields.Datetime.now() - timedelta(minutes=5)
        self.env["purchase.order"]._cron_direct_deadlines()
        self.assertEqual((purchase.state, purchase.direct_state), ("cancel", "late"))
        self.assertEqual(
            order.direct_purchase_ids.filtered(lambda po: po.state != "cancel").partner_id, self.supplier_a
        )

    def test_deadline_run_works_in_batches(self):
        orders = [self._sale((self.kettle, 1)) for _order in range(3)]
        for order in orders:
            order.direct_purchase_ids.direct_accept_deadline = fields.Datetime.now() - timedelta(hours=1)
        cron = self.env.ref("direct_ship.ir_cron_direct_deadlines")
        Trigger = self.env["ir.cron.trigger"]
        before = Trigger.search([("cron_id", "=", cron.id)])
        self.env["purchase.order"]._cron_direct_deadlines(limit=2)
        self.assertEqual([len(order.direct_purchase_ids) for order in orders], [2, 2, 1])
        after = Trigger.search([("cron_id", "=", cron.id)])
        self.assertEqual(len(after - before), 1, "a full batch runs the job again for the rest")
        self.env["purchase.order"]._cron_direct_deadlines(limit=2)
        self.assertEqual([len(order.direct_purchase_ids) for order in orders], [2, 2, 2])
        self.assertEqual(Trigger.search([("cron_id", "=", cron.id)]), after, "the last batch was not full")

    def test_supplier_statistics(self):
        shipped = self._sale((self.kettle, 1)).direct_purchase_ids
        shipped.action_direct_accept()
        shipped.action_direct_add_parcel(self.carrier_sf.id, "SF99887766")
        shipped.action_direct_ship()
        self._sale((self.kettle, 1)).direct_purchase_ids.action_direct_refuse("No")
        self.env.flush_all()
        stats = self.env["direct.ship.supplier.stat"].read_group(
            [("supplier_id", "=", self.supplier_b.id)],
            [
                "order_count:sum",
                "accepted_count:sum",
                "refused_count:sum",
                "on_time_count:sum",
                "acceptance_rate:avg",
            ],
            [],
        )[0]
        self.assertEqual(
            (stats["order_count"], stats["accepted_count"], stats["refused_count"], stats["on_time_count"]),
            (2, 1, 1, 1),
        )
        self.assertEqual(stats["acceptance_rate"], 50.0)

    def test_ship_to_store(self):
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", self.company.id)], limit=1)
        carrier_product = self.env["product.product"].create({"name": "Pick-up", "type": "service"})
        carrier = self.env["delivery.carrier"].create(
            {
                "name": "Pick up in store",
                "delivery_type": "in_store",
                "product_id": carrier_product.id,
                "warehouse_ids": [(6, 0, warehouse.ids)],
            }
        )
        order = self._sale((self.kettle, 1), confirm=False)
        order.write({"carrier_id": carrier.id, "warehouse_id": warehouse.id})
        order.action_confirm()
        purchase = order.direct_purchase_ids
        self.assertEqual(purchase.dest_address_id, warehouse.partner_id)
        self.assertTrue(purchase.direct_to_store)
        arriving = self.env["purchase.order"].search([("direct_to_store", "=", True)])
        self.assertIn(purchase, arriving)
        self.assertEqual(purchase.direct_sale_order_id.partner_id, self.shopper)
