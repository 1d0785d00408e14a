"""Regressions of what an attacker did to the money on a live server.

Each test replays one finding: a workflow field forged over RPC, a batch
deleted after payment, a credit note edited after posting, a daily limit
dodged with a timezone, a void approved by its own requester, a refund of an
entry with no sale order, a portal shopper posting journal entries.
"""

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import WithdrawalCommon


@tagged("post_install", "-at_install")
class TestMoneyTrust(WithdrawalCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.portal_alice = new_test_user(
            cls.env,
            login="trust_portal_alice",
            groups="base.group_portal",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.portal_alice.partner_id.parent_id = cls.alice

    # ------------------------------------------------------------------
    # Workflow fields are written only by the workflow
    # ------------------------------------------------------------------

    def test_subsidy_user_cannot_forge_an_approval(self):
        account = self._fund(self.alice, 500.0)
        withdrawal = self._withdrawal(account, 100.0).with_user(self.subsidy_user)
        with self.assertRaisesRegex(UserError, "never by hand"):
            withdrawal.write(
                {
                    "state": "approved",
                    "first_approver_id": self.manager.id,
                    "second_approver_id": self.manager_2.id,
                }
            )
        self.assertEqual((withdrawal.state, withdrawal.first_approver_id.id), ("draft", False))
        with self.assertRaisesRegex(UserError, "never by hand"):
            self.env["subsidy.withdrawal"].with_user(self.subsidy_user).create(
                {
                    "account_id": account.id,
                    "amount": 10.0,
                    "bank_account_id": self.alice_bank.id,
                    "state": "approved",
                }
            )
        self.assertFalse(withdrawal.approval_move_id)

    def test_submitted_withdrawal_cannot_go_back_to_draft_nor_be_cancelled_by_hand(self):
        account = self._fund(self.alice, 500.0)
        withdrawal = self._withdrawal(account, 100.0)
        withdrawal.with_user(self.subsidy_user).action_submit()
        held = account.held
        as_user = withdrawal.with_user(self.subsidy_user)
        for vals in ({"state": "draft"}, {"state": "cancelled"}, {"amount": 400.0}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                as_user.write(vals)
        self.assertEqual((withdrawal.state, withdrawal.amount, account.held), ("submitted", 100.0, held))
        # The workflow's own cancel gives the hold back.
        as_user.action_cancel()
        self.assertEqual((withdrawal.state, account.held, account.balance), ("cancelled", 0.0, 500.0))
        self.assertPayableMatches()

    def test_withdrawals_take_their_number_on_submission(self):
        account = self._fund(self.alice, 500.0)
        draft = self._withdrawal(account, 20.0)
        self.assertEqual(draft.name, "/")
        submitted = self._withdrawal(account, 30.0)
        submitted.action_submit()
        self.assertNotEqual(submitted.name, "/")

    def test_paid_batch_can_be_neither_deleted_nor_reset_nor_paid_twice(self):
        account = self._fund(self.alice, 500.0)
        withdrawal = self._withdrawal(account, 100.0)
        withdrawal.action_submit()
        withdrawal.with_user(self.manager).action_approve()
        batch = self._batch(withdrawal)
        batch.with_user(self.manager).action_post_payments()
        self.assertTrue(withdrawal.payment_id)
        with self.assertRaisesRegex(UserError, "never be deleted"):
            batch.with_user(self.manager).unlink()
        with self.assertRaisesRegex(UserError, "never by hand"):
            batch.with_user(self.manager).write({"state": "draft"})
        with self.assertRaisesRegex(UserError, "never by hand"):
            withdrawal.with_user(self.manager).write({"batch_id": False})
        # Even the workflow refuses a second payment of the same withdrawal.
        with self.assertRaisesRegex(UserError, "already paid out"):
            withdrawal.sudo()._create_payment(self.bank_journal)
        payments = self.env["account.payment"].search([("memo", "ilike", withdrawal.name)])
        self.assertEqual(len(payments.filtered(lambda p: p.state != "cancel")), 1)
        batch.with_user(self.manager).action_mark_paid()
        with self.assertRaises(UserError):
            withdrawal.with_user(self.manager).unlink()
        self.assertPayableMatches()

    # ------------------------------------------------------------------
    # Documents that change later are followed
    # ------------------------------------------------------------------

    def test_credit_note_reset_edited_reposted_then_cancelled(self):
        order = self._paid_order(self.shoppers[4], 100.0)
        entry = order.subsidy_entry_id
        target = entry.target
        self.assertEqual(target, 25.0)
        refund = self._refund(order, 10.0)
        self.assertEqual(entry.target, 22.5)
        # The credit note is reset, edited to the whole 100.00 and posted again.
        refund.button_draft()
        self.assertEqual((entry.target, entry.state), (target, "queued"))
        refund.invoice_line_ids[:1].price_unit = 100.0
        refund.action_post()
        self.assertEqual((entry.state, entry.base_amount, entry.target), ("cancelled", 0.0, 0.0))
        self.assertEqual(entry.contribution, 0.0)
        # The credit note is cancelled: the sale stands again, the entry with it.
        refund.button_draft()
        refund.button_cancel()
        self.assertEqual((entry.state, entry.base_amount, entry.target), ("queued", 100.0, target))
        self.assertEqual(entry.contribution, 25.0)
        self.assertConservation()
        self.assertEqual(self.program.action_verify_ledger()["params"]["type"], "success")

    def test_cancelled_credit_note_gives_the_clawback_back(self):
        order = self._paid_order(self.shoppers[4], 100.0)
        entry = order.subsidy_entry_id
        self.program._settle()
        self.assertEqual(entry.state, "done")
        account = entry.account_id
        balance = account.balance
        refund = self._refund(order)
        self.assertEqual((entry.state, entry.received, account.balance), ("cancelled", 0.0, balance - 25.0))
        refund.button_draft()
        refund.button_cancel()
        self.assertEqual((entry.state, entry.received, account.balance), ("done", 25.0, balance))
        self.assertConservation()
        self.assertPayableMatches()

    def test_refund_uses_the_entrys_own_cap(self):
        self.program.cap_amount = 20.0
        order = self._paid_order(self.shoppers[4], 200.0)  # 25 % of 200.00 = 50.00, capped at 20.00
        entry = order.subsidy_entry_id
        self.assertEqual((entry.target, entry.cap_amount), (20.0, 20.0))
        self.program.cap_amount = 5.0  # new entries only
        self._refund(order, 100.0)  # half refunded: 25.00 at 25 %, still under its own 20.00 cap
        self.assertEqual(entry.target, 20.0)
        self.assertConservation()

    def test_refund_of_an_entry_without_a_sale_order(self):
        program = self.program
        program._lock()
        entry = self.env["subsidy.entry"]._enqueue(program, self.shoppers[5], 8000, "pos", "Shop/0001")
        program._settle()
        self.assertEqual(entry.received, 20.0)
        program._lock()
        entry._sync_refund(8000, reason="POS refund")
        self.assertEqual((entry.state, entry.received, entry.contribution), ("cancelled", 0.0, 0.0))
        self.assertConservation()

    # ------------------------------------------------------------------
    # Limits in the company's day, per shopper
    # ------------------------------------------------------------------

    @freeze_time("2026-11-25 12:00:00")
    def test_daily_limit_ignores_the_shoppers_own_timezone(self):
        self.program.withdraw_daily_count = 1
        account = self._fund(self.alice, 500.0)
        self.portal_alice.tz = "Etc/GMT-14"  # already tomorrow there
        # As the portal and the app submit: the shopper's user, in their own timezone.
        first = (
            self._withdrawal(account, 20.0).with_user(self.portal_alice).sudo().with_context(tz="Etc/GMT-14")
        )
        first.action_submit()
        second = (
            self._withdrawal(account, 20.0).with_user(self.portal_alice).sudo().with_context(tz="Etc/GMT-14")
        )
        with self.assertRaisesRegex(UserError, "withdrawals a day"):
            second.action_submit()
        self.assertEqual(account.held, first.amount_total)

    def test_daily_limit_is_the_shoppers_across_programs(self):
        self.program.withdraw_daily_count = 1
        account = self._fund(self.alice, 500.0)
        other = self.program.copy({"name": "Second program", "code": "S", "sequence": 99})
        other.withdraw_daily_count = 1
        other._lock()
        self.env["subsidy.entry"]._enqueue(other, self.alice, 40000, "sale", "other")
        other._settle()
        other_account = self.env["subsidy.account"].search(
            [("partner_id", "=", self.alice.id), ("program_id", "=", other.id)]
        )
        self.assertEqual(other_account.balance, 100.0)
        self._withdrawal(account, 20.0).action_submit()
        with self.assertRaisesRegex(UserError, "withdrawals a day"):
            self._withdrawal(other_account, 20.0).action_submit()

    # ------------------------------------------------------------------
    # Voids and expiry
    # ------------------------------------------------------------------

    def test_one_manager_cannot_void_alone(self):
        (_a, b, _c, _d), _orders = self._worked_orders()
        as_manager = b.with_user(self.manager)
        with self.assertRaisesRegex(UserError, "never by hand"):
            as_manager.write({"void_requested_by_id": self.manager_2.id, "void_reason": "forged"})
        with self.assertRaisesRegex(UserError, "Nobody asked"):
            as_manager.action_approve_void()
        with self.assertRaisesRegex(UserError, "never by hand"):
            as_manager.write({"date_queued": "2000-01-01 00:00:00"})
        self.assertEqual(b.state, "queued")
        with self.assertRaises(AccessError):
            b.with_user(self.subsidy_user)._request_void("I am no manager")

    # ------------------------------------------------------------------
    # Every public method checks its caller
    # ------------------------------------------------------------------

    def test_portal_shopper_cannot_post_nor_read_the_books(self):
        self._worked_orders()
        program = self.program.with_user(self.portal_alice)
        with self.assertRaises(AccessError):
            program.action_post_pool_lines()
        with self.assertRaises(AccessError):
            program.action_verify_ledger()
        with self.assertRaises(AccessError):
            program.action_settle()
        program.invalidate_recordset()
        with self.assertRaises(AccessError):
            program.read(["journal_id"])
        with self.assertRaises(AccessError):
            program.read(["last_seq"])
        self.assertEqual(program.read(["withdraw_min_amount"])[0]["withdraw_min_amount"], 10.0)
