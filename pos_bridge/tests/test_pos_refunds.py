from odoo.tests import tagged

from .common import PosSubsidyCommon


@tagged("post_install", "-at_install")
class TestPosRefunds(PosSubsidyCommon):
    """A POS refund moves the entry exactly as a credit note does for a sale order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # DESIGN.md's worked example: 20 % into the pool, 50 % back.
        cls.program.write({"contribution_rate": 20.0, "subsidy_rate": 50.0})

    def _pool_lines(self, entry, kind):
        return self.env["subsidy.pool.line"].search([("entry_id", "=", entry.id), ("kind", "=", kind)])

    def test_full_refund_before_payment_cancels_the_entry(self):
        orders = [self._pos_order(s, a) for s, a in zip(self.shoppers, (100.0, 300.0, 50.0, 200.0))]
        d = orders[3].subsidy_entry_id
        refund = self._refund(orders[3])
        self.assertEqual(refund.state, "paid")
        self.assertEqual(d.state, "cancelled")
        self.assertEqual(sum(self._pool_lines(d, "reversal").mapped("amount")), -40.0)
        self.assertEqual(self._pool_balance(), 90.0)
        self.program._settle()
        a, b = orders[0].subsidy_entry_id, orders[1].subsidy_entry_id
        self.assertEqual((a.received, b.received), (50.0, 40.0))
        # Synced twice: nothing more happens.
        self._sync(self._refund_data(orders[3]) | {"uuid": refund.uuid})
        self.assertEqual(len(self._pool_lines(d, "reversal")), 1)
        self.assertBooks()

    def test_partial_refunds_add_up(self):
        order = self._sync(self._ui_order([(self.product, 4, 50.0)], self.alice))
        entry = order.subsidy_entry_id
        self.assertEqual((entry.base_amount, entry.target, entry.contribution), (200.0, 100.0, 40.0))
        self._refund(order, {order.lines: 1})
        self.assertRecordValues(
            entry,
            [
                {
                    "base_amount": 150.0,
                    "refunded_base": 50.0,
                    "target": 75.0,
                    "contribution": 30.0,
                    "state": "queued",
                }
            ],
        )
        self._refund(order, {order.lines: 2})
        self.assertRecordValues(
            entry, [{"base_amount": 50.0, "refunded_base": 150.0, "target": 25.0, "contribution": 10.0}]
        )
        self._refund(order, {order.lines: 1})
        self.assertEqual(entry.state, "cancelled")
        self.assertEqual(self._pool_balance(), 0.0)
        self.assertBooks()

    def test_refund_of_a_refund_brings_the_entry_back(self):
        order = self._pos_order(self.alice, 100.0)
        entry = order.subsidy_entry_id
        refund = self._refund(order)
        self.assertEqual(entry.state, "cancelled")
        self._sync(
            self._ui_order(
                [self._line(self.product, 1, 100.0, refunded_orderline_id=refund.lines.id)], self.alice
            )
        )
        self.assertRecordValues(
            entry, [{"state": "queued", "base_amount": 100.0, "refunded_base": 0.0, "target": 50.0}]
        )
        self.assertEqual(self._pool_balance(), 20.0)
        # It queues once: the refund of the refund makes no entry of its own.
        self.assertEqual(self.env["subsidy.entry"].search_count([("pos_order_id", "!=", False)]), 1)
        self.assertBooks()

    def test_refund_after_payment_claws_back_from_the_balance(self):
        orders = [self._pos_order(s, a) for s, a in zip(self.shoppers, (100.0, 300.0, 50.0, 200.0))]
        self.program._settle()
        a = orders[0].subsidy_entry_id
        account = self._account(self.alice)
        self.assertEqual((a.state, account.balance), ("done", 50.0))
        self._refund(orders[0])
        self.assertEqual(a.state, "cancelled")
        self.assertEqual(account.balance, 0.0)
        clawback = self._pool_lines(a, "clawback")
        self.assertEqual((clawback.amount, clawback.source), (50.0, "balance"))
        # Pool: 130 - 130 paid - 20 reversed + 50 back.
        self.assertEqual(self._pool_balance(), 30.0)
        self.assertBooks()

    def test_refund_after_payment_withheld_from_the_refund(self):
        self.program.clawback_policy = "refund"
        order = self._pos_order(self.alice, 100.0)
        self.program._settle()
        entry = order.subsidy_entry_id
        self.assertEqual(entry.received, 20.0)
        self._refund(order, {order.lines: 0.5})
        self.assertRecordValues(
            entry, [{"base_amount": 50.0, "target": 25.0, "received": 20.0, "state": "queued"}]
        )
        self._refund(order, {order.lines: 0.5})
        clawback = self._pool_lines(entry, "clawback")
        self.assertEqual((sum(clawback.mapped("amount")), clawback.mapped("source")), (20.0, ["refund"]))
        self.assertEqual(self._account(self.alice).balance, 20.0)
        self.assertBooks()

    def test_refund_in_a_later_session(self):
        order = self._pos_order(self.alice, 100.0)
        self._close()
        session = self._open_session(self.config)
        refund = self._refund(order, {order.lines: 0.5}, session=session)
        self.assertEqual(refund.session_id, session)
        self.assertEqual(order.subsidy_entry_id.base_amount, 50.0)
        self.assertBooks()

    def test_exchange_in_one_ticket(self):
        """Give back one item of an earlier order and buy another in the same ticket."""
        order = self._sync(self._ui_order([(self.product, 2, 100.0)], self.alice))
        exchange = self._sync(
            self._ui_order(
                [
                    self._line(self.product, -1, 100.0, refunded_orderline_id=order.lines.id),
                    (self.other_product, 1, 150.0),
                ],
                self.alice,
            )
        )
        self.assertEqual(order.subsidy_entry_id.base_amount, 100.0)
        self.assertEqual(exchange.subsidy_entry_id.base_amount, 150.0)
        self.assertBooks()

    def test_refund_of_an_order_without_entry(self):
        order = self._pos_order(None, 100.0)
        refund = self._refund(order)
        self.assertEqual(refund.state, "paid")
        self.assertFalse(self.env["subsidy.entry"].search([("pos_order_id", "!=", False)]))
        self.assertBooks()

    def test_refund_receipt_names_the_entry(self):
        order = self._pos_order(self.alice, 100.0)
        refund = self._refund(order, {order.lines: 0.5})
        receipt = refund.subsidy_receipt
        self.assertEqual(receipt["refunded_entries"][0]["name"], order.subsidy_entry_id.name)
        self.assertEqual(receipt["refunded_entries"][0]["target"], 25.0)
        self.assertNotIn("invite", receipt)
        self.assertBooks()
