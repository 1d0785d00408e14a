import copy
from random import randint

from odoo import Command, fields
from odoo.tests import new_test_user

from odoo.addons.subsidy_queue.tests.common import WithdrawalCommon


class PosSubsidyCommon(WithdrawalCommon):
    """A shop of the subsidy company (CNY) with cash, card and *Subsidy balance*
    payment methods, an open session, and a cashier who syncs orders as the POS
    does (``sync_from_ui``). The program queues POS sales: 25 % into the pool,
    25 % back (see ``WithdrawalCommon``)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = cls.company
        cls.cashier = new_test_user(
            cls.env,
            login="pos_cashier_1",
            groups="base.group_user,base.group_partner_manager,point_of_sale.group_pos_user",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.pos_manager = new_test_user(
            cls.env,
            login="pos_manager_1",
            groups="base.group_user,point_of_sale.group_pos_manager,account.group_account_manager",
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        env = cls.env(context=dict(cls.env.context, allowed_company_ids=company.ids))
        Journal = env["account.journal"]
        cash_journal = Journal.search([("type", "=", "cash"), ("company_id", "=", company.id)], limit=1)
        cls.cash_pm = env["pos.payment.method"].create(
            {"name": "Cash", "journal_id": cash_journal.id, "company_id": company.id}
        )
        cls.card_pm = env["pos.payment.method"].create(
            {"name": "Card", "journal_id": cls.bank_journal.id, "company_id": company.id}
        )
        cls.subsidy_pm = cls.program._subsidy_pos_payment_method()
        cls.config = cls._create_shop("Queue Shop Nanjing Road", cls.cash_pm)
        for product in cls.product | cls.other_product:
            product.available_in_pos = True
        cls.pos_session = cls._open_session(cls.config)

    @classmethod
    def _create_shop(cls, name, cash_pm):
        return (
            cls.env["pos.config"]
            .with_company(cls.company)
            .create(
                {
                    "name": name,
                    "company_id": cls.company.id,
                    "payment_method_ids": [Command.set((cash_pm | cls.card_pm | cls.subsidy_pm).ids)],
                }
            )
        )

    @classmethod
    def _open_session(cls, config):
        config.with_user(cls.cashier).open_ui()
        session = config.current_session_id
        session.set_opening_control(0, None)
        return session

    # ------------------------------------------------------------------
    # Orders as the till sends them
    # ------------------------------------------------------------------

    def _uid(self):
        return "%05d-%03d-%04d" % (randint(1, 99999), randint(1, 999), randint(1, 9999))

    def _line(self, product, qty, price=None, **kwargs):
        price = product.lst_price if price is None else price
        subtotal = self.cny.round(price * qty)
        return Command.create(
            {
                "id": randint(1, 1000000),
                "product_id": product.id,
                "qty": qty,
                "price_unit": price,
                "price_subtotal": subtotal,
                "price_subtotal_incl": subtotal,
                "discount": 0.0,
                "tax_ids": [Command.set([])],
                "pack_lot_ids": [],
                **kwargs,
            }
        )

    @staticmethod
    def _is_command(line):
        return isinstance(line, tuple) and line[0] == 0 and isinstance(line[2], dict) and "qty" in line[2]

    def _ui_order(self, lines, partner=None, payments=None, session=None, uuid=None, state="paid", **vals):
        """The dictionary the POS sends for an order: ``lines`` of
        ``(product, qty[, price])`` or ready commands, ``payments`` of
        ``(method, amount)`` (cash for the whole by default)."""
        session = session or self.pos_session
        commands = [line if self._is_command(line) else self._line(*line) for line in lines]
        total = self.cny.round(sum(line[2]["price_subtotal_incl"] for line in commands))
        if payments is None:
            payments = [(self.cash_pm, total)] if total else []
        uuid = uuid or self._uid()
        return {
            "amount_paid": sum(amount for _method, amount in payments),
            "amount_return": 0,
            "amount_tax": 0,
            "amount_total": total,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "fiscal_position_id": False,
            "pricelist_id": session.config_id.pricelist_id.id,
            "name": f"Order {uuid}",
            "last_order_preparation_change": "{}",
            "lines": commands,
            "partner_id": partner.id if partner else False,
            "session_id": session.id,
            "sequence_number": 2,
            "payment_ids": [
                Command.create(
                    {"amount": amount, "name": fields.Datetime.now(), "payment_method_id": method.id}
                )
                for method, amount in payments
            ],
            "uuid": uuid,
            "access_token": False,
            "user_id": self.cashier.id,
            "to_invoice": False,
            "state": state,
            **vals,
        }

    def _sync(self, *orders, user=None):
        """Sync ``orders`` (dictionaries) as the till does; return the pos.order records."""
        PosOrder = self.env["pos.order"].with_user(user or self.cashier)
        PosOrder.sync_from_ui(copy.deepcopy(list(orders)))
        return self.env["pos.order"].search([("uuid", "in", [o["uuid"] for o in orders])], order="id")

    def _pos_order(self, partner, amount, product=None, payments=None, **kwargs):
        """A paid POS order of one line of ``amount``."""
        return self._sync(self._ui_order([(product or self.product, 1, amount)], partner, payments, **kwargs))

    def _refund_data(self, order, qty_by_line=None, payments=None, partner=None, session=None):
        """A refund of ``order`` (every line, or ``{line: qty}`` with positive quantities)."""
        qty_by_line = qty_by_line or {line: line.qty for line in order.lines}
        lines = [
            self._line(line.product_id, -qty, line.price_unit, refunded_orderline_id=line.id)
            for line, qty in qty_by_line.items()
        ]
        return self._ui_order(
            lines,
            partner=order.partner_id if partner is None else partner,
            payments=payments,
            session=session,
        )

    def _refund(self, order, qty_by_line=None, payments=None, **kwargs):
        return self._sync(self._refund_data(order, qty_by_line, payments, **kwargs))

    def _account(self, partner):
        return self.env["subsidy.account"].search(
            [("partner_id", "=", partner.commercial_partner_id.id), ("program_id", "=", self.program.id)]
        )

    def _close(self, session=None):
        session = session or self.pos_session
        cash = sum(
            session.order_ids.payment_ids.filtered(lambda p: p.payment_method_id == self.cash_pm).mapped(
                "amount"
            )
        )
        session.post_closing_cash_details(cash)
        result = session.close_session_from_ui()
        self.assertTrue(result.get("successful"), result)
        return session

    # ------------------------------------------------------------------
    # The books
    # ------------------------------------------------------------------

    def _gl_balance(self, account):
        self.env.flush_all()
        lines = self.env["account.move.line"].search(
            [("account_id", "=", account.id), ("parent_state", "=", "posted")]
        )
        return -sum(lines.mapped("balance"))

    def _unposted_spends(self):
        """Net spends of orders whose session is not closed yet: their closing
        entry has not debited the shoppers' payable yet."""
        lines = self.env["subsidy.account.line"].search(
            [
                ("kind", "in", ("spend", "spend_refund")),
                ("account_id.program_id", "=", self.program.id),
                ("pos_order_id.session_id.state", "!=", "closed"),
            ]
        )
        return sum(line.amount if line.kind == "spend" else -line.amount for line in lines)

    def assertBooks(self):
        """Conservation after every test: the pool ledger adds up and stands in the
        general ledger; balances (plus holds, plus spends not closed yet) are the
        shoppers' payable."""
        program = self.program
        self.assertConservation(program)
        program._lock()
        program._post_pending_pool_lines()
        currency = program.currency_id
        ledger = self._pool_balance()
        self.assertTrue(
            currency.is_zero(self._gl_balance(program.pool_account_id) - ledger),
            f"pool account {self._gl_balance(program.pool_account_id)} != pool ledger {ledger}",
        )
        accounts = self.env["subsidy.account"].search([("program_id", "=", program.id)])
        owed = sum(accounts.mapped("balance")) + sum(accounts.mapped("held"))
        payable = self._gl_balance(program.payable_account_id)
        # What closed sessions took off the payable is found by program, as all its money is.
        closing = self.env["account.move.line"].search(
            [
                ("account_id", "=", program.payable_account_id.id),
                ("move_id.origin_payment_id.pos_session_id", "!=", False),
            ]
        )
        self.assertEqual(closing.subsidy_program_id, program if closing else closing.subsidy_program_id)
        self.assertTrue(
            currency.is_zero(payable - owed - self._unposted_spends()),
            f"payable {payable} != balances {owed} + spends in open sessions {self._unposted_spends()}",
        )
