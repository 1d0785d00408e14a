"""Ending a program: the queue's remainders to store credit on Odoo eWallet cards."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import BaseCase, tagged

from ..engine import proportional_split, wind_down_split
from .common import WindDownCommon

OWED = [("B", 7000), ("C", 2500), ("D", 10000)]


@tagged("post_install", "-at_install")
class TestWindDownEngine(BaseCase):
    def test_every_remainder_in_full(self):
        split = wind_down_split("full", 13000, OWED)
        self.assertEqual(split.credits, OWED)
        self.assertEqual((split.credited, split.owed, split.funding, split.release), (19500, 19500, 6500, 0))

    def test_the_pool_shared_in_proportion_by_hand(self):
        """130.00 over 70.00, 25.00 and 100.00 (195.00): each gets 2/3 of what it is owed.

        46.6666.., 16.6666.., 66.6666..: 46.66 + 16.66 + 66.66 = 129.98; the two cents
        left go to the largest fractions; all three tie, so to the earliest: B, then C.
        """
        split = wind_down_split("share", 13000, OWED)
        self.assertEqual(split.credits, [("B", 4667), ("C", 1667), ("D", 6666)])
        self.assertEqual((split.credited, split.funding, split.release), (13000, 0, 0))

    def test_largest_fraction_first(self):
        # 1.00 over 1.00, 2.00, 3.00: 0.1666, 0.3333, 0.50 -> 0.16 + 0.33 + 0.50, the cent to 0.1666.
        self.assertEqual(proportional_split(100, [(1, 100), (2, 200), (3, 300)]), [(1, 17), (2, 33), (3, 50)])
        self.assertEqual(proportional_split(0, [(1, 100)]), [(1, 0)])
        self.assertEqual(proportional_split(5, [(1, 0), (2, 5)]), [(1, 0), (2, 5)])
        with self.assertRaises(ValueError):
            proportional_split(301, [(1, 300)])

    def test_the_pool_always_ends_at_zero(self):
        for option in ("full", "share"):
            for pool in (-2000, 0, 13000, 19500, 30000):
                split = wind_down_split(option, pool, OWED)
                self.assertEqual(pool + split.funding - split.credited - split.release, 0, (option, pool))
                self.assertEqual(sum(units for _key, units in split.credits), split.credited)
                for (_key, credit), (_same, owed) in zip(split.credits, OWED):
                    self.assertLessEqual(credit, owed)
        # More in the pool than owed: everybody in full, the rest back to the operator.
        self.assertEqual(wind_down_split("share", 30000, OWED)[1:], (19500, 19500, 0, 10500))
        # A pool left negative by reversals: the operator brings it back to zero; nothing to share.
        self.assertEqual(wind_down_split("share", -2000, OWED)[1:], (0, 19500, 2000, 0))
        self.assertEqual(wind_down_split("full", -2000, OWED).funding, 21500)
        with self.assertRaises(ValueError):
            wind_down_split("lottery", 0, OWED)


@tagged("post_install", "-at_install")
class TestWindDown(WindDownCommon):
    def assertGeneralLedger(self, credited, funding, release=0.0):
        program = self.program
        reconciliation = self.env["subsidy.pool.reconciliation"].browse(program.id)
        self.assertEqual(
            (reconciliation.ledger_balance, reconciliation.unposted_amount, reconciliation.gl_balance),
            (0.0, 0.0, 0.0),
        )
        self.assertAlmostEqual(self._gl(program.pool_account_id), 0.0, places=2)
        self.assertAlmostEqual(self._gl(program.store_credit_account_id), credited, places=2)
        # The expense: what the sales contributed (less reversals), what the operator added, less the release.
        contributed = 182.0 - 12.0 - 10.0 + 20.0
        self.assertAlmostEqual(
            -self._gl(program.expense_account_id), contributed + funding - release, places=2
        )
        moves = self.env["account.move"].search([("journal_id", "=", program.journal_id.id)])
        for move in moves:
            self.assertAlmostEqual(
                sum(move.line_ids.mapped("debit")), sum(move.line_ids.mapped("credit")), places=2
            )

    def test_the_figures_both_options_show(self):
        self._prepare()
        wizard = (
            self.env["subsidy.program.wind.down"]
            .with_user(self.manager)
            .create({"program_id": self.program.id})
        )
        self.assertEqual(
            (wizard.entry_count, wizard.shopper_count, wizard.owed, wizard.pool_balance), (5, 4, 230.0, 20.0)
        )
        self.assertEqual((wizard.full_credit, wizard.full_expense, wizard.full_release), (230.0, 210.0, 0.0))
        self.assertEqual((wizard.share_credit, wizard.share_expense), (20.0, 0.0))
        self.assertEqual(wizard.share_percent, 8.7)  # 20 / 230, as the dialog shows it

    def test_every_remainder_in_full(self):
        entries, orders, withdrawal = self._prepare()
        self._close("full")
        program = self.program
        self.assertEqual((program.state, program.active), ("closed", False))
        self.assertEqual(program.wind_down_approved_by_id, self.manager_2)
        # Each queued entry got its whole remainder as credit: nothing twice, nothing more.
        expected = {
            "B": (110.0, 40.0),
            "C": (0.0, 25.0),
            "D": (0.0, 75.0),
            "E": (0.0, 40.0),
            "H": (0.0, 50.0),
        }
        for key, (received, credited) in expected.items():
            entry = entries[key]
            self.assertEqual(
                (entry.state, entry.received, entry.credited), ("converted", received, credited), key
            )
            self.assertEqual(entry.received + entry.credited, entry.target)
        self.assertEqual((entries["A"].state, entries["A"].credited), ("done", 0.0))
        for key in "FG":
            self.assertEqual((entries[key].state, entries[key].credited), ("cancelled", 0.0))
        # One eWallet card per shopper with exactly what they were owed.
        ewallet = program.ewallet_program_id
        self.assertEqual(ewallet.program_type, "ewallet")
        self.assertFalse(ewallet.rule_ids, "store credit is never topped up by a purchase")
        self.assertEqual(
            self._card_points(), {"Shopper A": 40.0, "Shopper B": 90.0, "Shopper C": 25.0, "Shopper D": 75.0}
        )
        history = self.env["loyalty.history"].search([("card_id.program_id", "=", ewallet.id)])
        self.assertEqual(sorted(history.mapped("issued")), [25.0, 40.0, 75.0, 90.0])
        self.assertEqual(entries["B"].account_id.total_credited, 90.0)
        self.assertEqual(entries["B"].account_id.ewallet_card_id.points, 90.0)
        # Spending the credit in a sale or at the till debits the store credit liability.
        product = ewallet.reward_ids.discount_line_product_id
        self.assertEqual(
            product.with_company(self.company).property_account_income_id, program.store_credit_account_id
        )
        # The last settlement: the operator funds 210.00, five conversions; the pool ends at zero.
        settlement = program.wind_down_settlement_id
        self.assertEqual(settlement.kind, "wind_down")
        self.assertEqual(
            (settlement.amount_paid, settlement.entry_count, settlement.completed_count), (230.0, 5, 5)
        )
        self.assertEqual(settlement.move_id.state, "posted")
        lines = self.env["subsidy.pool.line"].search([("settlement_id", "=", settlement.id)])
        self.assertEqual(sorted(lines.mapped("kind")), ["conversion"] * 5 + ["funding"])
        self.assertEqual(sum(lines.filtered(lambda line: line.kind == "funding").mapped("amount")), 210.0)
        self.assertEqual(self._pool_balance(), 0.0)
        self.assertConservation()
        self.assertIsNone(program._find_broken_line())
        self.assertGeneralLedger(credited=230.0, funding=210.0)
        # Each shopper is told, by a message addressed (and emailed) to them.
        message = entries["B"].account_id.message_ids.filtered(lambda m: self.shoppers[1] in m.partner_ids)
        self.assertEqual(len(message), 1)
        self.assertIn("90.00", message.body)
        self.assertIn(entries["B"].account_id.ewallet_card_id.code, message.body)
        # The open withdrawal goes on from the cash balance, untouched by the credit.
        account_a = entries["A"].account_id
        self.assertEqual((account_a.balance, account_a.held, withdrawal.state), (30.0, 20.0, "submitted"))
        withdrawal.with_user(self.manager_2).action_approve()
        withdrawal._create_payment(program.payout_journal_id)
        withdrawal._mark_paid()
        self.assertEqual(
            (withdrawal.state, account_a.balance, account_a.held, account_a.total_withdrawn),
            ("paid", 30.0, 0.0, 20.0),
        )

    def test_the_pool_shared_in_proportion(self):
        """20.00 over 40, 25, 75, 40, 50 (230.00): 3.478.., 2.173.., 6.521.., 3.478.., 4.347..

        Floors 3.47 + 2.17 + 6.52 + 3.47 + 4.34 = 19.97; the 3 cents left go to the
        largest fractions: B and E (tie, B first), then H.
        """
        entries, _orders, _withdrawal = self._prepare()
        self._close("share")
        credits = {key: entries[key].credited for key in "BCDEH"}
        self.assertEqual(credits, {"B": 3.48, "C": 2.17, "D": 6.52, "E": 3.48, "H": 4.35})
        self.assertEqual(
            self._card_points(), {"Shopper A": 3.48, "Shopper B": 7.83, "Shopper C": 2.17, "Shopper D": 6.52}
        )
        self.assertEqual(self._pool_balance(), 0.0)
        lines = self.env["subsidy.pool.line"].search(
            [("settlement_id", "=", self.program.wind_down_settlement_id.id)]
        )
        self.assertEqual(lines.mapped("kind"), ["conversion"] * 5)
        self.assertConservation()
        self.assertGeneralLedger(credited=20.0, funding=0.0)

    def test_what_nobody_is_owed_goes_back_to_the_operator(self):
        self.program.cap_amount = 10.0
        self._paid_order(self.shoppers[0], 100.0)
        self.program._settle()
        self.assertEqual(self._pool_balance(), 10.0)  # the cap left 10.00 nobody is owed
        self._close("full")
        lines = self.env["subsidy.pool.line"].search(
            [("settlement_id", "=", self.program.wind_down_settlement_id.id)]
        )
        self.assertEqual((lines.kind, lines.amount), ("release", -10.0))
        self.assertEqual(self._pool_balance(), 0.0)
        self.assertFalse(self._card_points())
        self.assertConservation()
        self.assertAlmostEqual(self._gl(self.program.pool_account_id), 0.0, places=2)

    def test_a_closed_program_takes_nothing_more(self):
        entries, orders, _withdrawal = self._prepare()
        self._close("full")
        program = self.program
        lines = self.env["subsidy.pool.line"].search_count([("program_id", "=", program.id)])
        # No new entry: the shop's next paid order does not queue.
        order = self._paid_order(self.shoppers[0], 100.0)
        self.assertFalse(order.subsidy_entry_ids)
        with self.assertRaisesRegex(UserError, "closed"):
            program._lock()
            self.env["subsidy.entry"]._enqueue(program, self.shoppers[0], 10000, "sale", "late")
        # Nothing is paid twice: no run, no second wind-down.
        self.assertFalse(program._settle())
        with self.assertRaises(UserError):
            program.with_user(self.manager_2).action_approve_wind_down()
        with self.assertRaises(UserError):
            program._wind_down()
        with self.assertRaisesRegex(UserError, "closed"):
            program._lock()
            program._append_pool_lines([{"kind": "contribution", "amount_units": 100, "name": "late"}])
        # A refund after the closing leaves the closed pool alone; the credit stays.
        self._refund(orders["C"])
        self.assertEqual((entries["C"].state, entries["C"].credited), ("converted", 25.0))
        self.assertEqual(self.env["subsidy.pool.line"].search_count([("program_id", "=", program.id)]), lines)
        # Read-only: no rule changes, no reopening.
        with self.assertRaisesRegex(UserError, "closed"):
            program.with_user(self.manager).write({"contribution_rate": 10.0})
        with self.assertRaisesRegex(UserError, "closed"):
            program.with_user(self.manager).write({"active": True})
        self.assertConservation()

    def test_two_managers(self):
        self._prepare()
        program = self.program
        with self.assertRaises(AccessError):
            program.with_user(self.subsidy_user).action_open_wind_down()
        with self.assertRaisesRegex(UserError, "reason"):
            program.with_user(self.manager)._request_wind_down("full", " ")
        program.with_user(self.manager)._request_wind_down("share", "Sales stopped")
        with self.assertRaisesRegex(UserError, "second manager"):
            program.with_user(self.manager).action_approve_wind_down()
        with self.assertRaisesRegex(UserError, "already waiting"):
            program.with_user(self.manager_2)._request_wind_down("full", "Again")
        self.assertEqual(program.state, "open")
        program.with_user(self.manager_2).action_reject_wind_down()
        self.assertFalse(program.wind_down_requested_by_id)
        with self.assertRaisesRegex(UserError, "Nobody asked"):
            program.with_user(self.manager).action_approve_wind_down()
        self.assertEqual((program.state, program.active), ("open", True))
        # The requester's choice is what the second manager approves.
        program.with_user(self.manager_2)._request_wind_down("full", "The shop closes")
        program.with_user(self.manager).action_approve_wind_down()
        self.assertEqual((program.state, program.wind_down_option), ("closed", "full"))

    def test_the_approval_is_of_the_request_shown(self):
        """Found from outside: the requester took back 'full' and asked 'share'
        while the second manager's dialog still showed 'full'; approving it
        closed the program with 'share'."""
        self._prepare()
        program = self.program
        program.with_user(self.manager)._request_wind_down("full", "The shop closes")
        Dialog = self.env["subsidy.program.wind.down"].with_user(self.manager_2)
        dialog = Dialog.create({"program_id": program.id})
        self.assertEqual(dialog.seen_option, "full")
        program.with_user(self.manager).action_reject_wind_down()
        program.with_user(self.manager)._request_wind_down("share", "The shop closes")
        with self.assertRaisesRegex(UserError, "changed since you opened it"):
            dialog.action_approve()
        self.assertEqual(program.state, "open")
        Dialog.create({"program_id": program.id}).action_approve()
        self.assertEqual((program.state, program.wind_down_option), ("closed", "share"))
