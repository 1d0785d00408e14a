from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PosSubsidyCommon


@tagged("post_install", "-at_install")
class TestPosCollect(PosSubsidyCommon):
    """Online orders collected at the store: found at the till, handed over there."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.config.picking_type_id.warehouse_id
        cls.thermos = cls.env["product.product"].create(
            {"name": "Thermos", "is_storable": True, "list_price": 120.0, "taxes_id": [Command.clear()]}
        )
        cls.carrier = cls.env["delivery.carrier"].create(
            {
                "name": "Collect at Nanjing Road",
                "delivery_type": "in_store",
                "product_id": cls.env["product.product"].create({"name": "Collect", "type": "service"}).id,
                "warehouse_ids": [Command.set(cls.warehouse.ids)],
                "company_id": cls.company.id,
            }
        )

    def _stock(self, qty):
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": self.thermos.id,
                "inventory_quantity": qty,
                "location_id": self.warehouse.lot_stock_id.id,
            }
        ).action_apply_inventory()

    def _collect_order(self, partner, pay=True):
        order = self._order(
            partner,
            120.0,
            product=self.thermos,
            carrier_id=self.carrier.id,
            warehouse_id=self.warehouse.id,
        )
        if pay:
            self._pay(order)
        return order

    def _listed(self, search=""):
        return {
            row["name"]: row for row in self.config.with_user(self.cashier).subsidy_collect_orders(search)
        }

    def test_hand_over_validates_the_pick_up_and_records_who(self):
        self._stock(5)
        order = self._collect_order(self.alice)
        self.assertEqual(order.subsidy_entry_id.state, "queued")
        row = self._listed()[order.name]
        self.assertTrue(row["ready"], row["reason"])
        self.assertEqual(row["partner"], self.alice.name)
        self.assertIn(order.name, self._listed("Shopper A"))
        self.assertFalse(self._listed("nobody-like-this"))
        result = self.config.with_user(self.cashier).subsidy_collect_hand_over(order.id)
        self.assertTrue(result["collected"])
        self.assertEqual(result["collected_by"], self.cashier.name)
        picking = order.picking_ids
        self.assertEqual(picking.state, "done")
        self.assertEqual(picking.move_ids.quantity, 1.0)
        self.assertRecordValues(
            order,
            [
                {
                    "pos_collected_user_id": self.cashier.id,
                    "pos_collected_config_id": self.config.id,
                    "pos_collected_session_id": self.pos_session.id,
                }
            ],  # fmt: skip
        )
        self.assertTrue(order.pos_collected_date)
        self.assertNotIn(order.name, self._listed())
        with self.assertRaisesRegex(UserError, "not waiting to be collected"):
            self.config.with_user(self.cashier).subsidy_collect_hand_over(order.id)
        self.assertBooks()

    def test_not_ready_orders_say_why(self):
        unpaid = self._collect_order(self.alice, pay=False)
        row = self._listed()[unpaid.name]
        self.assertFalse(row["ready"])
        self.assertIn("Not paid yet", row["reason"])
        with self.assertRaisesRegex(UserError, "Not paid yet"):
            self.config.with_user(self.cashier).subsidy_collect_hand_over(unpaid.id)
        no_stock = self._collect_order(self.bob)
        row = self._listed()[no_stock.name]
        self.assertFalse(row["ready"])
        self.assertIn("not in the store yet", row["reason"])
        self.assertBooks()

    def test_direct_ship_order_shipped_to_the_store(self):
        supplier = self.env["res.partner"].create({"name": "Kettle Works"})
        kettle = self.env["product.product"].create(
            {
                "name": "Kettle",
                "is_storable": True,
                "direct_ship": True,
                "list_price": 120.0,
                "taxes_id": [Command.clear()],
                "seller_ids": [Command.create({"partner_id": supplier.id, "price": 80.0, "delay": 2})],
            }
        )
        order = self._order(
            self.alice, 120.0, product=kettle, carrier_id=self.carrier.id, warehouse_id=self.warehouse.id
        )
        self._pay(order)
        dropship = order.picking_ids.filtered(lambda p: p.picking_type_code == "dropship")
        self.assertTrue(dropship)
        row = self._listed()[order.name]
        self.assertFalse(row["ready"])
        self.assertIn("supplier has not shipped", row["reason"])
        # The supplier ships to the store.
        dropship.move_ids.quantity = 1.0
        dropship.move_ids.picked = True
        dropship.button_validate()
        self.assertTrue(self._listed()[order.name]["ready"])
        self.config.with_user(self.cashier).subsidy_collect_hand_over(order.id)
        self.assertEqual(order.pos_collected_user_id, self.cashier)
        self.assertBooks()

    def test_other_stores_orders_are_not_listed(self):
        other_wh = self.env["stock.warehouse"].create(
            {"name": "Pudong", "code": "PDG", "company_id": self.company.id}
        )
        self.carrier.warehouse_ids = [Command.link(other_wh.id)]
        order = self._order(
            self.alice, 120.0, product=self.thermos, carrier_id=self.carrier.id, warehouse_id=other_wh.id
        )
        self._pay(order)
        self.assertNotIn(order.name, self._listed())
        with self.assertRaisesRegex(UserError, "not waiting to be collected"):
            self.config.with_user(self.cashier).subsidy_collect_hand_over(order.id)
        self.assertBooks()
