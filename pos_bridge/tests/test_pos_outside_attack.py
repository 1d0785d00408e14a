"""What an outside attacker found at the till, each pinned (helper's report, session 3)."""

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import PosSubsidyCommon


@tagged("post_install", "-at_install")
class TestPosOutsideAttack(PosSubsidyCommon):
    def test_the_balance_pays_only_through_the_sync(self):
        """add_payment then action_pos_order_paid, or create with the payment,
        recorded a balance payment that was never spent."""
        account = self._fund(self.bob, 300.0)
        draft = self._sync(self._ui_order([(self.product, 1, 100.0)], self.bob, payments=[], state="draft"))
        cashier_order = draft.with_user(self.cashier)
        with self.assertRaisesRegex(UserError, "only at the till"), self.env.cr.savepoint():
            cashier_order.add_payment(
                {"pos_order_id": draft.id, "amount": 100.0, "payment_method_id": self.subsidy_pm.id}
            )
        data = self._ui_order([(self.product, 1, 100.0)], self.bob, payments=[(self.subsidy_pm, 100.0)])
        data.pop("uuid")
        data["pos_reference"] = data.pop("name")
        with self.assertRaisesRegex(UserError, "only at the till"), self.env.cr.savepoint():
            self.env["pos.order"].with_user(self.cashier).create(data)
        paid = self._pos_order(self.bob, 50.0, payments=[(self.subsidy_pm, 50.0)])
        with self.assertRaisesRegex(UserError, "only at the till"), self.env.cr.savepoint():
            paid.payment_ids.with_user(self.cashier).write({"amount": 1.0})
        self.assertEqual(account.balance, 250.0)
        self.assertBooks()

    def test_the_entry_is_sized_by_the_server_not_the_tills_subtotal(self):
        line = self._line(self.product, 1, 1.0)
        line[2].update(price_subtotal=10000.0, price_subtotal_incl=1.0)
        order = self._sync(self._ui_order([line], self.alice))
        self.assertEqual(order.subsidy_entry_id.base_amount, 1.0)
        # A total lower than the lines: never more than what was paid.
        data = self._ui_order([(self.product, 2, 100.0)], self.alice, payments=[(self.cash_pm, 1.0)])
        data.update(amount_total=1.0)
        order = self._sync(data)
        self.assertLessEqual(order.subsidy_entry_id.base_amount, 1.0)
        self.assertBooks()

    def test_a_refund_is_to_the_same_customer_and_never_more_than_sold(self):
        original = self._pos_order(self.alice, 100.0)
        entry = original.subsidy_entry_id
        stranger = self._ui_order(
            [
                self._line(self.product, -1, 100.0, refunded_orderline_id=original.lines.id),
                (self.product, 1, 100.0),
            ],
            self.bob,
            payments=[],
        )
        with self.assertRaisesRegex(UserError, "customer of the order it refunds"), self.env.cr.savepoint():
            self._sync(stranger)
        too_much = self._ui_order(
            [self._line(self.product, -2, 100.0, refunded_orderline_id=original.lines.id)],
            self.alice,
            payments=[(self.cash_pm, -200.0)],
        )
        with self.assertRaisesRegex(UserError, "would be refunded"), self.env.cr.savepoint():
            self._sync(too_much)
        self.assertEqual(entry.state, "queued")
        self.assertBooks()

    def test_a_refund_line_is_priced_as_it_was_sold(self):
        """An exchange whose refund line is priced above the sale would pay for the new
        goods with money never paid (and queue them): refused, nothing written."""
        original = self._pos_order(self.alice, 100.0)
        entry = original.subsidy_entry_id
        line = original.lines
        exchange = self._ui_order(
            [
                self._line(self.product, -1, 1000.0, refunded_orderline_id=line.id),
                (self.other_product, 1, 1000.0),
            ],
            self.alice,
            payments=[],
        )
        with (
            self.assertRaisesRegex(UserError, "refunded at the price it was sold at"),
            self.env.cr.savepoint(),
        ):
            self._sync(exchange)
        discounted = self._refund_data(original)
        discounted["lines"][0][2]["discount"] = 50.0
        with (
            self.assertRaisesRegex(UserError, "refunded at the price it was sold at"),
            self.env.cr.savepoint(),
        ):
            self._sync(discounted)
        self.assertFalse(
            self.env["pos.order"].search([("uuid", "in", [exchange["uuid"], discounted["uuid"]])])
        )
        self.assertEqual((entry.state, entry.base_amount), ("queued", 100.0))
        # At the price it was sold at, the exchange is what it says: 100 back, 1000 sold, 900 paid.
        fair = self._ui_order(
            [
                self._line(self.product, -1, 100.0, refunded_orderline_id=line.id),
                (self.other_product, 1, 1000.0),
            ],
            self.alice,
            payments=[(self.cash_pm, 900.0)],
        )
        swapped = self._sync(fair)
        self.assertEqual(entry.state, "cancelled")
        self.assertEqual(swapped.subsidy_entry_id.base_amount, 1000.0)
        self.assertBooks()

    def test_a_refund_is_of_paid_goods_as_they_were_sold(self):
        """Second attack on exchanges: refunding a draft order, another product, other
        taxes through a fiscal position, a price off below the cent, re-selling more by
        a refund of a refund: each refused, nothing written; no entry above what was paid."""
        refused = "refunded at the price it was sold at"
        draft = self._sync(
            self._ui_order([(self.product, 1, 1000.0)], self.alice, payments=[], state="draft")
        )
        exchange = self._ui_order(
            [
                self._line(self.product, -1, 1000.0, refunded_orderline_id=draft.lines.id),
                (self.product, 1, 1000.0),
            ],
            self.alice,
            payments=[],
        )
        with self.assertRaisesRegex(UserError, "Only a paid order"), self.env.cr.savepoint():
            self._sync(exchange)
        sold = self._pos_order(self.alice, 100.0)
        other = self._ui_order(
            [
                self._line(self.other_product, -1, 100.0, refunded_orderline_id=sold.lines.id),
                (self.product, 1, 100.0),
            ],
            self.alice,
            payments=[],
        )
        with self.assertRaisesRegex(UserError, refused), self.env.cr.savepoint():
            self._sync(other)
        tax = self.env["account.tax"].create(
            {"name": "VAT 13%", "amount": 13.0, "company_id": self.company.id}
        )
        exempt = self.env["account.fiscal.position"].create(
            {"name": "Exempt", "tax_ids": [Command.create({"tax_src_id": tax.id, "tax_dest_id": False})]}
        )
        taxed = self._sync(
            self._ui_order(
                [self._line(self.product, 1, 100.0, tax_ids=[Command.set(tax.ids)])],
                self.bob,
                fiscal_position_id=exempt.id,
            )
        )
        swapped = self._ui_order(
            [
                self._line(
                    self.product,
                    -1,
                    100.0,
                    refunded_orderline_id=taxed.lines.id,
                    tax_ids=[Command.set(tax.ids)],
                ),
                (self.other_product, 1, 113.0),
            ],
            self.bob,
            payments=[],
        )
        with self.assertRaisesRegex(UserError, refused), self.env.cr.savepoint():
            self._sync(swapped)
        cheap = self._sync(self._ui_order([(self.product, 1000, 0.335)], self.shoppers[2]))
        nudged = self._ui_order(
            [
                self._line(self.product, -1000, 0.344999, refunded_orderline_id=cheap.lines.id),
                (self.other_product, 1, 345.0),
            ],
            self.shoppers[2],
            payments=[],
        )
        with self.assertRaisesRegex(UserError, refused), self.env.cr.savepoint():
            self._sync(nudged)
        refund = self._refund(sold)
        again = self._ui_order(
            [self._line(self.product, 5, 100.0, refunded_orderline_id=refund.lines.id)],
            self.alice,
            payments=[(self.cash_pm, 500.0)],
        )
        with self.assertRaisesRegex(UserError, "would be refunded"), self.env.cr.savepoint():
            self._sync(again)
        for data in (exchange, other, swapped, nudged, again):
            self.assertFalse(self.env["pos.order"].search([("uuid", "=", data["uuid"])]))
        with self.assertRaisesRegex(UserError, "Set a customer"):
            self.config.with_user(self.cashier).subsidy_account_info(2**31)
        self.assertBooks()

    def test_change_given_back_is_counted_once(self):
        """Cash 100 for 80 with 20 back queues 80; a "change" the till says it took in
        is no payment."""
        data = self._ui_order([(self.product, 1, 80.0)], self.alice, payments=[(self.cash_pm, 100.0)])
        data["amount_return"] = 20.0
        order = self._sync(data)
        self.assertEqual(order.amount_paid, 80.0)
        self.assertEqual(order.subsidy_entry_id.base_amount, 80.0)
        forged = self._ui_order([(self.product, 1, 1000.0)], self.bob, payments=[(self.cash_pm, 500.0)])
        forged["amount_return"] = -250.0
        order = self._sync(forged)
        self.assertLessEqual(order.subsidy_entry_id.base_amount, 500.0)
        self.assertBooks()

    def test_the_balance_never_gives_change(self):
        account = self._fund(self.bob, 300.0)
        data = self._ui_order([(self.product, 1, 10.0)], self.bob, payments=[(self.subsidy_pm, 300.0)])
        data["amount_return"] = 290.0
        with self.assertRaisesRegex(UserError, "never gives change"), self.env.cr.savepoint():
            self._sync(data)
        self.assertEqual(account.balance, 300.0)
        self.assertBooks()

    def test_a_balance_refund_goes_back_to_who_paid(self):
        account = self._fund(self.alice, 100.0)
        order = self._pos_order(self.alice, 100.0, payments=[(self.subsidy_pm, 100.0)])
        forged = self._refund_data(order, partner=self.bob, payments=[(self.subsidy_pm, -100.0)])
        with self.assertRaisesRegex(UserError, "customer of the order it refunds"), self.env.cr.savepoint():
            self._sync(forged)
        self.assertEqual(account.balance, 0.0)
        self.assertBooks()
