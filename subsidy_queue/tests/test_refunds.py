from odoo.tests import tagged

from .common import SubsidyCommon


@tagged("post_install", "-at_install")
class TestRefunds(SubsidyCommon):
    def test_refund_before_payment(self):
        (a, b, c, d), orders = self._worked_orders()
        self._refund(orders[3])
        self.assertEqual(d.state, "cancelled")
        self.assertEqual(self._pool_balance(), 90.0)
        reversal = d.pool_line_ids.filtered(lambda line: line.kind == "reversal")
        self.assertEqual(reversal.amount, -40.0)
        self.program._settle()
        self.assertEqual((a.received, b.received), (50.0, 40.0))
        self.assertEqual(c.position, 2)
        self.assertEqual(c.amount_ahead, 110.0)
        self.assertConservation()

    def test_refund_after_payment_from_balance(self):
        (a, b, c, d), orders = self._worked_orders()
        self.program._settle()
        self._refund(orders[0])
        self.assertEqual(a.state, "cancelled")
        self.assertEqual(a.received, 0.0)
        self.assertEqual(a.account_id.balance, 0.0)
        self.assertEqual(a.account_id.total_clawed_back, 50.0)
        kinds = {line.kind: line.amount for line in a.pool_line_ids}
        self.assertEqual(kinds["reversal"], -20.0)
        self.assertEqual(kinds["clawback"], 50.0)
        self.assertEqual(a.pool_line_ids.filtered(lambda x: x.kind == "clawback").source, "balance")
        self.assertEqual(self._pool_balance(), 30.0)
        self.assertConservation()

    def test_refund_after_payment_withheld_when_balance_is_short(self):
        (a, _b, _c, _d), orders = self._worked_orders()
        self.program._settle()
        # The shopper's balance is short (as after a withdrawal): take what is there.
        self.env.cr.execute("UPDATE subsidy_account SET balance = 20 WHERE id = %s", [a.account_id.id])
        a.account_id.invalidate_recordset()
        self._refund(orders[0])
        clawbacks = a.pool_line_ids.filtered(lambda x: x.kind == "clawback")
        self.assertEqual(sorted(clawbacks.mapped("source")), ["balance", "refund"])
        self.assertEqual({x.source: x.amount for x in clawbacks}, {"balance": 20.0, "refund": 30.0})
        self.assertEqual(a.account_id.balance, 0.0)

    def test_refund_policy_withholds_from_refund(self):
        self.program.clawback_policy = "refund"
        (a, _b, _c, _d), orders = self._worked_orders()
        self.program._settle()
        self._refund(orders[0])
        clawback = a.pool_line_ids.filtered(lambda x: x.kind == "clawback")
        self.assertEqual((clawback.source, clawback.amount), ("refund", 50.0))
        self.assertEqual(a.account_id.balance, 50.0)
        move = self.program._post_pending_pool_lines()
        receivable = move.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")
        self.assertEqual((receivable.partner_id, receivable.debit), (self.shoppers[0], 50.0))

    def test_partial_refund_shrinks_the_entry(self):
        (a, b, c, d), orders = self._worked_orders()
        self.program._settle()
        self._refund(orders[1], 200.0)  # B keeps 100.00 of 300.00: target 50.00, received 80.00
        self.assertEqual((b.base_amount, b.target, b.received, b.state), (100.0, 50.0, 50.0, "done"))
        self.assertEqual(b.contribution, 20.0)
        self.assertEqual(self._pool_balance(), 0.0 - 40.0 + 30.0)
        self.assertEqual((c.position, c.amount_ahead), (1, 0.0))
        self.assertConservation()
        self.assertFalse(self.program._settle(), "a negative pool pays nothing")

    def test_cancelled_order_leaves_the_queue(self):
        order = self._order(self.shoppers[0], 100.0)
        self._pay(order)
        entry = order.subsidy_entry_id
        order.invoice_ids.button_draft()
        order.invoice_ids.button_cancel()
        order._action_cancel()
        self.assertEqual(entry.state, "cancelled")
        self.assertEqual(self._pool_balance(), 0.0)

    def test_refund_larger_than_the_order_is_capped(self):
        (a, _b, _c, _d), orders = self._worked_orders()
        self._refund(orders[0], 1000.0)
        self.assertEqual(a.state, "cancelled")
        self.assertEqual(a.pool_line_ids.filtered(lambda x: x.kind == "reversal").amount, -20.0)
        self.assertEqual(self._pool_balance(), 110.0)
        self.assertConservation()

    def test_credit_note_posted_twice_reverses_once(self):
        (_a, _b, _c, d), orders = self._worked_orders()
        refund = self._refund(orders[3], 50.0)
        pool = self._pool_balance()
        refund.button_draft()
        refund.action_post()
        self.assertEqual(self._pool_balance(), pool)
        # Reset to draft gave the 10.00 back, posting again took it once more: 10.00 in all.
        reversals = d.pool_line_ids.filtered(lambda x: x.kind == "reversal")
        self.assertEqual(sum(reversals.mapped("amount")), -10.0)
        self.assertEqual(d.base_amount, 150.0)
        self.assertConservation()
