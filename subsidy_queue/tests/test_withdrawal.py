import base64

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import WithdrawalCommon


@tagged("post_install", "-at_install")
class TestWithdrawal(WithdrawalCommon):
    def test_submit_holds_amount_and_fee(self):
        account = self._fund(self.alice, 500.0)
        self.assertEqual(account.balance, 500.0)
        withdrawal = self._withdrawal(account, 200.0)
        self.assertEqual((withdrawal.fee, withdrawal.amount_total), (2.0, 202.0))  # 1.00 + 0.5 %
        withdrawal.action_submit()
        self.assertEqual((withdrawal.state, account.balance, account.held), ("submitted", 298.0, 202.0))
        self.assertEqual(withdrawal.line_ids.mapped("kind"), ["hold"])
        with self.assertRaisesRegex(UserError, "already submitted"):
            withdrawal.action_submit()
        self.assertEqual(account.balance, 298.0)

    def test_back_office_form_on_behalf_of_a_shopper(self):
        account = self._fund(self.alice, 100.0)
        form = Form(self.env["subsidy.withdrawal"].with_user(self.manager))
        form.account_id = account
        form.amount = 50.0
        form.bank_account_id = self.alice_bank
        withdrawal = form.save()
        self.assertEqual(withdrawal.fee, 1.25)
        withdrawal.action_submit()
        self.assertEqual(account.balance, 48.75)

    def test_bad_amounts_are_refused_and_change_nothing(self):
        account = self._fund(self.alice, 500.0)
        for amount, message in (
            (-5.0, "positive"),
            (0.0, "positive"),
            (20.001, "whole amount"),
            (5.0, "minimum"),
            (6000.0, "maximum"),
            (499.0, "does not cover"),
        ):
            with self.subTest(amount=amount), self.assertRaisesRegex(ValidationError, message):
                with self.env.cr.savepoint():
                    self._withdrawal(account, amount).action_submit()
            account.invalidate_recordset()
        account.invalidate_recordset()
        self.assertEqual((account.balance, account.held), (500.0, 0.0))
        self.assertFalse(account.line_ids)

    def test_daily_limits(self):
        account = self._fund(self.alice, 2000.0)
        for _i in range(3):
            self._withdrawal(account, 20.0).action_submit()
        with self.assertRaisesRegex(ValidationError, "3 withdrawals a day"):
            self._withdrawal(account, 20.0).action_submit()
        self.program.write({"withdraw_daily_count": 10, "withdraw_daily_amount": 100.0})
        with self.assertRaisesRegex(ValidationError, "a day can be withdrawn"):
            self._withdrawal(account, 50.0).action_submit()
        self.assertAlmostEqual(account.held, 63.3)

    def test_payout_account_must_be_the_shoppers_own(self):
        account = self._fund(self.alice, 500.0)
        with self.assertRaisesRegex(ValidationError, "This bank account is not yours"):
            self._withdrawal(account, 50.0, bank_account_id=self.bob_bank.id).action_submit()
        with self.assertRaisesRegex(ValidationError, "must be the shopper"):
            self._withdrawal(
                account, 50.0, payout_method="alipay", wallet_account="a@alipay", holder_name="Mallory"
            ).action_submit()
        with self.assertRaisesRegex(ValidationError, "Alipay or WeChat"):
            self._withdrawal(account, 50.0, payout_method="wechat", holder_name="Shopper A").action_submit()
        # Same name, other spelling: accepted; a verified alias too.
        self._withdrawal(
            account, 50.0, payout_method="alipay", wallet_account="a@alipay", holder_name="shopper  a"
        ).action_submit()
        self.alice.sudo().subsidy_verified_alias = "购物者甲"
        self._withdrawal(
            account, 50.0, payout_method="wechat", wallet_account="wx-a", holder_name="购物者甲"
        ).action_submit()
        self.assertEqual(account.held, 2 * 51.25)

    def test_approval_payment_and_bank_file(self):
        account = self._fund(self.alice, 500.0)
        withdrawal = self._withdrawal(account, 200.0)
        withdrawal.action_submit()
        withdrawal.with_user(self.manager).action_approve()
        self.assertEqual(withdrawal.state, "approved")
        self.assertEqual(withdrawal.approval_move_id.state, "posted")
        self.assertIn(self.alice, withdrawal.message_partner_ids | withdrawal.message_ids.partner_ids)
        batch = self._batch(withdrawal)
        batch.action_post_payments()
        payment = withdrawal.payment_id
        self.assertEqual(
            (payment.state, payment.amount, payment.partner_id), ("in_process", 200.0, self.alice)
        )
        payable = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == self.program.payable_account_id
        )
        self.assertEqual(payable.debit, 202.0)
        self.assertTrue(payable.reconciled)
        fee = payment.move_id.line_ids.filtered(
            lambda line: line.account_id == self.program.fee_income_account_id
        )
        self.assertEqual(fee.credit, 2.0)
        rows = base64.b64decode(batch.bank_file).decode("utf-8-sig").splitlines()
        self.assertEqual(rows[0], "收款人名称,收款账号,收款银行,金额,用途")
        self.assertTrue(rows[1].startswith("Shopper A,6222020200112233445,,200.00,"))
        batch.action_mark_paid()
        self.assertEqual((withdrawal.state, account.held, account.total_withdrawn), ("paid", 0.0, 202.0))
        self.assertEqual(account.balance, 298.0)
        self.assertPayableMatches()

    def test_two_managers_above_the_threshold(self):
        account = self._fund(self.alice, 3000.0)
        withdrawal = self._withdrawal(account, 1500.0)
        withdrawal.action_submit()
        self.assertTrue(withdrawal.needs_second_approval)
        withdrawal.with_user(self.manager).action_approve()
        self.assertEqual(withdrawal.state, "submitted")
        with self.assertRaisesRegex(UserError, "second, different manager"):
            withdrawal.with_user(self.manager).action_approve()
        withdrawal.with_user(self.manager_2).action_approve()
        self.assertEqual((withdrawal.state, withdrawal.second_approver_id), ("approved", self.manager_2))

    def test_nobody_approves_their_own_withdrawal(self):
        account = self._fund(self.manager.partner_id, 100.0)
        bank = self.env["res.partner.bank"].create(
            {"acc_number": "6222000011112222", "partner_id": self.manager.partner_id.id}
        )
        withdrawal = self._withdrawal(account, 50.0, bank_account_id=bank.id)
        withdrawal.action_submit()
        with self.assertRaisesRegex(UserError, "your own withdrawal"):
            withdrawal.with_user(self.manager).action_approve()
        with self.assertRaisesRegex(UserError, "subsidy manager"):
            withdrawal.with_user(self.subsidy_user).action_approve()

    def test_rejection_and_cancellation_give_the_money_back(self):
        account = self._fund(self.alice, 500.0)
        rejected, cancelled = self._withdrawal(account, 100.0), self._withdrawal(account, 50.0)
        (rejected | cancelled).action_submit()
        self.assertEqual(account.balance, 500.0 - 101.5 - 51.25)
        with self.assertRaisesRegex(UserError, "reason"):
            rejected.with_user(self.manager).action_reject("")
        wizard = Form(
            self.env["subsidy.withdrawal.reject"]
            .with_user(self.manager)
            .with_context(default_withdrawal_ids=rejected.ids)
        )
        wizard.reason = "Bank account frozen"
        wizard.save().action_reject()
        cancelled.action_cancel()
        self.assertEqual((rejected.state, cancelled.state), ("rejected", "cancelled"))
        self.assertEqual((account.balance, account.held), (500.0, 0.0))
        self.assertIn("Bank account frozen", rejected.message_ids[0].body)
        self.assertIn(self.alice, rejected.message_ids[0].partner_ids)
        self.assertEqual(sorted(rejected.line_ids.mapped("kind")), ["hold", "release"])
        with self.assertRaisesRegex(UserError, "Only submitted"):
            rejected.with_user(self.manager).action_approve()

    def test_batch_refuses_what_is_not_approved(self):
        account = self._fund(self.alice, 500.0)
        rejected, approved = self._withdrawal(account, 100.0), self._withdrawal(account, 50.0)
        (rejected | approved).action_submit()
        rejected.with_user(self.manager).action_reject("No")
        approved.with_user(self.manager).action_approve()
        batch = self._batch()
        with self.assertRaisesRegex(UserError, "Only approved"):
            batch._add_withdrawals(rejected)
        batch._add_withdrawals(approved)
        # A request cancelled behind the batch's back: the batch refuses to pay it.
        approved.sudo()._mark_failed("Duplicate")
        with self.assertRaisesRegex(UserError, "not approved"):
            batch.action_post_payments()
        self.assertFalse(approved.payment_id)
        self.assertEqual(batch.state, "draft")

    def test_failed_payout_restores_the_balance(self):
        account = self._fund(self.alice, 500.0)
        withdrawal = self._withdrawal(account, 300.0)
        withdrawal.action_submit()
        withdrawal.with_user(self.manager).action_approve()
        batch = self._batch(withdrawal)
        batch.action_post_payments()
        batch.action_mark_paid()
        self.assertEqual(account.balance, 500.0 - 302.5)
        wizard = (
            self.env["subsidy.withdrawal.fail"]
            .with_user(self.manager)
            .create({"withdrawal_id": withdrawal.id, "reason": "Account closed"})
        )
        wizard.action_fail()
        self.assertEqual((withdrawal.state, withdrawal.payment_id.state), ("failed", "canceled"))
        self.assertEqual((account.balance, account.total_withdrawn, account.held), (500.0, 0.0, 0.0))
        restore = withdrawal.line_ids.filtered(lambda line: line.kind == "restore")
        self.assertEqual((restore.amount, restore.name), (302.5, "Account closed"))
        self.assertPayableMatches()

    def test_ledger_lines_and_withdrawals_are_not_editable(self):
        account = self._fund(self.alice, 500.0)
        withdrawal = self._withdrawal(account, 100.0)
        withdrawal.action_submit()
        with self.assertRaisesRegex(UserError, "only be changed while it is a draft"):
            withdrawal.amount = 10.0
        with self.assertRaises(UserError):
            withdrawal.line_ids.write({"amount": 1.0})
        with self.assertRaises(UserError):
            withdrawal.unlink()
        with self.assertRaisesRegex(UserError, "never by hand"):
            account.write({"held": 0.0})
