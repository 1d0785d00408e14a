"""What an outside attacker did to the payouts, the queue and the API, replayed.

A manager forging a withdrawal through a payout batch's one2many, moving paid
withdrawals between batches, formulas and line breaks in the bank file, a bank
account edited after the approval, a salesperson reading every shopper's
entries, a second program hiding the first, and the API acting on OPTIONS.
"""

import base64
import json

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import WithdrawalCommon


@tagged("post_install", "-at_install")
class TestPayoutAttacks(WithdrawalCommon):
    def _approved(self, amount=100.0, partner=None, **vals):
        account = self._fund(partner or self.alice, 500.0)
        withdrawal = self._withdrawal(account, amount, **vals)
        withdrawal.action_submit()
        withdrawal.with_user(self.manager).action_approve()
        return withdrawal

    def test_a_batch_cannot_create_a_forged_withdrawal(self):
        account = self._fund(self.alice, 500.0)
        Batch = self.env["subsidy.payout.batch"].with_user(self.manager)
        forged = {
            "account_id": account.id,
            "amount": 4999.0,
            "payout_method": "alipay",
            "wallet_account": "evil",
            "holder_name": "Shopper A",
            "state": "approved",
            "first_approver_id": self.manager.id,
            "second_approver_id": self.manager_2.id,
        }
        with self.assertRaisesRegex(UserError, "never by hand"):
            Batch.create({"journal_id": self.bank_journal.id, "withdrawal_ids": [Command.create(forged)]})
        batch = self._batch()
        with self.assertRaisesRegex(UserError, "never by hand"):
            batch.with_user(self.manager).copy({"withdrawal_ids": [Command.create(forged)]})
        self.assertFalse(self.env["subsidy.withdrawal"].search([("wallet_account", "=", "evil")]))
        self.assertEqual((account.balance, account.held), (500.0, 0.0))

    def test_withdrawals_never_move_between_batches(self):
        withdrawal = self._approved()
        sent = self._batch(withdrawal)
        sent.with_user(self.manager).action_post_payments()
        Batch = self.env["subsidy.payout.batch"].with_user(self.manager)
        with self.assertRaisesRegex(UserError, "never by hand"):
            Batch.create(
                {"journal_id": self.bank_journal.id, "withdrawal_ids": [Command.set(withdrawal.ids)]}
            )
        with self.assertRaisesRegex(UserError, "never by hand"):
            self._batch().with_user(self.manager).write({"withdrawal_ids": [Command.link(withdrawal.id)]})
        self.assertEqual(withdrawal.batch_id, sent)

    def test_the_bank_file_holds_no_formula_and_no_extra_row(self):
        account = self._fund(self.alice, 500.0)
        broken = self._withdrawal(
            account, 20.0, payout_method="alipay", wallet_account="a,b\r\nMallory,6222,,99999.00,evil",
            holder_name="Shopper A", bank_account_id=False,
        )  # fmt: skip
        with self.assertRaisesRegex(ValidationError, "line breaks"):
            broken.action_submit()
        formula = self._withdrawal(
            account, 20.0, payout_method="alipay", wallet_account='=HYPERLINK("http://evil.example")',
            holder_name="Shopper A", bank_account_id=False,
        )  # fmt: skip
        formula.action_submit()
        formula.with_user(self.manager).action_approve()
        batch = self._batch(formula)
        batch.with_user(self.manager).action_post_payments()
        rows = base64.b64decode(batch.bank_file).decode("utf-8-sig").splitlines()
        self.assertEqual(len(rows), 2)
        self.assertIn("'=HYPERLINK", rows[1])

    def test_a_bank_account_edited_after_the_request_is_not_paid(self):
        withdrawal = self._approved()
        self.assertEqual(
            (withdrawal.payout_holder, withdrawal.payout_number), ("Shopper A", "6222020200112233445")
        )
        self.alice_bank.write({"acc_number": "6666 6666 6666 6666", "acc_holder_name": "Mallory"})
        batch = self._batch(withdrawal)
        with self.assertRaisesRegex(UserError, "changed after it was requested"):
            batch.with_user(self.manager).action_post_payments()
        self.assertFalse(withdrawal.payment_id)

    def test_posted_payments_leave_the_hold_at_once(self):
        withdrawal = self._approved()
        account = withdrawal.account_id
        batch = self._batch(withdrawal)
        batch.with_user(self.manager).action_post_payments()
        # The payment took the money off the payable: balances + holds still match it.
        self.assertEqual((account.held, account.total_withdrawn), (0.0, withdrawal.amount_total))
        self.assertPayableMatches()
        batch.with_user(self.manager).action_mark_paid()
        self.assertEqual((withdrawal.state, account.held), ("paid", 0.0))
        self.assertPayableMatches()

    def test_a_failed_payout_after_posting_restores_the_balance(self):
        withdrawal = self._approved()
        account = withdrawal.account_id
        balance = account.balance
        self._batch(withdrawal).with_user(self.manager).action_post_payments()
        self.env["subsidy.withdrawal.fail"].with_user(self.manager).create(
            {"withdrawal_id": withdrawal.id, "reason": "Account closed"}
        ).action_fail()
        self.assertEqual((withdrawal.state, account.balance), ("failed", balance + withdrawal.amount_total))
        self.assertPayableMatches()


@tagged("post_install", "-at_install")
class TestQueueAttacks(WithdrawalCommon):
    def test_a_salesperson_reads_only_the_entries_of_their_orders(self):
        seller = new_test_user(
            self.env,
            login="own_docs_seller",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        mine = self._paid_order(self.shoppers[2], 80.0, user_id=seller.id)
        other = self._paid_order(self.shoppers[3], 60.0)
        visible = self.env["subsidy.entry"].with_user(seller).search([])
        self.assertEqual(visible, mine.subsidy_entry_id)
        with self.assertRaises(AccessError):
            other.subsidy_entry_id.with_user(seller).read(["target"])
        # The subsidy staff still see the company's whole queue.
        self.assertIn(
            other.subsidy_entry_id, self.env["subsidy.entry"].with_user(self.subsidy_user).search([])
        )

    def test_a_second_program_does_not_hide_the_first(self):
        rice = self.env["product.product"].create({"name": "Rice", "type": "service", "list_price": 10.0})
        self.program.copy(
            {"name": "Rice only", "code": "RICE", "sequence": 1, "product_ids": [Command.set(rice.ids)]}
        )
        order = self._paid_order(self.shoppers[4], 100.0)  # a rice cooker, not rice
        self.assertEqual(order.subsidy_entry_id.program_id, self.program)

    def test_programs_of_a_company_without_chart_have_no_accounts(self):
        bare = self.env["res.company"].create({"name": "No chart yet"})
        program = self.env["subsidy.program"].create(
            {
                "name": "Bare",
                "company_id": bare.id,
                "currency_id": bare.currency_id.id,
                "contribution_rate": 10.0,
                "subsidy_rate": 20.0,
            }
        )
        self.assertFalse(program.sudo().journal_id or program.sudo().pool_account_id)


@tagged("post_install", "-at_install")
class TestApiAttacks(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shopper = new_test_user(cls.env, login="api_attacked", groups="base.group_portal")
        cls.key = cls.env["res.users.apikeys"].with_user(cls.shopper).sudo()._generate("rpc", "app", None)

    def _api(self, method, path, body=None, headers=None):
        headers = {"Authorization": f"Bearer {self.key}", **(headers or {})}
        if body is not None:
            headers["Content-Type"] = "application/json"
        return self.opener.request(
            method,
            f"{self.base_url()}/api/subsidy/v1/{path}",
            data=json.dumps(body) if body is not None else None,
            headers=headers,
            timeout=12,
        )

    def test_only_post_asks_for_a_withdrawal(self):
        before = self.env["subsidy.withdrawal"].search_count([])
        response = self._api("OPTIONS", "withdrawals", {"amount": 12, "payout_method": "alipay"})
        self.assertEqual(response.status_code, 405)
        self.assertEqual(response.json()["error"]["code"], "method_not_allowed")
        self.assertEqual(self.env["subsidy.withdrawal"].search_count([]), before)

    def test_unknown_paths_and_methods_answer_json(self):
        response = self._api("GET", "nowhere")
        self.assertEqual((response.status_code, response.json()["error"]["code"]), (404, "not_found"))
        response = self._api("DELETE", "withdrawals")
        self.assertEqual(response.status_code, 405)
        self.assertEqual(response.json()["error"]["code"], "method_not_allowed")

    def test_a_key_given_twice_is_refused(self):
        response = self.url_open(
            "/api/subsidy/v1/withdrawals",
            data='{"amount": 12, "amount": 5000, "payout_method": "alipay"}',
            headers={"Authorization": f"Bearer {self.key}", "Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 400)

    def test_portal_pages_take_any_page_parameter(self):
        self.authenticate("api_attacked", "api_attacked")
        for page in ("2", "abc", "-1", "99999999999999999999"):
            with self.subTest(page=page):
                self.assertEqual(self.url_open(f"/my/subsidy?page={page}").status_code, 200)
