from datetime import timedelta

from odoo import Command, fields
from odoo.tests import Form, tagged

from .common import SubsidyCommon


@tagged("post_install", "-at_install")
class TestOrderFlow(SubsidyCommon):
    def test_paid_orders_queue_in_payment_order(self):
        entries, orders = self._worked_orders()
        self.assertEqual([e.target for e in entries], [50.0, 150.0, 25.0, 100.0])
        self.assertEqual([e.contribution for e in entries], [20.0, 60.0, 10.0, 40.0])
        self.assertEqual([e.position for e in entries], [1, 2, 3, 4])
        self.assertEqual(entries[3].amount_ahead, 225.0)
        self.assertEqual(self._pool_balance(), 130.0)
        self.assertEqual(set(orders[0].mapped("subsidy_state")), {"queued"})
        self.assertEqual(entries[0].account_id.partner_id, self.shoppers[0])
        self.assertConservation()

    def test_confirmed_but_unpaid_order_does_not_queue(self):
        order = self._order(self.shoppers[0], 100.0)
        invoice = order._create_invoices()
        invoice.action_post()
        self.assertFalse(order.subsidy_entry_id)
        self.assertEqual(order.subsidy_state, "none")
        self.assertEqual(self._pool_balance(), 0.0)

    def test_one_entry_per_order_whatever_the_retries(self):
        order = self._paid_order(self.shoppers[0], 100.0)
        order._subsidy_on_paid()
        order.write({"subsidy_state": "waiting"})
        order._subsidy_enqueue()
        order.invoice_ids._invoice_paid_hook()
        self.assertEqual(len(order.subsidy_entry_ids), 1)
        self.assertEqual(
            self.env["subsidy.pool.line"].search_count(
                [("sale_order_id", "=", order.id), ("kind", "=", "contribution")]
            ),
            1,
        )
        self.assertEqual(self._pool_balance(), 20.0)

    def test_untaxed_eligible_amount_is_the_base(self):
        tax = self.env["account.tax"].create(
            {"name": "VAT 13%", "amount": 13.0, "company_id": self.company.id}
        )
        self.product.taxes_id = tax
        order = self._paid_order(self.shoppers[0], 100.0)
        self.assertEqual(order.amount_total, 113.0)
        self.assertEqual(order.subsidy_entry_id.base_amount, 100.0)
        self.assertEqual(order.subsidy_entry_id.target, 50.0)

    def test_eligibility_by_product_and_category(self):
        self.program.product_ids = self.product
        order = self.env["sale.order"].create(
            {
                "partner_id": self.shoppers[0].id,
                "order_line": [
                    Command.create({"product_id": self.product.id, "price_unit": 80.0}),
                    Command.create({"product_id": self.other_product.id, "price_unit": 20.0}),
                ],
            }
        )
        order.action_confirm()
        self._pay(order)
        self.assertEqual(order.subsidy_entry_id.base_amount, 80.0)
        category = self.env["product.category"].create({"name": "Kitchen"})
        self.program.write({"product_ids": [Command.clear()], "product_category_ids": category.ids})
        other = self._paid_order(self.shoppers[1], 60.0, product=self.other_product)
        self.assertFalse(other.subsidy_entry_id)
        self.assertEqual(other.subsidy_state, "ineligible")

    def _loyalty_program(self, program_type, trigger_product=None):
        """A loyalty program as Odoo's sale_loyalty tests make them: a gift card or an eWallet
        topped up by ``trigger_product`` and spent 1:1 on an order; else a 10 % promotion."""
        payment = program_type in ("gift_card", "ewallet")
        rule = {"reward_point_amount": 1, "reward_point_mode": "money" if payment else "order"}
        if trigger_product:
            rule["product_ids"] = [Command.set(trigger_product.ids)]
        reward = {"reward_type": "discount", "discount_applicability": "order", "required_points": 1}
        reward.update({"discount": 1, "discount_mode": "per_point"} if payment else {"discount": 10})
        return self.env["loyalty.program"].create(
            {
                "name": f"Test {program_type}",
                "program_type": program_type,
                "company_id": self.company.id,
                "currency_id": self.cny.id,
                "applies_on": "future" if payment else "current",
                "trigger": "auto",
                "rule_ids": [Command.create(rule)],
                "reward_ids": [Command.create(reward)],
            }
        )

    def _pay_with(self, order, program, points):
        """Spend ``points`` of a card of ``program`` (a gift card, an eWallet) on ``order``."""
        card = self.env["loyalty.card"].create(
            {"program_id": program.id, "partner_id": order.partner_id.id, "points": points}
        )
        if program.program_type == "gift_card":  # entered by its code; an eWallet is the shopper's own
            self.assertNotIn("error", order._try_apply_code(card.code))
        self.assertEqual(order._apply_program_reward(program.reward_ids, card), {})
        return card

    def test_gift_cards_and_ewallets_are_payments_not_sales(self):
        """Buying a gift card or topping up an eWallet earns nothing; paying with one is a
        means of payment: the order earns on what it sells. A discount still lowers the
        amount, and so does spending the queue's own store credit (from its wind-down)."""
        gift, top_up = self.env["product.product"].create(
            [
                {"name": name, "type": "service", "list_price": 50.0, "taxes_id": [Command.clear()]}
                for name in ("Gift Card 50", "eWallet Top-up 50")
            ]
        )
        gift_cards = self._loyalty_program("gift_card", gift)
        ewallet = self._loyalty_program("ewallet", top_up)
        # A rice cooker and a gift card: the rice cooker earns.
        order = self._order(self.shoppers[0], 100.0, confirm=False)
        order.order_line = [Command.create({"product_id": gift.id, "price_unit": 50.0})]
        order.action_confirm()
        self._pay(order)
        self.assertEqual(order.amount_total, 150.0)
        self.assertEqual((order.subsidy_entry_id.base_amount, order.subsidy_entry_id.target), (100.0, 50.0))
        # A top-up alone earns nothing.
        top = self._paid_order(self.shoppers[1], 50.0, product=top_up)
        self.assertEqual((top.subsidy_state, top.subsidy_entry_id.id), ("ineligible", False))
        # 30.00 paid with a gift card, 20.00 with a bought eWallet: the rice cooker earns in full.
        for program, points, shopper in (
            (gift_cards, 30.0, self.shoppers[2]),
            (ewallet, 20.0, self.shoppers[3]),
        ):
            with self.subTest(program=program.program_type):
                order = self._order(shopper, 100.0, confirm=False)
                self._pay_with(order, program, points)
                order.action_confirm()
                self._pay(order)
                self.assertEqual(order.amount_total, 100.0 - points)
                self.assertEqual(order.subsidy_entry_id.base_amount, 100.0)
        # The queue's store credit is the queue's money: spending 40.00 of it lowers the amount.
        store_credit = self.program._ewallet()
        order = self._order(self.shoppers[4], 100.0, confirm=False)
        self._pay_with(order, store_credit, 40.0)
        order.action_confirm()
        self._pay(order)
        self.assertEqual(order.subsidy_entry_id.base_amount, 60.0)
        # So does a 10 % promotion.
        promotion = self._loyalty_program("promotion")
        order = self._order(self.shoppers[5], 100.0, confirm=False)
        order._update_programs_and_rewards()
        self.assertEqual(
            order._apply_program_reward(promotion.reward_ids, order.coupon_point_ids.coupon_id), {}
        )
        order.action_confirm()
        self._pay(order)
        self.assertEqual((order.amount_total, order.subsidy_entry_id.base_amount), (90.0, 90.0))
        self.assertConservation()

    def test_minimum_order_amount(self):
        self.program.min_order_amount = 50.0
        small = self._paid_order(self.shoppers[0], 49.99)
        big = self._paid_order(self.shoppers[1], 50.0)
        self.assertEqual(small.subsidy_state, "ineligible")
        self.assertTrue(big.subsidy_entry_id)

    def test_channels(self):
        self.program.channel_sale = False
        back_office = self._paid_order(self.shoppers[0], 100.0)
        self.assertFalse(back_office.subsidy_entry_id)
        website = self.env["website"].search([], limit=1)
        website.company_id = self.company
        online = self._paid_order(self.shoppers[1], 100.0, website_id=website.id)
        self.assertEqual(online.subsidy_entry_id.channel, "website")

    def test_currency_mismatch_is_not_eligible(self):
        usd = self.env.ref("base.USD")
        usd.active = True
        pricelist = self.env["product.pricelist"].create(
            {"name": "USD", "currency_id": usd.id, "company_id": self.company.id}
        )
        order = self._paid_order(self.shoppers[0], 100.0, pricelist_id=pricelist.id)
        self.assertEqual(order.currency_id, usd)
        self.assertEqual(order.subsidy_state, "ineligible")
        self.assertFalse(order.subsidy_entry_id)
        self.assertIn("USD", order.message_ids[0].body)
        self.assertEqual(self._pool_balance(), 0.0)

    def test_orders_of_another_company_stay_out(self):
        other_company = self._create_subsidy_company("Other Shop")
        self.env.user.company_ids |= other_company
        env = self.env(
            context=dict(self.env.context, allowed_company_ids=[other_company.id, self.company.id])
        )
        order = self._paid_order(self.shoppers[0].with_env(env), 100.0, company_id=other_company.id)
        self.assertFalse(order.subsidy_entry_id)
        self.assertEqual(self.program.queued_count, 0)

    def test_rate_changes_apply_to_new_entries_only(self):
        first = self._paid_order(self.shoppers[0], 100.0).subsidy_entry_id
        with Form(self.program) as program:
            program.subsidy_rate = 80.0
        second = self._paid_order(self.shoppers[1], 100.0).subsidy_entry_id
        self.assertEqual(first.target, 50.0)
        self.assertEqual(first.subsidy_rate, 50.0)
        self.assertEqual(second.target, 80.0)

    def test_cap_per_entry(self):
        self.program.cap_amount = 100.0
        entry = self._paid_order(self.shoppers[0], 1000.0).subsidy_entry_id
        self.assertEqual(entry.target, 100.0)
        self.assertEqual(entry.contribution, 200.0)

    def test_return_window_trigger(self):
        self.program.write({"trigger": "return_window", "return_window_days": 7})
        order = self._paid_order(self.shoppers[0], 100.0)
        self.assertEqual(order.subsidy_state, "waiting")
        self.assertFalse(order.subsidy_entry_id)
        self.env["sale.order"]._cron_enqueue_due()
        self.assertFalse(order.subsidy_entry_id, "the return window is not over yet")
        order.subsidy_paid_date = fields.Datetime.now() - timedelta(days=8)
        self.env["sale.order"]._cron_enqueue_due()
        self.env["sale.order"]._cron_enqueue_due()
        self.assertEqual(order.subsidy_state, "queued")
        self.assertEqual(len(order.subsidy_entry_ids), 1)

    def test_refund_inside_return_window_shrinks_the_base(self):
        self.program.write({"trigger": "return_window", "return_window_days": 7})
        order = self._paid_order(self.shoppers[0], 100.0)
        self._refund(order, 40.0)
        order.subsidy_paid_date = fields.Datetime.now() - timedelta(days=8)
        self.env["sale.order"]._cron_enqueue_due()
        self.assertEqual(order.subsidy_entry_id.base_amount, 60.0)
        self.assertEqual(order.subsidy_entry_id.target, 30.0)

    def test_portal_sign_up_opens_an_account(self):
        user = self.env["res.users"].create(
            {
                "name": "New Shopper",
                "login": "new.shopper@example.com",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        account = self.env["subsidy.account"].search([("partner_id", "=", user.partner_id.id)])
        self.assertEqual(account.program_id, self.program)
        self.assertEqual(account.balance, 0.0)
        order = self._paid_order(user.partner_id, 100.0)
        self.assertEqual(order.subsidy_entry_id.account_id, account)
