"""Cross-addon flows: from a direct-ship purchase to cash in the shopper's bank, and faults."""

from unittest.mock import patch

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.subsidy_queue.tests.common import WithdrawalCommon


@tagged("post_install", "-at_install")
class TestShopperJourney(WithdrawalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supplier = cls.env["res.partner"].create({"name": "Direct Supplier", "email": "ds@example.com"})
        cls.kettle = cls.env["product.product"].create(
            {
                "name": "Direct kettle",
                "is_storable": True,
                "direct_ship": True,
                "invoice_policy": "order",
                "taxes_id": [Command.clear()],
                "seller_ids": [Command.create({"partner_id": cls.supplier.id, "price": 250.0, "delay": 2})],
            }
        )

    def test_buy_direct_get_queued_shipped_settled_and_paid_out(self):
        order = self._order(self.alice, 400.0, product=self.kettle)
        # Goods: one purchase at the supplier, straight to the shopper.
        purchase = order.direct_purchase_ids
        self.assertEqual((purchase.partner_id, purchase.dest_address_id), (self.supplier, self.alice))
        purchase.action_direct_accept()
        purchase.action_direct_add_parcel(self.env.ref("direct_ship.delivery_carrier_sf").id, "SF2026112500")
        purchase.action_direct_ship()
        self.assertEqual(order.order_line.qty_delivered, 1)
        # Money: paid, queued, settled (25 % in, 25 % back: the entry funds itself).
        self._pay(order)
        entry = order.subsidy_entry_id
        self.assertEqual((entry.target, entry.position), (100.0, 1))
        self.program._settle()
        self.assertEqual(entry.state, "done")
        account = entry.account_id
        self.assertEqual(account.balance, 100.0)
        # Cash out: request, approval, batch, paid.
        withdrawal = self._withdrawal(account, 80.0)
        withdrawal.action_submit()
        withdrawal.with_user(self.manager).action_approve()
        batch = self._batch(withdrawal)
        batch.action_post_payments()
        batch.action_mark_paid()
        self.assertEqual((account.balance, account.total_withdrawn), (18.6, 81.4))
        self.assertEqual(order._direct_tracking()[0]["tracking_number"], "SF2026112500")
        self.assertPayableMatches()
        self.assertConservation()

    def test_a_run_that_fails_half_way_leaves_nothing_behind(self):
        self._worked_orders()
        lines_before = self.env["subsidy.pool.line"].search_count([("program_id", "=", self.program.id)])
        with patch.object(
            type(self.env["subsidy.settlement"]),
            "_post",
            side_effect=RuntimeError("journal unavailable"),
        ):
            self.env["subsidy.program"]._cron_settle()
            with self.assertRaises(RuntimeError):
                self.program._settle()
        self.env.invalidate_all()
        self.assertEqual(
            self.env["subsidy.pool.line"].search_count([("program_id", "=", self.program.id)]), lines_before
        )
        self.assertFalse(self.program.settlement_ids)
        self.assertEqual(set(self.program.entry_ids.mapped("received")), {0.0})
        self.assertEqual(self._pool_balance(), 162.5)
        # Once the journal is back, the next run pays as if nothing happened.
        self.program._settle()
        self.assertEqual(self._pool_balance(), 0.0)
        self.assertConservation()

    def test_withdrawal_that_cannot_be_paid_keeps_the_money(self):
        account = self._fund(self.alice, 300.0)
        withdrawal = self._withdrawal(account, 100.0)
        withdrawal.action_submit()
        withdrawal.with_user(self.manager).action_approve()
        batch = self._batch(withdrawal)
        with patch.object(
            type(self.env["account.payment"]), "action_post", side_effect=UserError("bank down")
        ):
            with self.assertRaisesRegex(UserError, "bank down"), self.env.cr.savepoint():
                batch.action_post_payments()
        self.env.invalidate_all()
        self.assertEqual((withdrawal.state, batch.state), ("approved", "draft"))
        self.assertFalse(withdrawal.payment_id)
        self.assertEqual((account.balance, account.held), (300.0 - 101.5, 101.5))
        self.assertPayableMatches()
