from odoo import SUPERUSER_ID, Command, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, TransactionCase, get_db_name, new_test_user

from ..engine import BLOCK_SIZE, block_of, standing_from_sums


class SubsidyCommon(TransactionCase):
    """A company in CNY with a chart of accounts, four shoppers and the
    program of DESIGN.md's worked examples (20 % into the pool, 50 % back)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_notrack=True))
        cls.cny = cls.env.ref("base.CNY")
        cls.cny.active = True
        cls.company = cls._create_subsidy_company("Queue Shop")
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        cls.env.user.write({"company_ids": [Command.link(cls.company.id)], "company_id": cls.company.id})
        cls.manager = new_test_user(
            cls.env,
            login="subsidy_manager_1",
            groups="base.group_user,subsidy_queue.group_subsidy_manager,sales_team.group_sale_manager,"
            "account.group_account_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.manager_2 = new_test_user(
            cls.env,
            login="subsidy_manager_2",
            groups="base.group_user,subsidy_queue.group_subsidy_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.subsidy_user = new_test_user(
            cls.env,
            login="subsidy_user_1",
            groups="base.group_user,subsidy_queue.group_subsidy_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Rice cooker", "type": "service", "list_price": 100.0, "taxes_id": [Command.clear()]}
        )
        cls.other_product = cls.env["product.product"].create(
            {"name": "Gift card", "type": "service", "list_price": 50.0, "taxes_id": [Command.clear()]}
        )
        cls.shoppers = cls.env["res.partner"].create(
            [{"name": f"Shopper {letter}", "email": f"{letter.lower()}@example.com"} for letter in "ABCDEF"]
        )
        cls.program = cls.env["subsidy.program"].create(
            {
                "name": "Worked example",
                "company_id": cls.company.id,
                "currency_id": cls.cny.id,
                "contribution_rate": 20.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 50.0,
            }
        )

    @classmethod
    def _create_subsidy_company(cls, name):
        company = cls.env["res.company"].create({"name": name, "currency_id": cls.env.ref("base.CNY").id})
        cls.env["account.chart.template"].try_loading("generic_coa", company=company, install_demo=False)
        company.currency_id = cls.env.ref("base.CNY")
        return company

    @classmethod
    def _order(cls, partner, amount, product=None, confirm=True, **vals):
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "company_id": vals.pop("company_id", cls.company.id),
                "order_line": [
                    Command.create(
                        {
                            "product_id": (product or cls.product).id,
                            "product_uom_qty": 1,
                            "price_unit": amount,
                        }
                    )
                ],
                **vals,
            }
        )
        if confirm:
            order.action_confirm()
        return order

    @classmethod
    def _pay(cls, order):
        """Invoice the order and register its full payment, as an accountant would."""
        invoice = order._create_invoices()
        invoice.action_post()
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        return invoice

    @classmethod
    def _paid_order(cls, partner, amount, **kwargs):
        order = cls._order(partner, amount, **kwargs)
        cls._pay(order)
        return order

    def _refund(self, order, amount=None):
        """Post a credit note for the order's invoice (all of it, or ``amount``)."""
        invoice = order.invoice_ids.filtered(lambda m: m.move_type == "out_invoice")[:1]
        wizard = (
            self.env["account.move.reversal"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Returned"})
        )
        refund = self.env["account.move"].browse(wizard.reverse_moves()["res_id"])
        if amount is not None:
            refund.invoice_line_ids[:1].price_unit = amount
        refund.action_post()
        return refund

    def _worked_orders(self):
        """The four paid orders of DESIGN.md: A 100, B 300, C 50, D 200."""
        amounts = (100.0, 300.0, 50.0, 200.0)
        orders = [self._paid_order(shopper, amount) for shopper, amount in zip(self.shoppers, amounts)]
        return [order.subsidy_entry_id for order in orders], orders

    def _pool_balance(self, program=None):
        program = program or self.program
        program.invalidate_recordset()
        return program.pool_balance

    def assertConservation(self, program=None):
        """Pool in = pool out + pool balance; entries got exactly what was allocated."""
        program = program or self.program
        lines = self.env["subsidy.pool.line"].search([("program_id", "=", program.id)])
        kinds = [kind for kind, _label in self.env["subsidy.pool.line"]._fields["kind"].selection]
        by_kind = {
            kind: sum(lines.filtered(lambda x, k=kind: x.kind == k).mapped("amount")) for kind in kinds
        }
        balance = lines[:1].balance if lines else 0.0
        currency = program.currency_id
        self.assertTrue(currency.is_zero(sum(by_kind.values()) - balance), "ledger sum != running balance")
        entries = (
            self.env["subsidy.entry"]
            .with_context(active_test=False)
            .search([("program_id", "=", program.id)])
        )
        self.assertTrue(
            currency.is_zero(sum(entries.mapped("received")) + by_kind["allocation"] + by_kind["clawback"]),
            "entries' received != allocations - clawbacks",
        )
        self.assertTrue(
            currency.is_zero(sum(entries.mapped("credited")) + by_kind["conversion"]),
            "entries' store credit != conversions",
        )
        for entry in entries:
            self.assertLessEqual(currency.compare_amounts(entry.received + entry.credited, entry.target), 0)
        for account in program.account_ids:
            self.assertGreaterEqual(currency.compare_amounts(account.balance, 0.0), 0)


class WithdrawalCommon(SubsidyCommon):
    """Shoppers with money on their subsidy accounts, ready to withdraw."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 25 % in, 25 % back: every entry funds itself, so each settlement pays
        # the shoppers exactly what their own purchases earned.
        cls.program.write(
            {
                "max_margin_rate": 30.0,
                "contribution_rate": 25.0,
                "subsidy_rate": 25.0,
                "withdraw_min_amount": 10.0,
                "withdraw_max_amount": 5000.0,
                "withdraw_daily_count": 3,
                "withdraw_daily_amount": 6000.0,
                "withdraw_fee_fixed": 1.0,
                "withdraw_fee_percent": 0.5,
                "withdraw_double_approval_amount": 1000.0,
            }
        )
        cls.alice, cls.bob = cls.shoppers[0], cls.shoppers[1]
        cls.alice_bank = cls.env["res.partner.bank"].create(
            {"acc_number": "6222020200112233445", "partner_id": cls.alice.id, "acc_holder_name": "Shopper A"}
        )
        cls.bob_bank = cls.env["res.partner.bank"].create(
            {"acc_number": "6222020200998877665", "partner_id": cls.bob.id}
        )
        cls.bank_journal = cls.env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", cls.company.id)], limit=1
        ) or cls.env["account.journal"].create(
            {"name": "Bank", "code": "BNKQ", "type": "bank", "company_id": cls.company.id}
        )
        cls.program.payout_journal_id = cls.bank_journal
        cls.manager.write({"groups_id": [Command.link(cls.env.ref("account.group_account_manager").id)]})
        cls.manager_2.write({"groups_id": [Command.link(cls.env.ref("account.group_account_manager").id)]})

    def _fund(self, partner, amount):
        """Give ``partner`` ``amount`` on their balance through a real queue entry and run."""
        program = self.program
        program._lock()
        self.env["subsidy.entry"]._enqueue(program, partner, program._units(amount * 4), "sale", "funding")
        program._settle()
        return self.env["subsidy.account"].search(
            [("partner_id", "=", partner.id), ("program_id", "=", program.id)]
        )

    def _withdrawal(self, account, amount, **vals):
        values = {"account_id": account.id, "amount": amount, "bank_account_id": self.alice_bank.id}
        if account.partner_id == self.bob:
            values["bank_account_id"] = self.bob_bank.id
        values.update(vals)
        return self.env["subsidy.withdrawal"].create(values)

    def _batch(self, withdrawals=None):
        """A manager's draft payout batch on the bank journal, holding ``withdrawals``."""
        batch = (
            self.env["subsidy.payout.batch"]
            .with_user(self.manager)
            .create({"journal_id": self.bank_journal.id})
        )
        if withdrawals:
            batch._add_withdrawals(withdrawals)
        return batch

    def _gl_payable(self):
        """Balance of the shoppers' payable in the general ledger (credit positive)."""
        self.program._post_pending_pool_lines()
        self.env.flush_all()
        lines = self.env["account.move.line"].search(
            [("account_id", "=", self.program.payable_account_id.id), ("parent_state", "=", "posted")]
        )
        return -sum(lines.mapped("balance"))

    def assertPayableMatches(self):
        accounts = self.env["subsidy.account"].search([("program_id", "=", self.program.id)])
        owed = sum(accounts.mapped("balance")) + sum(accounts.mapped("held"))
        self.assertTrue(
            self.program.currency_id.is_zero(self._gl_payable() - owed),
            f"GL payable {self._gl_payable()} != available + held {owed}",
        )


class WindDownCommon(SubsidyCommon):
    """A queue worth winding down: queued, partly paid, voided and refunded entries,
    and an open withdrawal (see ``_prepare``)."""

    def _prepare(self):
        """Queued, partly paid, voided and refunded entries, and an open withdrawal.

        Orders A 100 (shopper A), B 300 (B), C 50 (C), D 200 (D), E 80 (A again),
        F 120 (E, voided), G 60 (F, refunded in full): 182.00 into the pool. G's
        refund reverses 12.00; D is refunded 50.00 (target 75.00, 10.00 reversed):
        pool 160.00. The run pays A 50.00 and B 110.00 (40.00 to go). Then H 100
        (B): 20.00 in the pool. Owed: B 40, C 25, D 75, E 40, H 50 = 230.00.
        A asks to withdraw 20.00 of the 50.00 received.
        """
        a, b, c, d, e, f = self.shoppers
        plan = (
            ("A", a, 100),
            ("B", b, 300),
            ("C", c, 50),
            ("D", d, 200),
            ("E", a, 80),
            ("F", e, 120),
            ("G", f, 60),
        )
        orders = {key: self._paid_order(partner, amount) for key, partner, amount in plan}
        entries = {key: order.subsidy_entry_id for key, order in orders.items()}
        self._refund(orders["G"])
        self._refund(orders["D"], 50.0)
        entries["F"].with_user(self.manager)._request_void("Ordered by mistake")
        entries["F"].with_user(self.manager_2).action_approve_void()
        self.program._settle()
        orders["H"] = self._paid_order(b, 100)
        entries["H"] = orders["H"].subsidy_entry_id
        bank = self.env["res.partner.bank"].create(
            {"acc_number": "6222020200112233445", "partner_id": a.id, "acc_holder_name": "Shopper A"}
        )
        withdrawal = self.env["subsidy.withdrawal"].create(
            {"account_id": entries["A"].account_id.id, "amount": 20.0, "bank_account_id": bank.id}
        )
        withdrawal.with_user(self.manager).action_submit()
        self.assertEqual(
            [entries[key].state for key in "ABCDEFGH"],
            ["done", "queued", "queued", "queued", "queued", "cancelled", "cancelled", "queued"],
        )
        self.assertEqual(self._pool_balance(), 20.0)
        return entries, orders, withdrawal

    def _close(self, option):
        wizard = (
            self.env["subsidy.program.wind.down"]
            .with_user(self.manager)
            .create({"program_id": self.program.id, "option": option, "reason": "The shop closes"})
        )
        wizard.action_request()
        review = (
            self.env["subsidy.program.wind.down"]
            .with_user(self.manager_2)
            .create({"program_id": self.program.id})
        )
        self.assertTrue(review.requested)
        self.assertEqual(review.requested_option, option)
        review.action_approve()
        self.program.invalidate_recordset()

    def _card_points(self):
        cards = self.env["loyalty.card"].search([("program_id", "=", self.program.ewallet_program_id.id)])
        return {card.partner_id.name: card.points for card in cards}

    def _gl(self, account):
        self.env.flush_all()
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        )
        return -sum(lines.mapped("balance"))


class CommittedCase(BaseCase):
    """Tests that need data other cursors can see: real, committed transactions.

    Each test commits its fixtures through ``self.registry.cursor()`` and
    removes them again in its cleanup.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())

    def _create_program(self, env, **vals):
        """A committed program of the main company (20 % in, 50 % back unless ``vals`` say otherwise)."""
        company = env.ref("base.main_company")
        return env["subsidy.program"].create(
            {
                "company_id": company.id,
                "currency_id": company.currency_id.id,
                "contribution_rate": 20.0,
                "max_margin_rate": 25.0,
                "subsidy_rate": 50.0,
                **vals,
            }
        )

    def _env(self, cr):
        # The registry this test already holds: looking it up by name takes the
        # registries' lock, which Odoo's own test runner keeps while it runs the
        # post-install tests, and a second worker's thread would wait for ever.
        if cr.transaction is None:
            cr.transaction = api.Transaction(self.registry)
        return api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True, "mail_notrack": True})


class QueueBook:
    """An in-memory queue of one program, with its block sums."""

    def __init__(self):
        self.entries = {}  # seq -> [target, received, state]
        self.blocks = {}  # block -> [queued_count, outstanding]
        self.next_seq = 1

    def _block(self, seq):
        return self.blocks.setdefault(block_of(seq), [0, 0])

    def add(self, target):
        """Queue a new entry needing ``target``; return its sequence."""
        if target <= 0:
            raise ValueError("an entry's target must be positive")
        seq = self.next_seq
        self.next_seq += 1
        self.entries[seq] = [target, 0, "queued"]
        block = self._block(seq)
        block[0] += 1
        block[1] += target
        return seq

    def pay(self, seq, amount):
        """Pay ``amount`` to the queued entry ``seq``."""
        entry = self.entries[seq]
        target, received, state = entry
        if state != "queued" or amount <= 0 or received + amount > target:
            raise ValueError(f"cannot pay {amount} to entry {seq}")
        entry[1] = received + amount
        block = self._block(seq)
        block[1] -= amount
        if entry[1] == target:
            entry[2] = "done"
            block[0] -= 1

    def leave(self, seq, state="cancelled"):
        """Take the queued entry ``seq`` out of the queue."""
        entry = self.entries[seq]
        if entry[2] != "queued":
            raise ValueError(f"entry {seq} is not queued")
        entry[2] = state
        block = self._block(seq)
        block[0] -= 1
        block[1] -= entry[0] - entry[1]

    def queued(self):
        """Yield ``(seq, remaining)`` of the queued entries in turn."""
        for seq in sorted(self.entries):
            target, received, state = self.entries[seq]
            if state == "queued":
                yield seq, target - received

    def standing(self, seq):
        """Return ``(position, amount_ahead, paid_in_full_after)`` from the sums."""
        target, received, _state = self.entries[seq]
        mine = block_of(seq)
        count = outstanding = 0
        for number, (queued, need) in self.blocks.items():
            if number < mine:
                count += queued
                outstanding += need
        for other in range(mine * BLOCK_SIZE, seq):
            row = self.entries.get(other)
            if row and row[2] == "queued":
                count += 1
                outstanding += row[0] - row[1]
        return standing_from_sums(count, outstanding, target - received)

    def standing_by_scan(self, seq):
        """The same figures by a full scan: the slow, obvious reference."""
        target, received, _state = self.entries[seq]
        ahead = [(t - r) for s, (t, r, st) in self.entries.items() if s < seq and st == "queued"]
        return standing_from_sums(len(ahead), sum(ahead), target - received)
