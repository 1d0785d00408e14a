"""The till against real concurrency: two cursors, committed data, cleaned up.

Each worker runs as Odoo's HTTP workers do: REPEATABLE READ, and a
serialization failure retries the whole request on a fresh snapshot.
"""

import copy
import threading
from random import randint

from psycopg2 import IntegrityError, errors

from odoo import Command, fields
from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.subsidy_queue.tests.common import CommittedCase


@tagged("post_install", "-at_install")
class TestPosConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        self.ids = {}
        with self.registry.cursor() as cr:
            env = self._env(cr)
            company = env.ref("base.main_company")
            program = self._create_program(
                env,
                name="Till race",
                code="T",
                contribution_rate=25.0,
                subsidy_rate=25.0,
                max_margin_rate=30.0,
                sequence=-100,
                channel_sale=False,
                channel_website=False,
            )
            program.write({"journal_id": False})  # nothing to clean in the books
            partner = env["res.partner"].create({"name": "Racing Shopper"})
            product = env["product.product"].create(
                {
                    "name": "Race kettle",
                    "type": "service",
                    "list_price": 100.0,
                    "available_in_pos": True,
                    "taxes_id": [Command.clear()],
                }  # fmt: skip
            )
            program._lock()
            env["subsidy.entry"]._enqueue(
                program, partner, 40000, "sale", "race funding"
            )  # 100.00 to receive
            program._settle()
            subsidy_pm = program._subsidy_pos_payment_method()
            cash_journal = env["account.journal"].create(
                {"name": "Race cash", "code": "RCSH", "type": "cash", "company_id": company.id}
            )
            cash_pm = env["pos.payment.method"].create(
                {"name": "Race cash", "journal_id": cash_journal.id, "company_id": company.id}
            )
            cash_journal_2 = env["account.journal"].create(
                {"name": "Race cash 2", "code": "RCS2", "type": "cash", "company_id": company.id}
            )
            cash_pm_2 = env["pos.payment.method"].create(
                {"name": "Race cash 2", "journal_id": cash_journal_2.id, "company_id": company.id}
            )
            configs = env["pos.config"].create(
                [
                    {"name": "Race till 1", "payment_method_ids": [Command.set((cash_pm | subsidy_pm).ids)]},
                    {
                        "name": "Race till 2",
                        "payment_method_ids": [Command.set((cash_pm_2 | subsidy_pm).ids)],
                    },
                ]
            )
            sessions = env["pos.session"]
            for config in configs:
                config.open_ui()
                config.current_session_id.set_opening_control(0, None)
                sessions |= config.current_session_id
            account = env["subsidy.account"].search([("program_id", "=", program.id)])
            self.assertEqual(account.balance, 100.0)
            self.ids = {
                "program": program.id,
                "partner": partner.id,
                "product": product.id,
                "account": account.id,
                "subsidy_pm": subsidy_pm.id,
                "cash_pms": (cash_pm | cash_pm_2).ids,
                "methods": (cash_pm | cash_pm_2 | subsidy_pm).ids,
                "journals": (cash_journal | cash_journal_2 | subsidy_pm.journal_id).ids,
                "configs": configs.ids,
                "sessions": sessions.ids,
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        ids = self.ids
        if not ids:
            return
        with self.registry.cursor() as cr:
            params = {
                "program": ids["program"],
                "partner": ids["partner"],
                "product": ids["product"],
                "sessions": tuple(ids["sessions"]),
                "configs": tuple(ids["configs"]),
                "methods": tuple(ids["methods"]),
                "journals": tuple(ids["journals"]),
            }
            for query in (
                "DELETE FROM subsidy_account_line WHERE account_id IN "
                "(SELECT id FROM subsidy_account WHERE program_id = %(program)s)",
                "DELETE FROM subsidy_pool_line WHERE program_id = %(program)s",
                "DELETE FROM subsidy_settlement WHERE program_id = %(program)s",
                "DELETE FROM subsidy_entry WHERE program_id = %(program)s",
                "DELETE FROM subsidy_account WHERE program_id = %(program)s",
                "DELETE FROM subsidy_program WHERE id = %(program)s",
                "DELETE FROM pos_order WHERE session_id IN %(sessions)s",
                "DELETE FROM pos_session WHERE id IN %(sessions)s",
                "DELETE FROM pos_config WHERE id IN %(configs)s",
                "DELETE FROM pos_payment_method WHERE id IN %(methods)s",
                "DELETE FROM account_journal WHERE id IN %(journals)s",
                "DELETE FROM product_product WHERE id = %(product)s",
                "DELETE FROM res_partner WHERE id = %(partner)s",
            ):
                cr.execute(query, params)

    # ------------------------------------------------------------------

    def _order_data(self, session_index, amount, balance_paid=0.0, uuid=None):
        uuid = uuid or "%05d-%03d-%04d" % (randint(1, 99999), randint(1, 999), randint(1, 9999))
        payments = []
        if balance_paid:
            payments.append((self.ids["subsidy_pm"], balance_paid))
        if amount - balance_paid:
            payments.append((self.ids["cash_pms"][session_index], amount - balance_paid))
        return {
            "amount_paid": amount,
            "amount_return": 0,
            "amount_tax": 0,
            "amount_total": amount,
            "date_order": fields.Datetime.to_string(fields.Datetime.now()),
            "fiscal_position_id": False,
            "pricelist_id": False,
            "name": f"Order {uuid}",
            "last_order_preparation_change": "{}",
            "lines": [
                Command.create(
                    {
                        "id": randint(1, 1000000),
                        "product_id": self.ids["product"],
                        "qty": 1,
                        "price_unit": amount,
                        "price_subtotal": amount,
                        "price_subtotal_incl": amount,
                        "discount": 0.0,
                        "tax_ids": [Command.set([])],
                        "pack_lot_ids": [],
                    }
                )
            ],
            "partner_id": self.ids["partner"],
            "session_id": self.ids["sessions"][session_index],
            "sequence_number": 2,
            "payment_ids": [
                Command.create({"amount": value, "name": fields.Datetime.now(), "payment_method_id": method})
                for method, value in payments
            ],
            "uuid": uuid,
            "access_token": False,
            "user_id": False,
            "to_invoice": False,
            "state": "paid",
        }

    def _sync(self, cr, data):
        return self._env(cr)["pos.order"].sync_from_ui([copy.deepcopy(data)])

    def _worker(self, data, outcome, tries=4):
        """Sync ``data`` in its own cursor as an Odoo worker does, retrying serialization failures."""
        for attempt in range(tries):
            with self.registry.cursor() as cr:
                try:
                    self._sync(cr, data)
                    # A worker's request ends in a commit: other cursors must see it.
                    cr.commit()  # pylint: disable=invalid-commit
                    outcome["result"] = "synced"
                    outcome["attempts"] = attempt + 1
                    return
                except errors.SerializationFailure:
                    cr.rollback()
                    outcome["retried"] = outcome.get("retried", 0) + 1
                except UserError as error:
                    cr.rollback()
                    outcome["result"] = "refused"
                    outcome["message"] = str(error)
                    return
                except IntegrityError as error:
                    cr.rollback()
                    outcome["result"] = "duplicate"
                    outcome["message"] = str(error)
                    return

    def _state(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            program = env["subsidy.program"].browse(self.ids["program"])
            account = env["subsidy.account"].browse(self.ids["account"])
            orders = env["pos.order"].search([("session_id", "in", self.ids["sessions"])])
            entries = env["subsidy.entry"].search([("pos_order_id", "in", orders.ids)])
            lines = env["subsidy.pool.line"].search([("program_id", "=", program.id)])
            contributions = lines.filtered(
                lambda line: line.kind == "contribution" and line.entry_id in entries
            )
            spends = env["subsidy.account.line"].search(
                [("account_id", "=", account.id), ("kind", "=", "spend")]
            )
            # Conservation: the ledger adds up to the tail the program keeps; the balance
            # is what was received less what the tills spent.
            self.assertTrue(program.currency_id.is_zero(sum(lines.mapped("amount")) - program.pool_balance))
            self.assertTrue(
                program.currency_id.is_zero(
                    account.total_received - sum(spends.mapped("amount")) - account.balance
                )
            )
            self.assertIsNone(program._find_broken_line())
            return {
                "orders": len(orders),
                "entries": len(entries),
                "contributions": len(contributions),
                "balance": account.balance,
                "spent": sum(spends.mapped("amount")),
            }

    # ------------------------------------------------------------------

    def test_same_order_synced_at_once_from_two_sessions(self):
        data = self._order_data(0, 100.0)
        twin = self._order_data(1, 100.0, uuid=data["uuid"])
        outcome = {}
        # The twin's INSERT fails on the uuid's unique index, as it must: not an error to log.
        with mute_logger("odoo.sql_db"):
            cr1 = self.registry.cursor()
            try:
                self._sync(cr1, data)  # holds the order's uuid until cr1 commits
                worker = threading.Thread(target=self._worker, args=(twin, outcome))
                worker.start()
                worker.join(1.0)  # the twin waits on the uuid
                self.assertTrue(worker.is_alive())
                cr1.commit()
            finally:
                cr1.close()
            worker.join(30)
        self.assertFalse(worker.is_alive())
        self.assertEqual(outcome["result"], "duplicate")
        # The till sends it again later: the order exists and is left alone.
        second = {}
        self._worker(copy.deepcopy(twin), second)
        self.assertEqual(second["result"], "synced")
        state = self._state()
        self.assertEqual((state["orders"], state["entries"], state["contributions"]), (1, 1, 1))

    def test_two_tills_spend_one_balance_at_once(self):
        first = self._order_data(0, 80.0, balance_paid=80.0)
        second = self._order_data(1, 80.0, balance_paid=80.0)
        outcome = {}
        cr1 = self.registry.cursor()
        try:
            self._sync(cr1, first)  # the account row is locked until cr1 commits
            worker = threading.Thread(target=self._worker, args=(second, outcome))
            worker.start()
            worker.join(1.0)
            self.assertTrue(worker.is_alive())  # the second till waits
            cr1.commit()
        finally:
            cr1.close()
        worker.join(30)
        self.assertFalse(worker.is_alive())
        self.assertEqual(outcome["result"], "refused")
        self.assertIn("cannot pay", outcome["message"])
        state = self._state()
        self.assertEqual(
            (state["balance"], state["spent"], state["orders"], state["entries"]), (20.0, 80.0, 1, 1)
        )

    def test_two_tills_that_fit_in_the_balance_both_pay(self):
        first = self._order_data(0, 60.0, balance_paid=60.0)
        second = self._order_data(1, 50.0, balance_paid=40.0)
        outcome = {}
        cr1 = self.registry.cursor()
        try:
            self._sync(cr1, first)
            worker = threading.Thread(target=self._worker, args=(second, outcome))
            worker.start()
            worker.join(1.0)
            cr1.commit()
        finally:
            cr1.close()
        worker.join(30)
        self.assertEqual(outcome["result"], "synced")
        state = self._state()
        self.assertEqual(
            (state["balance"], state["spent"], state["orders"], state["entries"]), (0.0, 100.0, 2, 2)
        )

    def test_stale_snapshot_never_spends(self):
        """A worker whose snapshot predates another till's spend fails on the lock and is retried."""
        cr2 = self.registry.cursor()
        try:
            env2 = self._env(cr2)
            # The second worker's transaction sees 100.00 on the balance...
            self.assertEqual(env2["subsidy.account"].browse(self.ids["account"]).balance, 100.0)
            # ... while the first till spends 70.00 and commits.
            done = {}
            self._worker(self._order_data(0, 70.0, balance_paid=70.0), done)
            self.assertEqual(done["result"], "synced")
            with self.assertRaises(errors.SerializationFailure):
                self._sync(cr2, self._order_data(1, 70.0, balance_paid=70.0))
            cr2.rollback()
        finally:
            cr2.close()
        retried = {}
        self._worker(self._order_data(1, 70.0, balance_paid=70.0), retried)
        self.assertEqual(retried["result"], "refused")
        state = self._state()
        self.assertEqual((state["balance"], state["spent"]), (30.0, 70.0))
