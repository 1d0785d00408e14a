from datetime import timedelta
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import PosSubsidyCommon


@tagged("post_install", "-at_install")
class TestPosEntries(PosSubsidyCommon):
    def _entries(self):
        return self.env["subsidy.entry"].search([("pos_order_id", "!=", False)])

    def _contributions(self, entry):
        return self.env["subsidy.pool.line"].search(
            [("entry_id", "=", entry.id), ("kind", "=", "contribution")]
        )

    def test_paid_order_with_customer_queues_once(self):
        order = self._pos_order(self.alice, 100.0)
        self.assertEqual(order.state, "paid")
        entry = order.subsidy_entry_id
        self.assertEqual(order.subsidy_state, "queued")
        self.assertRecordValues(
            entry,
            [
                {
                    "channel": "pos",
                    "base_amount": 100.0,
                    "contribution": 25.0,
                    "target": 25.0,
                    "state": "queued",
                }
            ],
        )
        self.assertEqual(entry.pos_config_id, self.config)
        self.assertEqual(entry.pos_session_id, self.pos_session)
        self.assertEqual(entry.partner_id, self.alice)
        self.assertEqual(self._contributions(entry).amount, 25.0)
        self.assertBooks()

    def test_worked_example_through_the_till(self):
        """DESIGN.md's worked example, the four orders paid at the till."""
        self.program.write({"contribution_rate": 20.0, "subsidy_rate": 50.0})
        orders = [
            self._pos_order(shopper, amount)
            for shopper, amount in zip(self.shoppers, (100.0, 300.0, 50.0, 200.0))
        ]
        a, b, c, d = (order.subsidy_entry_id for order in orders)
        self.assertEqual([e.target for e in (a, b, c, d)], [50.0, 150.0, 25.0, 100.0])
        self.assertEqual(self._pool_balance(), 130.0)
        self.program._settle()
        self.assertEqual([e.received for e in (a, b, c, d)], [50.0, 80.0, 0.0, 0.0])
        self.assertEqual([e.position for e in (b, c, d)], [1, 2, 3])
        self.assertEqual([e.amount_ahead for e in (b, c, d)], [0.0, 70.0, 95.0])
        self.assertBooks()

    def test_synced_twice_and_in_a_batch(self):
        first = self._ui_order([(self.product, 2, 60.0)], self.alice)
        second = self._ui_order([(self.product, 1, 80.0)], self.bob)
        orders = self._sync(first, second)
        self.assertEqual(orders.mapped("subsidy_state"), ["queued", "queued"])
        # The till did not get the answer and sends both again (and a third order).
        third = self._ui_order([(self.other_product, 1, 40.0)], self.alice)
        self._sync(first, second, third)
        entries = self._entries()
        self.assertEqual(len(entries), 3)
        self.assertEqual(sorted(entries.mapped("base_amount")), [40.0, 80.0, 120.0])
        self.assertEqual(
            len(
                self.env["subsidy.pool.line"].search(
                    [("kind", "=", "contribution"), ("entry_id", "in", entries.ids)]
                )
            ),
            3,
        )
        self.assertBooks()

    def test_order_saved_as_draft_then_paid(self):
        data = self._ui_order([(self.product, 1, 100.0)], self.alice, payments=[], state="draft")
        order = self._sync(data)
        self.assertEqual((order.state, order.subsidy_state), ("draft", "none"))
        self.assertFalse(self._entries())
        data.update(self._ui_order([(self.product, 1, 100.0)], self.alice, uuid=data["uuid"]))
        # The till sends back the fields it loaded with the draft.
        data.update(subsidy_state="none", subsidy_note=False, subsidy_paid_date=False)
        order = self._sync(data)
        self.assertEqual((order.state, order.subsidy_state), ("paid", "queued"))
        self.assertEqual(len(self._entries()), 1)
        self.assertBooks()

    def test_queue_fields_are_the_servers(self):
        data = self._ui_order([(self.product, 1, 100.0)], None)
        data.update(subsidy_state="queued", subsidy_note="forged")
        order = self._sync(data)
        self.assertEqual(order.subsidy_state, "ineligible")
        self.assertNotEqual(order.subsidy_note, "forged")
        with self.assertRaisesRegex(UserError, "only be changed by the workflow"):
            order.with_user(self.cashier).write({"subsidy_state": "waiting"})
        with self.assertRaisesRegex(UserError, "recorded by the till only"):
            self._order(self.alice, 10.0).with_user(self.manager).write(
                {"pos_collected_date": fields.Datetime.now()}
            )

    def test_order_without_customer_invites_to_register(self):
        order = self._pos_order(None, 100.0)
        self.assertEqual(order.subsidy_state, "ineligible")
        self.assertFalse(self._entries())
        receipt = order.subsidy_receipt
        self.assertTrue(receipt["invite"])
        self.assertTrue(receipt["register_url"].endswith("/web/signup"))
        self.assertNotIn("entry", receipt)
        self.assertBooks()

    def test_late_offline_sync_into_a_closed_session(self):
        """Recorded offline in a session closed since: the order goes to the shop's open session."""
        old_session = self.pos_session
        data = self._ui_order([(self.product, 1, 100.0)], self.alice)
        data["date_order"] = fields.Datetime.to_string(fields.Datetime.now() - timedelta(hours=5))
        self._close(old_session)
        new_session = self._open_session(self.config)
        order = self._sync(data)
        self.assertEqual(order.session_id, new_session)
        self.assertEqual(order.subsidy_entry_id.pos_session_id, new_session)
        self.assertEqual(order.subsidy_entry_id.base_amount, 100.0)
        self.assertBooks()

    def test_closed_session_without_open_one_refuses_and_queues_nothing(self):
        data = self._ui_order([(self.product, 1, 100.0)], self.alice)
        self._close()
        with self.assertRaisesRegex(UserError, "No open session"), self.env.cr.savepoint():
            self._sync(data)
        self.assertFalse(self._entries())
        self.assertBooks()

    def test_customer_of_another_company(self):
        other = self._create_subsidy_company("Other Queue Shop")
        stranger = self.env["res.partner"].create({"name": "Stranger", "company_id": other.id})
        order = self._pos_order(stranger, 100.0)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.subsidy_state, "ineligible")
        self.assertIn("another company", order.subsidy_note)
        self.assertFalse(self._entries())
        self.assertBooks()

    def test_negative_quantity_line_lowers_the_base(self):
        """An item taken back in the same ticket (no refund flow) nets against the sale."""
        order = self._sync(
            self._ui_order([(self.product, 2, 100.0), (self.other_product, -1, 50.0)], self.alice)
        )
        self.assertEqual(order.amount_total, 150.0)
        self.assertEqual(order.subsidy_entry_id.base_amount, 150.0)
        self.assertEqual(order.subsidy_entry_id.target, 37.5)
        # A ticket that gives back more than it sells queues nothing.
        order = self._sync(
            self._ui_order(
                [(self.product, 1, 20.0), (self.other_product, -1, 50.0)],
                self.bob,
                payments=[(self.cash_pm, -30.0)],
            )
        )
        self.assertEqual(order.subsidy_state, "ineligible")
        self.assertFalse(order.subsidy_entry_id)
        self.assertBooks()

    def test_zero_amount_order(self):
        order = self._pos_order(self.alice, 0.0)
        self.assertEqual(order.state, "paid")
        self.assertEqual(order.subsidy_state, "ineligible")
        self.assertIn("no eligible product", order.subsidy_note)
        self.assertFalse(self._entries())
        self.assertBooks()

    def test_minimum_amount_and_eligible_categories(self):
        self.program.min_order_amount = 50.0
        small = self._pos_order(self.alice, 49.99)
        self.assertEqual(small.subsidy_state, "ineligible")
        self.program.min_order_amount = 0.0
        self.program.product_ids = self.product
        mixed = self._sync(
            self._ui_order([(self.product, 1, 100.0), (self.other_product, 1, 50.0)], self.bob)
        )
        self.assertEqual(mixed.subsidy_entry_id.base_amount, 100.0)
        self.assertBooks()

    def test_eligible_category_covers_its_children(self):
        kitchen = self.env["product.category"].create({"name": "Kitchen"})
        cookers = self.env["product.category"].create({"name": "Cookers", "parent_id": kitchen.id})
        self.product.categ_id = cookers
        self.program.product_category_ids = kitchen
        order = self._sync(
            self._ui_order([(self.product, 1, 100.0), (self.other_product, 1, 50.0)], self.alice)
        )
        self.assertEqual(order.subsidy_entry_id.base_amount, 100.0)
        self.program.product_category_ids = False
        order = self._sync(
            self._ui_order([(self.product, 1, 100.0), (self.other_product, 1, 50.0)], self.bob)
        )
        self.assertEqual(order.subsidy_entry_id.base_amount, 150.0)
        self.assertBooks()

    def test_order_queues_in_the_program_it_is_eligible_in(self):
        gift_cards = self.env["subsidy.program"].create(
            {
                "name": "Gift cards only",
                "code": "G",
                "company_id": self.company.id,
                "currency_id": self.cny.id,
                "contribution_rate": 10.0,
                "max_margin_rate": 20.0,
                "subsidy_rate": 20.0,
                "sequence": -10,
                "product_ids": [(6, 0, self.other_product.ids)],
            }
        )
        cooker = self._pos_order(self.alice, 100.0)
        self.assertEqual(cooker.subsidy_entry_id.program_id, self.program)
        card = self._pos_order(self.bob, 50.0, product=self.other_product)
        self.assertEqual(card.subsidy_entry_id.program_id, gift_cards)
        self.assertEqual(card.subsidy_entry_id.target, 10.0)
        self.assertBooks()
        self.assertConservation(gift_cards)

    def test_settling_a_sale_order_that_queues_on_its_own(self):
        """pos_sale's settle flow: lines paying a sale order already queued add no entry."""
        sale = self._paid_order(self.alice, 100.0)
        self.assertEqual(sale.subsidy_entry_id.base_amount, 100.0)
        settle = self._line(
            self.product, 1, 100.0, sale_order_origin_id=sale.id, sale_order_line_id=sale.order_line.id
        )
        order = self._sync(self._ui_order([settle, (self.other_product, 1, 50.0)], self.alice))
        self.assertEqual(order.subsidy_entry_id.base_amount, 50.0)
        self.assertEqual(self.env["subsidy.entry"].search_count([("partner_id", "=", self.alice.id)]), 2)
        self.assertBooks()

    def test_tip_is_not_eligible(self):
        tip = self.env["product.product"].create({"name": "Tip", "type": "service", "available_in_pos": True})
        self.config.write({"iface_tipproduct": True, "tip_product_id": tip.id})
        order = self._sync(self._ui_order([(self.product, 1, 100.0), (tip, 1, 10.0)], self.alice))
        self.assertEqual(order.subsidy_entry_id.base_amount, 100.0)
        self.assertBooks()

    def test_gift_cards_are_payments_not_sales(self):
        """At the till as online: a gift card sold earns nothing, a gift card spent is a means
        of payment (the order earns on what it sells), the queue's store credit spent lowers
        the amount."""
        gift = self.env["product.product"].create(
            {"name": "Gift Card 50", "type": "service", "list_price": 50.0, "available_in_pos": True}
        )
        gift_cards = self.env["loyalty.program"].create(
            {
                "name": "Gift Cards",
                "program_type": "gift_card",
                "company_id": self.company.id,
                "applies_on": "future",
                "trigger": "auto",
                "rule_ids": [
                    Command.create(
                        {"product_ids": gift.ids, "reward_point_amount": 1, "reward_point_mode": "money"}
                    )
                ],
                "reward_ids": [
                    Command.create(
                        {
                            "reward_type": "discount",
                            "discount": 1,
                            "discount_mode": "per_point",
                            "discount_applicability": "order",
                        }
                    )
                ],
            }
        )

        def spend(program, partner, amount):
            card = self.env["loyalty.card"].create(
                {"program_id": program.id, "partner_id": partner.id, "points": 100}
            )
            reward = program.reward_ids
            return self._line(
                reward.discount_line_product_id,
                1,
                -amount,
                reward_id=reward.id,
                is_reward_line=True,
                coupon_id=card.id,
            )

        order = self._sync(
            self._ui_order(
                [(self.product, 1, 100.0), (gift, 1, 50.0), spend(gift_cards, self.alice, 30.0)], self.alice
            )
        )
        self.assertEqual((order.amount_total, order.subsidy_entry_id.base_amount), (120.0, 100.0))
        # Paid in full with a gift card: nothing left in cash, the sale earns all the same.
        order = self._sync(
            self._ui_order([(self.product, 1, 100.0), spend(gift_cards, self.bob, 100.0)], self.bob)
        )
        self.assertEqual((order.amount_total, order.subsidy_entry_id.base_amount), (0.0, 100.0))
        # The queue's store credit is the queue's money: spent, it lowers the amount.
        store_credit = self.program._ewallet()
        carol = self.shoppers[2]
        order = self._sync(
            self._ui_order([(self.product, 1, 100.0), spend(store_credit, carol, 40.0)], carol)
        )
        self.assertEqual((order.amount_total, order.subsidy_entry_id.base_amount), (60.0, 60.0))

    def test_return_window_trigger(self):
        self.program.write({"trigger": "return_window", "return_window_days": 7})
        order = self._pos_order(self.alice, 100.0)
        self.assertEqual(order.subsidy_state, "waiting")
        self.assertEqual(order.subsidy_receipt["return_window_days"], 7)
        self.assertFalse(self._entries())
        # Half of it comes back within the window.
        self._refund(order, {order.lines: 0.5})
        self.env["pos.order"]._cron_subsidy_enqueue_due()
        self.assertEqual(order.subsidy_state, "waiting")
        with patch.object(fields.Datetime, "now", return_value=fields.Datetime.now() + timedelta(days=8)):
            self.env["pos.order"]._cron_subsidy_enqueue_due()
        self.assertEqual(order.subsidy_state, "queued")
        self.assertRecordValues(
            order.subsidy_entry_id, [{"base_amount": 50.0, "refunded_base": 50.0, "target": 12.5}]
        )
        self.assertBooks()

    def test_channel_closed_to_the_till(self):
        self.program.channel_pos = False
        order = self._pos_order(self.alice, 100.0)
        self.assertEqual(order.subsidy_state, "ineligible")
        self.assertFalse(self._entries())
        self.assertBooks()

    def test_sync_failing_after_the_lines_leaves_nothing(self):
        """An error late in the sync (after the lines, after the entry even) undoes all of it."""
        account = self._fund(self.alice, 100.0)
        data = self._ui_order(
            [(self.product, 1, 100.0)], self.alice, payments=[(self.subsidy_pm, 60.0), (self.cash_pm, 40.0)]
        )

        def boom(*args, **kwargs):
            raise ValueError("printer on fire")

        for method in ("_create_order_picking", "read_pos_data"):
            with (
                patch.object(self.registry["pos.order"], method, boom),
                self.assertRaisesRegex(ValueError, "printer on fire"),
                self.env.cr.savepoint(),
            ):
                self._sync(data)
            self.env.invalidate_all()
            self.assertFalse(self.env["pos.order"].search([("uuid", "=", data["uuid"])]))
            self.assertFalse(self._entries())
            self.assertEqual(account.balance, 100.0)
            self.assertFalse(self.env["subsidy.account.line"].search([("kind", "=", "spend")]))
        order = self._sync(data)
        self.assertEqual(order.subsidy_entry_id.base_amount, 100.0)
        self.assertEqual(account.balance, 40.0)
        self.assertBooks()

    def test_direct_ship_products_are_refused(self):
        self.other_product.direct_ship = True
        data = self._ui_order([(self.other_product, 1, 50.0)], self.alice)
        with self.assertRaisesRegex(UserError, "ship directly from a supplier"), self.env.cr.savepoint():
            self._sync(data)
        self.assertFalse(self.env["pos.order"].search([("uuid", "=", data["uuid"])]))
        loaded = self.env["product.product"]._load_pos_data_fields(self.config.id)
        self.assertIn("direct_ship", loaded)
        self.assertBooks()

    def test_customer_created_at_the_till_has_an_account(self):
        partner = (
            self.env["res.partner"]
            .with_user(self.cashier)
            .with_context(pos_config_id=self.config.id)
            .create({"name": "Walk-in Wang"})
        )
        account = self._account(partner)
        self.assertTrue(account)
        info = self.config.with_user(self.cashier).subsidy_account_info(partner.id)
        self.assertEqual((info["enrolled"], info["balance"], info["queued_count"]), (True, 0.0, 0))
        # A partner created elsewhere does not get one until it buys.
        other = self.env["res.partner"].create({"name": "Back-office Bo"})
        self.assertFalse(self._account(other))
        self.assertBooks()

    def test_account_lookup_at_the_till(self):
        self.program.write({"contribution_rate": 20.0, "subsidy_rate": 50.0})
        for shopper, amount in zip(self.shoppers, (100.0, 300.0, 50.0, 200.0)):
            self._pos_order(shopper, amount)
        self.program._settle()
        self._pos_order(self.shoppers[2], 40.0)
        info = self.config.with_user(self.cashier).subsidy_account_info(self.shoppers[2].id)
        self.assertEqual(
            {
                k: info[k]
                for k in (
                    "enrolled",
                    "balance",
                    "queued_count",
                    "best_position",
                    "amount_ahead",
                    "best_remaining",
                )
            },
            {
                "enrolled": True,
                "balance": 0.0,
                "queued_count": 2,
                "best_position": 2,
                "amount_ahead": 70.0,
                "best_remaining": 25.0,
            },
        )
        a = self.config.with_user(self.cashier).subsidy_account_info(self.shoppers[0].id)
        self.assertEqual((a["balance"], a["queued_count"], a["best_position"]), (50.0, 0, False))
        unknown = self.config.with_user(self.cashier).subsidy_account_info(self.shoppers[5].id)
        self.assertFalse(unknown["enrolled"])
        self.assertBooks()

    def test_account_lookup_of_a_contact_and_of_another_company(self):
        """A company's contact shows the company's account (accounts are the commercial
        partner's), archived or not; another company's customer is answered as a missing
        one; what is not a customer id is refused."""
        acme = self.env["res.partner"].create({"name": "Acme Trading", "is_company": True})
        buyer = self.env["res.partner"].create({"name": "Acme Buyer", "parent_id": acme.id})
        self._pos_order(buyer, 80.0)
        info = self.config.with_user(self.cashier).subsidy_account_info(buyer.id)
        self.assertEqual((info["enrolled"], info["queued_count"], info["other_company"]), (True, 1, False))
        self.assertEqual(info["partner_id"], buyer.id)
        other_company = self.env["res.company"].create({"name": "Other Shop Co"})
        stranger = self.env["res.partner"].create({"name": "Far Away Fu", "company_id": other_company.id})
        till = self.config.with_user(self.cashier)
        # Another company's customer is answered as one that does not exist: no oracle.
        self.assertEqual(
            till.subsidy_account_info(stranger.id), till.subsidy_account_info(stranger.id + 10_000)
        )
        self.assertEqual(till.subsidy_account_info(stranger.id)["partner_id"], False)
        # An archived customer is still theirs.
        buyer.active = False
        self.assertEqual(till.subsidy_account_info(buyer.id)["queued_count"], 1)
        for wrong in ("abc", None, True, 45.9, [buyer.id], str(buyer.id)):
            with self.assertRaisesRegex(UserError, "Set a customer"):
                till.subsidy_account_info(wrong)
        with self.assertRaisesRegex(UserError, "Choose one point of sale"):
            self.env["pos.config"].with_user(self.cashier).subsidy_account_info(buyer.id)
        self.assertBooks()

    def test_account_lookup_is_for_cashiers_only(self):
        outsider = self.env["res.users"].create(
            {
                "name": "Outsider",
                "login": "outsider_pos",
                "company_id": self.company.id,
                "company_ids": [Command.set(self.company.ids)],
                "groups_id": [Command.set(self.env.ref("base.group_user").ids)],
            }
        )
        with self.assertRaises(AccessError):
            self.config.with_user(outsider).subsidy_account_info(self.alice.id)
        with self.assertRaises(AccessError):
            self.config.with_user(outsider).subsidy_collect_orders("")

    def test_receipt_shows_the_entry(self):
        self.program.write({"contribution_rate": 20.0, "subsidy_rate": 50.0})
        self._pos_order(self.bob, 300.0)
        order = self._pos_order(self.alice, 100.0)
        receipt = order.with_context(lang="en_US").subsidy_receipt
        entry = order.subsidy_entry_id
        self.assertEqual(receipt["entry"]["name"], entry.name)
        self.assertEqual(receipt["entry"]["position"], 2)
        self.assertEqual(receipt["entry"]["amount_ahead"], 150.0)
        self.assertEqual(receipt["entry"]["target"], 50.0)
        self.assertTrue(receipt["entry"]["estimate"])
        self.assertTrue(receipt["portal_url"].endswith("/my/subsidy"))
        # What the till gets back from the sync carries it.
        data = self._ui_order([(self.product, 1, 10.0)], self.alice)
        result = self.env["pos.order"].with_user(self.cashier).sync_from_ui([data])
        self.assertEqual(result["pos.order"][0]["subsidy_receipt"]["entry"]["target"], 5.0)
        self.assertBooks()

    def test_untaxed_lines_skip_the_tax_engine(self):
        """A line without taxes gets from ``_subsidy_amounts`` what the tax engine would
        return for it; a taxed line goes through the engine."""
        cases = [(1, 19.99, 0.0), (3, 0.333, 0.0), (7, 1.15, 12.5), (-2, 33.33, 0.0), (0.5, 0.01, 0.0)]
        lines = [self._line(self.product, qty, price, discount=discount) for qty, price, discount in cases]
        for command in lines:
            values = command[2]
            price = values["price_unit"] * (1 - values["discount"] / 100.0)
            values["price_subtotal"] = values["price_subtotal_incl"] = self.cny.round(price * values["qty"])
        order = self._sync(self._ui_order(lines, self.alice))
        self.assertEqual(len(order.lines), len(cases))
        for line in order.lines:
            engine = line._compute_amount_line_all()
            self.assertEqual(
                line._subsidy_amounts(), (engine["price_subtotal"], engine["price_subtotal_incl"])
            )
        tax = self.env["account.tax"].create(
            {
                "name": "VAT 13% excluded",
                "amount": 13.0,
                "amount_type": "percent",
                "company_id": self.company.id,
            }
        )
        line = order.lines[0]
        line.tax_ids = tax
        self.assertEqual(line._subsidy_amounts(), (19.99, 22.59))
