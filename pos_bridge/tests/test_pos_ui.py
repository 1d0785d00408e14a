from unittest.mock import patch

from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import PosSubsidyCommon


@tagged("post_install", "-at_install")
class TestPosUi(HttpCase, PosSubsidyCommon):
    """The screens, in Chromium: the cashier's own session of the shop."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("base.user_admin").write({"company_ids": [Command.link(cls.company.id)]})

    def _start(self, tour):
        self.start_tour(f"/pos/ui?config_id={self.config.id}", tour, login=self.cashier.login)

    def _alice_with_balance(self):
        """Shopper A: 40.00 on the balance, and an entry queued behind Shopper B's."""
        account = self._fund(self.alice, 40.0)
        self._pos_order(self.bob, 100.0)
        self._pos_order(self.alice, 100.0)
        return account

    def test_customer_account_at_the_till(self):
        self._alice_with_balance()
        self._start("pos_bridge_account_tour")
        self.assertBooks()

    def test_pay_partly_with_the_balance_and_the_receipt(self):
        account = self._alice_with_balance()
        self._start("pos_bridge_balance_tour")
        order = self.env["pos.order"].search([("partner_id", "=", self.alice.id)], order="id desc", limit=1)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.subsidy_balance_amount, 40.0)
        self.assertEqual(account.balance, 0.0)
        self.assertEqual(order.subsidy_entry_id.base_amount, 100.0)
        self.assertBooks()

    def test_balance_spent_elsewhere_is_refused_and_paid_otherwise(self):
        account = self._alice_with_balance()
        # Another till spends 15.00 right after the lookup: this till still shows 40.00.
        self._pos_order(self.alice, 15.0, payments=[(self.subsidy_pm, 15.0)])
        real_figures = type(self.env["pos.config"])._subsidy_account_figures

        def stale(config, program, partner):
            values = real_figures(config, program, partner)
            values["balance"] = 40.0
            return values

        with patch.object(type(self.env["pos.config"]), "_subsidy_account_figures", stale):
            self._start("pos_bridge_balance_refused_tour")
        order = self.env["pos.order"].search([("partner_id", "=", self.alice.id)], order="id desc", limit=1)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.subsidy_balance_amount, 0.0)
        self.assertEqual(order.payment_ids.payment_method_id, self.cash_pm)
        self.assertEqual(account.balance, 25.0)
        self.assertBooks()

    def test_balance_unavailable_offline(self):
        account = self._alice_with_balance()
        self._start("pos_bridge_offline_tour")
        self.assertEqual(account.balance, 40.0)
        self.assertFalse(self.env["subsidy.account.line"].search([("kind", "=", "spend")]))
        self.assertBooks()

    def test_refund_gives_the_balance_back(self):
        account = self._fund(self.alice, 40.0)
        original = self._sync(
            self._ui_order(
                [(self.product, 1, 100.0)],
                self.alice,
                payments=[(self.subsidy_pm, 40.0), (self.cash_pm, 60.0)],
                uuid="00042-001-0042",
            )
        )
        self.assertEqual(account.balance, 0.0)
        self._start("pos_bridge_refund_tour")
        refund = self.env["pos.order"].search([("id", ">", original.id)], order="id desc", limit=1)
        self.assertEqual(refund.state, "paid")
        self.assertEqual(refund.subsidy_balance_amount, -40.0)
        self.assertEqual(account.balance, 40.0)
        self.assertEqual(original.subsidy_entry_id.state, "cancelled")
        self.assertBooks()

    def test_hand_over_an_order_to_collect(self):
        warehouse = self.config.picking_type_id.warehouse_id
        thermos = self.env["product.product"].create(
            {"name": "Thermos", "is_storable": True, "list_price": 120.0, "taxes_id": [Command.clear()]}
        )
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {"product_id": thermos.id, "inventory_quantity": 3, "location_id": warehouse.lot_stock_id.id}
        ).action_apply_inventory()
        carrier = self.env["delivery.carrier"].create(
            {
                "name": "Collect at Nanjing Road",
                "delivery_type": "in_store",
                "product_id": self.env["product.product"].create({"name": "Collect", "type": "service"}).id,
                "warehouse_ids": [Command.set(warehouse.ids)],
                "company_id": self.company.id,
            }
        )
        order = self._order(
            self.bob, 120.0, product=thermos, carrier_id=carrier.id, warehouse_id=warehouse.id
        )
        self._pay(order)
        self._start("pos_bridge_collect_tour")
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(order.pos_collected_user_id, self.cashier)
        self.assertTrue(order.pos_collected_date)
        self.assertBooks()
