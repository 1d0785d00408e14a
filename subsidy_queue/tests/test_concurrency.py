"""Two workers at the same moment, with two real database cursors.

The data these tests need is committed (another cursor cannot see an
uncommitted test transaction), and removed again in the cleanup.
"""

import threading

from psycopg2 import errors

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            # Orders of the main company queue here (sequence).
            program = self._create_program(env, name="Concurrency", code="C", sequence=-100)
            # No accounting for these tests: nothing to clean in the books.
            program.write({"journal_id": False})
            partners = env["res.partner"].create([{"name": f"Racer {i}"} for i in range(3)])
            product = env["product.product"].create({"name": "Racing kettle", "type": "service"})
            self.program_id, self.partner_ids, self.product_id = program.id, partners.ids, product.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            params = {"program": self.program_id, "partners": tuple(self.partner_ids)}
            cr.execute("DELETE FROM subsidy_pool_line WHERE program_id = %(program)s", params)
            cr.execute("DELETE FROM subsidy_settlement WHERE program_id = %(program)s", params)
            cr.execute("DELETE FROM subsidy_entry WHERE program_id = %(program)s", params)
            cr.execute("DELETE FROM subsidy_account WHERE program_id = %(program)s", params)
            cr.execute("DELETE FROM sale_order WHERE partner_id IN %(partners)s", params)
            cr.execute("DELETE FROM subsidy_program WHERE id = %(program)s", params)
            cr.execute("DELETE FROM res_partner WHERE id IN %(partners)s", params)
            cr.execute("DELETE FROM product_product WHERE id = %s", [self.product_id])

    def _queue(self, amounts):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            program = env["subsidy.program"].browse(self.program_id)
            program._lock()
            for partner_id, amount in zip(self.partner_ids, amounts):
                env["subsidy.entry"]._enqueue(
                    program, env["res.partner"].browse(partner_id), amount, "sale", "test"
                )

    def _figures(self):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT COALESCE(SUM(received), 0), COUNT(*) FILTER (WHERE state = 'done')
                     FROM subsidy_entry WHERE program_id = %s""",
                [self.program_id],
            )
            received, done = cr.fetchone()
            cr.execute(
                "SELECT COUNT(*), COALESCE(-SUM(amount), 0) FROM subsidy_pool_line "
                "WHERE program_id = %s AND kind = 'allocation'",
                [self.program_id],
            )
            return received, done, *cr.fetchone()

    def test_two_settlements_at_once_pay_once(self):
        self._queue([10000, 30000, 5000])  # units: 100.00, 300.00, 50.00 -> pool 90.00
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            program1 = self._env(cr1)["subsidy.program"].browse(self.program_id)
            program2 = self._env(cr2)["subsidy.program"].browse(self.program_id)
            settlement = program1._settle(trigger="manual", raise_if_nothing=True)
            self.assertTrue(settlement)
            # The second worker meets the lock: a clear error by hand, a skip by cron.
            with self.assertRaisesRegex(UserError, "being processed"):
                program2._settle(trigger="manual", raise_if_nothing=True)
            cr2.rollback()
            self.assertFalse(program2._settle(trigger="cron"))
            cr2.rollback()
            cr1.commit()
            # Once the first run is committed, the second finds no new funds.
            with self.assertRaisesRegex(UserError, "no funds"):
                program2._settle(trigger="manual", raise_if_nothing=True)
            cr2.rollback()
        finally:
            cr1.close()
            cr2.close()
        received, done, allocations, allocated = self._figures()
        self.assertEqual((float(received), done, allocations, float(allocated)), (90.0, 1, 2, 90.0))

    def test_one_order_queued_by_two_workers_at_once(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            order = env["sale.order"].create(
                {
                    "partner_id": self.partner_ids[0],
                    "order_line": [Command.create({"product_id": self.product_id, "price_unit": 100.0})],
                }
            )
            order_id = order.id
        cr1 = self.registry.cursor()
        outcome = {}

        def second_worker():
            with self.registry.cursor() as cr2:
                try:
                    self._env(cr2)["sale.order"].browse(order_id)._subsidy_enqueue()
                    cr2.commit()
                    outcome["second"] = "done"
                except errors.SerializationFailure:
                    outcome["second"] = "retry"

        try:
            self._env(cr1)["sale.order"].browse(order_id)._subsidy_enqueue()
            worker = threading.Thread(target=second_worker)
            worker.start()
            worker.join(1.0)  # the second worker now waits on the program's lock
            cr1.commit()
        finally:
            cr1.close()
        worker.join(30)
        self.assertFalse(worker.is_alive())
        self.assertIn(outcome.get("second"), ("done", "retry"))
        with self.registry.cursor() as cr:
            cr.execute("SELECT COUNT(*) FROM subsidy_entry WHERE sale_order_id = %s", [order_id])
            self.assertEqual(cr.fetchone()[0], 1)
            cr.execute(
                "SELECT COUNT(*) FROM subsidy_pool_line WHERE sale_order_id = %s AND kind = 'contribution'",
                [order_id],
            )
            self.assertEqual(cr.fetchone()[0], 1)

    def test_unique_constraint_is_the_last_guard(self):
        """Even past the program lock, the database refuses a second entry."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            order = env["sale.order"].create(
                {
                    "partner_id": self.partner_ids[0],
                    "order_line": [Command.create({"product_id": self.product_id, "price_unit": 100.0})],
                }
            )
            order._subsidy_enqueue()
            order_id = order.id
        with self.registry.cursor() as cr:
            env = self._env(cr)
            program = env["subsidy.program"].browse(self.program_id)
            with self.assertRaises(errors.UniqueViolation):
                env["subsidy.entry"]._enqueue(
                    program,
                    env["res.partner"].browse(self.partner_ids[0]),
                    10000,
                    "sale",
                    "again",
                    {"sale_order_id": order_id},
                )
            cr.rollback()
