from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import SubsidyCommon


@tagged("post_install", "-at_install")
class TestSettlement(SubsidyCommon):
    def test_fifo_worked_example(self):
        (a, b, c, d), _orders = self._worked_orders()
        settlement = self.program.with_user(self.manager)._settle(trigger="manual", raise_if_nothing=True)
        self.assertEqual((a.received, a.state), (50.0, "done"))
        self.assertEqual((b.received, b.remaining, b.state), (80.0, 70.0, "queued"))
        self.assertEqual((c.received, d.received), (0.0, 0.0))
        self.assertEqual(self._pool_balance(), 0.0)
        self.assertEqual(
            [(e.position, e.amount_ahead, e.paid_in_full_after) for e in (b, c, d)],
            [(1, 0.0, 70.0), (2, 70.0, 95.0), (3, 95.0, 195.0)],
        )
        self.assertEqual(
            (
                settlement.funds_available,
                settlement.amount_paid,
                settlement.entry_count,
                settlement.completed_count,
            ),
            (130.0, 130.0, 2, 1),
        )
        self.assertEqual(a.account_id.balance, 50.0)
        self.assertEqual(b.account_id.balance, 80.0)
        self.assertConservation()

    def test_rotation_worked_example(self):
        self.program.write({"queue_mode": "rotation", "rotation_size": 3})
        (a, b, c, d), _orders = self._worked_orders()
        self.program._settle()
        self.assertEqual([e.received for e in (a, b, c, d)], [50.0, 55.0, 25.0, 0.0])
        self.assertEqual([e.state for e in (a, b, c, d)], ["done", "queued", "done", "queued"])
        self.assertEqual(b.remaining, 95.0)
        self.assertEqual((b.position, d.position, d.amount_ahead), (1, 2, 95.0))
        self.assertEqual(self._pool_balance(), 0.0)
        self.assertConservation()

    def test_a_run_without_new_funds_changes_nothing(self):
        entries, _orders = self._worked_orders()
        self.program._settle()
        received = [e.received for e in entries]
        lines = self.env["subsidy.pool.line"].search_count([])
        self.assertFalse(self.program._settle())
        with self.assertRaisesRegex(UserError, "no funds"):
            self.program.with_user(self.manager).action_settle()
        self.assertEqual([e.received for e in entries], received)
        self.assertEqual(self.env["subsidy.pool.line"].search_count([]), lines)

    def test_empty_queue_keeps_the_pool(self):
        self.program.cap_amount = 10.0
        order = self._paid_order(self.shoppers[0], 100.0)
        self.program._settle()
        self.assertEqual(order.subsidy_entry_id.state, "done")
        # What the capped entry could not take waits in the pool for the next entries.
        self.assertEqual(self._pool_balance(), 10.0)
        self.assertFalse(self.program._settle())
        with self.assertRaisesRegex(UserError, "No entry"):
            self.program.with_user(self.manager).action_settle()

    def test_later_sales_complete_the_queue_in_turn(self):
        (a, b, c, d), _orders = self._worked_orders()
        self.program._settle()
        self._paid_order(self.shoppers[4], 500.0)  # +100.00 into the pool
        self.program._settle()
        self.assertEqual([e.state for e in (a, b, c, d)], ["done", "done", "done", "queued"])
        self.assertEqual(d.received, 5.0)
        self.assertConservation()

    def test_only_managers_settle_by_hand(self):
        self._worked_orders()
        with self.assertRaisesRegex(UserError, "manager"):
            self.program.with_user(self.subsidy_user).action_settle()

    def test_cron_settles_every_program(self):
        self._worked_orders()
        self.env["subsidy.program"]._cron_settle()
        self.assertEqual(self.program.settlement_ids.trigger, "cron")
        self.assertEqual(self._pool_balance(), 0.0)

    def test_journal_entries_balance_and_match_the_ledger(self):
        (a, b, c, d), orders = self._worked_orders()
        settlement = self.program._settle()
        move = settlement.move_id
        self.assertEqual(move.state, "posted")
        self.assertEqual(sum(move.line_ids.mapped("debit")), sum(move.line_ids.mapped("credit")))
        pool = move.line_ids.filtered(lambda line: line.account_id == self.program.pool_account_id)
        expense = move.line_ids.filtered(lambda line: line.account_id == self.program.expense_account_id)
        payable = move.line_ids.filtered(lambda line: line.account_id == self.program.payable_account_id)
        self.assertEqual(sum(expense.mapped("balance")), 130.0)
        self.assertEqual(sum(payable.mapped("balance")), -130.0)
        self.assertEqual(sum(pool.mapped("balance")), 0.0)
        # A refund after the run, posted by the daily cron: ledger and GL still agree.
        self._refund(orders[2])
        self._paid_order(self.shoppers[4], 100.0)
        self.env["subsidy.program"]._cron_post_pool_lines()
        reconciliation = self.env["subsidy.pool.reconciliation"].search(
            [("program_id", "=", self.program.id)]
        )
        self.assertEqual(len(reconciliation), 1)
        self.assertEqual(reconciliation.unposted_amount, 0.0)
        self.assertEqual(reconciliation.ledger_balance, self._pool_balance())
        self.assertEqual(reconciliation.gl_balance, reconciliation.ledger_balance)
        self.assertEqual(reconciliation.difference, 0.0)
        self.assertConservation()

    def test_aggregated_posting_one_move_per_run(self):
        for i in range(6):
            self._paid_order(self.shoppers[i], 10.0 * (i + 1))
        settlement = self.program._settle()
        self.assertEqual(len(settlement.move_id), 1)
        self.assertEqual(len(settlement.move_id.line_ids), 4)
        self.assertEqual(
            self.env["subsidy.pool.line"].search_count(
                [("program_id", "=", self.program.id), ("posted", "=", False)]
            ),
            0,
        )
        with self.assertRaisesRegex(UserError, "already posted"):
            self.program.action_post_pool_lines()

    def test_posted_filter(self):
        self._worked_orders()
        Line = self.env["subsidy.pool.line"]
        self.assertEqual(Line.search_count([("program_id", "=", self.program.id), ("posted", "=", False)]), 4)
        self.program._settle()
        self.assertEqual(Line.search_count([("program_id", "=", self.program.id), ("posted", "=", False)]), 0)
        self.assertEqual(Line.search_count([("program_id", "=", self.program.id), ("posted", "=", True)]), 6)
