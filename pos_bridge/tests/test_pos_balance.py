from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from .common import PosSubsidyCommon


@tagged("post_install", "-at_install")
class TestPosBalance(PosSubsidyCommon):
    def _spends(self, partner=None):
        domain = [("kind", "in", ("spend", "spend_refund"))]
        if partner:
            domain.append(("account_id", "=", self._account(partner).id))
        return self.env["subsidy.account.line"].search(domain, order="id")

    def test_pay_partly_with_the_balance(self):
        account = self._fund(self.alice, 100.0)
        order = self._pos_order(self.alice, 150.0, payments=[(self.subsidy_pm, 60.0), (self.cash_pm, 90.0)])
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.subsidy_balance_amount, 60.0)
        self.assertEqual((account.balance, account.total_spent), (40.0, 60.0))
        spend = self._spends(self.alice)
        self.assertRecordValues(spend, [{"kind": "spend", "amount": 60.0, "pos_order_id": order.id}])
        self.assertEqual(spend.pos_session_id, self.pos_session)
        # The purchase queues in full: the balance is the shopper's own money.
        self.assertEqual(order.subsidy_entry_id.base_amount, 150.0)
        receipt = order.subsidy_receipt
        self.assertEqual((receipt["balance_paid"], receipt["balance_left"]), (60.0, 40.0))
        info = self.config.with_user(self.cashier).subsidy_account_info(self.alice.id)
        self.assertEqual(info["balance"], 40.0)
        self.assertBooks()

    def test_closing_entry_debits_the_shoppers_payable(self):
        self._fund(self.alice, 100.0)
        self._fund(self.bob, 50.0)
        self._pos_order(self.alice, 150.0, payments=[(self.subsidy_pm, 60.0), (self.cash_pm, 90.0)])
        self._pos_order(self.bob, 50.0, payments=[(self.subsidy_pm, 50.0)])
        self.assertEqual(self.pos_session.subsidy_balance_amount, 110.0)
        payable = self.program.payable_account_id
        before = self._gl_balance(payable)
        self.assertBooks()
        self._close()
        self.assertEqual(self._gl_balance(payable), before - 110.0)
        # The closing's debit of the payable is the program's, as the rest of its money.
        closing = self.env["account.move.line"].search(
            [
                ("account_id", "=", payable.id),
                ("move_id.origin_payment_id.pos_session_id", "=", self.pos_session.id),
            ]
        )
        self.assertEqual((closing.subsidy_program_id, sum(closing.mapped("debit"))), (self.program, 110.0))
        self.assertBooks()
        report = self.env["report.point_of_sale.report_saledetails"].get_sale_details(
            session_ids=self.pos_session.ids
        )
        self.assertEqual(report["subsidy"]["balance_paid"], 110.0)
        self.assertEqual(report["subsidy"]["entry_count"], 2)
        methods = {p["id"]: p["total"] for p in report["payments"]}
        self.assertEqual(methods[self.subsidy_pm.id], 110.0)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "point_of_sale.sale_details_report",
                self.pos_session.ids,
                data={"session_ids": self.pos_session.ids},
            )[0]
            .decode()
        )
        self.assertIn("Queue Subsidy", html)
        self.assertBooks()

    def test_balance_too_low_is_refused_and_nothing_is_recorded(self):
        account = self._fund(self.alice, 50.0)
        data = self._ui_order([(self.product, 1, 80.0)], self.alice, payments=[(self.subsidy_pm, 80.0)])
        with (
            self.assertRaisesRegex(UserError, "cannot pay ¥\xa080.00|cannot pay"),
            self.env.cr.savepoint(),
        ):
            self._sync(data)
        self.env.invalidate_all()
        self.assertFalse(self.env["pos.order"].search([("uuid", "=", data["uuid"])]))
        self.assertEqual(account.balance, 50.0)
        self.assertFalse(self._spends())
        # Paid otherwise, the same order goes through.
        data.update(self._ui_order([(self.product, 1, 80.0)], self.alice, uuid=data["uuid"],
                                   payments=[(self.subsidy_pm, 50.0), (self.card_pm, 30.0)]))  # fmt: skip
        order = self._sync(data)
        self.assertEqual((order.state, account.balance), ("paid", 0.0))
        self.assertBooks()

    def test_balance_needs_a_customer_of_this_company(self):
        data = self._ui_order([(self.product, 1, 10.0)], None, payments=[(self.subsidy_pm, 10.0)])
        with self.assertRaisesRegex(UserError, "Set the customer"), self.env.cr.savepoint():
            self._sync(data)
        other = self._create_subsidy_company("Other Queue Shop")
        stranger = self.env["res.partner"].create({"name": "Stranger", "company_id": other.id})
        data = self._ui_order([(self.product, 1, 10.0)], stranger, payments=[(self.subsidy_pm, 10.0)])
        with self.assertRaisesRegex(UserError, "another company"), self.env.cr.savepoint():
            self._sync(data)
        self.assertFalse(self._spends())
        self.assertBooks()

    def test_refund_gives_the_balance_back(self):
        account = self._fund(self.alice, 100.0)
        order = self._pos_order(self.alice, 150.0, payments=[(self.subsidy_pm, 60.0), (self.cash_pm, 90.0)])
        self.assertEqual(account.balance, 40.0)
        # Half of it comes back: 30.00 to the balance, 45.00 in cash.
        half = self._refund(
            order, {order.lines: 0.5}, payments=[(self.subsidy_pm, -30.0), (self.cash_pm, -45.0)]
        )
        self.assertEqual(half.state, "paid")
        self.assertEqual((account.balance, account.total_spent), (70.0, 30.0))
        # The rest: no more than the 30.00 left may go back to the balance.
        data = self._refund_data(
            order, {order.lines: 0.5}, payments=[(self.subsidy_pm, -40.0), (self.cash_pm, -35.0)]
        )
        with self.assertRaisesRegex(UserError, "Only ¥\xa030.00|Only"), self.env.cr.savepoint():
            self._sync(data)
        self._refund(order, {order.lines: 0.5}, payments=[(self.subsidy_pm, -30.0), (self.cash_pm, -45.0)])
        self.assertEqual((account.balance, account.total_spent), (100.0, 0.0))
        self.assertEqual(self._spends(self.alice).mapped("kind"), ["spend", "spend_refund", "spend_refund"])
        self.assertEqual(order.subsidy_entry_id.state, "cancelled")
        self.assertBooks()
        self._close()
        self.assertBooks()

    def test_refund_cannot_credit_a_balance_that_did_not_pay(self):
        self._fund(self.alice, 10.0)
        order = self._pos_order(self.alice, 100.0)
        data = self._refund_data(order, payments=[(self.subsidy_pm, -100.0)])
        with self.assertRaisesRegex(UserError, "Only"), self.env.cr.savepoint():
            self._sync(data)
        # Nor can a sale.
        data = self._ui_order(
            [(self.product, 1, 10.0)], self.alice, payments=[(self.subsidy_pm, -5.0), (self.cash_pm, 15.0)]
        )
        with self.assertRaisesRegex(UserError, "Only"), self.env.cr.savepoint():
            self._sync(data)
        self.assertBooks()

    def test_refund_of_a_refund_spends_again(self):
        account = self._fund(self.alice, 100.0)
        order = self._pos_order(self.alice, 100.0, payments=[(self.subsidy_pm, 100.0)])
        refund = self._refund(order, payments=[(self.subsidy_pm, -100.0)])
        self.assertEqual(account.balance, 100.0)
        # The shopper takes the goods after all: a refund of the refund, paid from the balance.
        again = self._sync(
            self._ui_order(
                [self._line(self.product, 1, 100.0, refunded_orderline_id=refund.lines.id)],
                self.alice,
                payments=[(self.subsidy_pm, 100.0)],
            )
        )
        self.assertEqual(again.state, "paid")
        self.assertEqual(account.balance, 0.0)
        self.assertEqual(order.subsidy_entry_id.state, "queued")
        self.assertEqual(order.subsidy_entry_id.base_amount, 100.0)
        self.assertBooks()

    def test_back_office_refund_through_the_payment_wizard(self):
        account = self._fund(self.alice, 100.0)
        order = self._pos_order(self.alice, 80.0, payments=[(self.subsidy_pm, 80.0)])
        refund = order._refund()
        wizard = Form(self.env["pos.make.payment"].with_context(active_id=refund.id, active_ids=refund.ids))
        wizard.payment_method_id = self.subsidy_pm
        wizard.save().check()
        self.assertEqual(refund.state, "paid")
        self.assertEqual(account.balance, 100.0)
        self.assertEqual(order.subsidy_entry_id.state, "cancelled")
        self.assertBooks()

    def test_invoiced_order_paid_with_the_balance(self):
        account = self._fund(self.alice, 100.0)
        data = self._ui_order([(self.product, 1, 100.0)], self.alice, payments=[(self.subsidy_pm, 100.0)])
        data["to_invoice"] = True
        order = self._sync(data)
        self.assertEqual(order.state, "invoiced")
        self.assertEqual(order.account_move.payment_state, "paid")
        self.assertEqual(account.balance, 0.0)
        self.assertEqual(order.subsidy_entry_id.base_amount, 100.0)
        self.assertBooks()
        self._close()
        self.assertBooks()

    def test_payment_method_rules(self):
        self.assertTrue(self.subsidy_pm.subsidy_balance)
        self.assertEqual(self.subsidy_pm.journal_id.type, "bank")
        self.assertEqual(self.subsidy_pm.outstanding_account_id, self.program.payable_account_id)
        self.assertIn("subsidy_balance", self.env["pos.payment.method"]._load_pos_data_fields(self.config.id))
        with self.assertRaisesRegex(Exception, "outstanding account"), self.env.cr.savepoint():
            self.env["pos.payment.method"].create(
                {
                    "name": "Bad subsidy",
                    "journal_id": self.bank_journal.id,
                    "subsidy_balance": True,
                    "subsidy_program_id": self.program.id,
                    "company_id": self.company.id,
                }
            )
        self.assertEqual(self.program._subsidy_pos_payment_method(), self.subsidy_pm)
