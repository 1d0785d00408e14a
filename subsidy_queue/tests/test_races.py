"""Two workers, the second on a stale snapshot.

Odoo runs transactions in REPEATABLE READ: everything a transaction reads
comes from the snapshot taken at its first query, and a row lock gives fresh
data for that row only. Each test here opens the second worker's transaction
and takes its snapshot, lets the first worker change the queue and commit,
and only then runs the second worker. The second must fail with a
serialization error (Odoo's request and cron retries run it again on a fresh
snapshot), never compute on what it saw before. After each race: the ledger's
lines add up to its running balance and to the program's tail, the chain
verifies, the pool account in the general ledger holds the same amount, and
the accounts' balances are what the payable account says.
"""

from psycopg2 import errors

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestStaleSnapshotRaces(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            program = self._create_program(
                env, name="Races", code="R", sequence=-200, withdraw_min_amount=1.0, withdraw_fee_fixed=0.0
            )
            self.assertTrue(program.journal_id and program.pool_account_id and program.payable_account_id)
            partners = env["res.partner"].create([{"name": f"Racer {letter}"} for letter in "ABCDE"])
            self.program_id, self.partner_ids = program.id, partners.ids
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            params = {"program": self.program_id, "partners": tuple(self.partner_ids)}
            cr.execute(
                """DELETE FROM account_move WHERE id IN (
                       SELECT move_id FROM account_move_line WHERE subsidy_program_id = %(program)s)""",
                params,
            )
            cr.execute(
                """DELETE FROM subsidy_account_line WHERE account_id IN (
                       SELECT id FROM subsidy_account WHERE program_id = %(program)s)""",
                params,
            )
            for table, column in (
                ("mail_activity", "res_model"),
                ("mail_message", "model"),
                ("mail_followers", "res_model"),
            ):
                cr.execute(
                    f"""DELETE FROM {table} WHERE {column} = 'subsidy.withdrawal'
                           AND res_id IN (SELECT id FROM subsidy_withdrawal
                                           WHERE program_id = %(program)s)""",
                    params,
                )
            cr.execute("DELETE FROM subsidy_withdrawal WHERE program_id = %(program)s", params)
            cr.execute("UPDATE subsidy_program SET pool_tail_line_id = NULL WHERE id = %(program)s", params)
            for table in ("subsidy_pool_line", "subsidy_settlement", "subsidy_entry", "subsidy_account"):
                cr.execute(f"DELETE FROM {table} WHERE program_id = %(program)s", params)
            cr.execute("DELETE FROM subsidy_queue_block WHERE program_id = %(program)s", params)
            cr.execute("DELETE FROM subsidy_program WHERE id = %(program)s", params)
            cr.execute("DELETE FROM res_partner WHERE id IN %(partners)s", params)

    # ------------------------------------------------------------------
    # Steps a worker takes
    # ------------------------------------------------------------------

    def _program(self, env):
        return env["subsidy.program"].browse(self.program_id)

    def _queue(self, env, amounts, first=0):
        """Paid orders (amounts in units) of the shoppers from the ``first``-th on."""
        program = self._program(env)
        program._lock()
        partners = env["res.partner"].browse(self.partner_ids[first:])
        for partner, amount in zip(partners, amounts, strict=False):
            env["subsidy.entry"]._enqueue(program, partner, amount, "sale", f"order of {partner.name}")
        env.flush_all()

    def _entry(self, env, index):
        return env["subsidy.entry"].search([("program_id", "=", self.program_id)], order="seq")[index]

    def _refund(self, env, index, units=None):
        """A credit note of ``units`` (all of it by default) on the ``index``-th order."""
        self._program(env)._lock()
        entry = self._entry(env, index)
        original = entry.program_id._units(entry.base_amount + entry.refunded_base)
        entry._sync_refund(original if units is None else units, reason="race refund")

    def _settle(self, env):
        return self._program(env)._settle(trigger="cron")

    def _post(self, env):
        """What the posting cron and the manager's button do."""
        program = self._program(env)
        program._lock()
        program._post_pending_pool_lines()

    def _withdraw(self, env, index, amount):
        entry = self._entry(env, index)
        withdrawal = env["subsidy.withdrawal"].create(
            {
                "account_id": entry.account_id.id,
                "amount": amount,
                "payout_method": "alipay",
                "wallet_account": "racer@example.com",
                "holder_name": entry.partner_id.name,
            }
        )
        withdrawal.action_submit()

    # ------------------------------------------------------------------
    # The race
    # ------------------------------------------------------------------

    def _race(self, first, second):
        """Run ``second`` on a snapshot taken before ``first`` committed.

        Returns ``"stale-refused"`` when the second worker failed with a
        serialization error and succeeded once retried on a fresh snapshot (as
        Odoo retries a request or a cron), ``"ok"`` when it went through.
        """
        # Each worker keeps its environment until it commits: a transaction
        # flushes the pending writes of the environments still alive.
        cr2 = self.registry.cursor()
        try:
            cr2.execute("SELECT queue_version FROM subsidy_program WHERE id = %s", [self.program_id])
            with self.registry.cursor() as cr1:
                env1 = self._env(cr1)
                first(env1)
                env1.flush_all()
            env2 = self._env(cr2)
            try:
                second(env2)
                env2.flush_all()
                cr2.commit()
                return "ok"
            except errors.SerializationFailure:
                cr2.rollback()
        finally:
            cr2.close()
        with self.registry.cursor() as cr3:
            env3 = self._env(cr3)
            second(env3)
            env3.flush_all()
        return "stale-refused"

    def assertBooksHold(self):
        """Ledger = running balance = program tail = pool account; balances = payable."""
        with self.registry.cursor() as cr:
            env = self._env(cr)
            program = self._program(env)
            self._post(env)
            env.flush_all()
            cr.execute(
                """SELECT COALESCE(SUM(amount), 0),
                          (SELECT balance FROM subsidy_pool_line WHERE program_id = %(p)s
                            ORDER BY id DESC LIMIT 1)
                     FROM subsidy_pool_line WHERE program_id = %(p)s""",
                {"p": self.program_id},
            )
            total, last_balance = cr.fetchone()
            cr.execute("SELECT pool_tail_balance FROM subsidy_program WHERE id = %s", [self.program_id])
            tail = cr.fetchone()[0]
            cr.execute(
                """SELECT COALESCE(SUM(credit - debit) FILTER (WHERE account_id = %(pool)s), 0),
                          COALESCE(SUM(credit - debit) FILTER (WHERE account_id = %(payable)s), 0)
                     FROM account_move_line
                    WHERE subsidy_program_id = %(p)s AND parent_state = 'posted'""",
                {
                    "p": self.program_id,
                    "pool": program.pool_account_id.id,
                    "payable": program.payable_account_id.id,
                },
            )
            gl_pool, gl_payable = cr.fetchone()
            cr.execute(
                """SELECT COALESCE(SUM(balance + held), 0), COALESCE(MIN(balance), 0)
                     FROM subsidy_account WHERE program_id = %s""",
                [self.program_id],
            )
            owed, lowest = cr.fetchone()
            cr.execute(
                """SELECT COUNT(*) FROM subsidy_entry
                    WHERE program_id = %s AND (received > target OR received < 0)""",
                [self.program_id],
            )
            overpaid = cr.fetchone()[0]
            broken = env["subsidy.pool.line"]._find_broken(program)
            cr.rollback()
        self.assertAlmostEqual(
            float(total), float(last_balance or 0), places=2, msg="lines != running balance"
        )
        self.assertAlmostEqual(float(total), float(tail or 0), places=2, msg="lines != program tail")
        self.assertAlmostEqual(float(total), float(gl_pool), places=2, msg="ledger != pool account")
        self.assertAlmostEqual(float(owed), float(gl_payable), places=2, msg="balances != payable account")
        self.assertGreaterEqual(float(lowest), 0.0)
        self.assertEqual(overpaid, 0)
        self.assertIsNone(broken, "the chain does not verify")
        return float(total)

    def _figures(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT name, received, target, state FROM subsidy_entry WHERE program_id = %s ORDER BY seq",
                [self.program_id],
            )
            return [(float(received), float(target), state) for _n, received, target, state in cr.fetchall()]

    # ------------------------------------------------------------------
    # The pairs
    # ------------------------------------------------------------------

    def test_settle_on_a_snapshot_older_than_a_refund(self):
        with self.registry.cursor() as cr:
            self._queue(self._env(cr), [10000, 30000, 5000, 20000])  # pool 130.00
        outcome = self._race(lambda env: self._refund(env, 3), self._settle)
        self.assertEqual(outcome, "stale-refused")
        # DESIGN.md, refund before payment: pool 90.00 pays A 50.00 and B 40.00.
        self.assertEqual(
            self._figures(),
            [(50.0, 50.0, "done"), (40.0, 150.0, "queued"), (0.0, 25.0, "queued"), (0.0, 0.0, "cancelled")],
        )
        self.assertEqual(self.assertBooksHold(), 0.0)

    def test_refund_on_a_snapshot_older_than_a_settlement(self):
        with self.registry.cursor() as cr:
            self._queue(self._env(cr), [10000, 30000, 5000, 20000])
        outcome = self._race(self._settle, lambda env: self._refund(env, 0))
        self.assertEqual(outcome, "stale-refused")
        # DESIGN.md, refund after payment: A's 20.00 reversed, its 50.00 back from its balance.
        figures = self._figures()
        self.assertEqual(figures[0], (0.0, 0.0, "cancelled"))
        self.assertEqual(self.assertBooksHold(), 30.0)

    def test_settle_on_a_snapshot_older_than_an_order(self):
        with self.registry.cursor() as cr:
            self._queue(self._env(cr), [10000])
        outcome = self._race(lambda env: self._queue(env, [30000], first=1), self._settle)
        self.assertEqual(outcome, "stale-refused")
        self.assertEqual(self._figures(), [(50.0, 50.0, "done"), (30.0, 150.0, "queued")])
        self.assertEqual(self.assertBooksHold(), 0.0)

    def test_refund_on_a_snapshot_older_than_an_order(self):
        with self.registry.cursor() as cr:
            self._queue(self._env(cr), [10000])
        outcome = self._race(
            lambda env: self._queue(env, [30000], first=1), lambda env: self._refund(env, 0, 5000)
        )
        self.assertEqual(outcome, "stale-refused")
        # 20.00 + 60.00 contributed, 10.00 of A's reversed.
        self.assertEqual(self.assertBooksHold(), 70.0)

    def test_two_refunds_each_on_a_stale_snapshot(self):
        with self.registry.cursor() as cr:
            self._queue(self._env(cr), [10000, 30000])
        outcome = self._race(lambda env: self._refund(env, 0), lambda env: self._refund(env, 1, 10000))
        self.assertEqual(outcome, "stale-refused")
        self.assertEqual(self._figures(), [(0.0, 0.0, "cancelled"), (0.0, 100.0, "queued")])
        self.assertEqual(self.assertBooksHold(), 40.0)

    def test_withdrawal_on_a_snapshot_older_than_a_clawback(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self._queue(env, [10000, 30000])
            self._settle(env)  # pool 80.00: A 50.00 (done), B 30.00
        # A's order is refunded (its 50.00 taken back from its balance) while A asks for 50.00.
        outcome = self._race(
            lambda env: self._refund(env, 0), lambda env: self._withdraw_or_refused(env, 0, 50.0)
        )
        self.assertEqual(outcome, "stale-refused")
        self.assertEqual(len(self.refused), 1)
        self.assertIn("does not cover", self.refused[0])
        self.assertBooksHold()

    def test_clawback_on_a_snapshot_older_than_a_withdrawal(self):
        with self.registry.cursor() as cr:
            env = self._env(cr)
            self._queue(env, [10000, 30000])
            self._settle(env)
        outcome = self._race(lambda env: self._withdraw(env, 0, 40.0), lambda env: self._refund(env, 0))
        self.assertEqual(outcome, "stale-refused")
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT balance, held FROM subsidy_account
                    WHERE id = (SELECT account_id FROM subsidy_entry
                                 WHERE program_id = %s ORDER BY seq LIMIT 1)""",
                [self.program_id],
            )
            # 40.00 on hold stays on hold; the clawback took the 10.00 left
            # and withholds the rest from the refund.
            self.assertEqual(tuple(map(float, cr.fetchone())), (0.0, 40.0))
        self.assertBooksHold()

    def test_posting_on_a_snapshot_older_than_a_settlement(self):
        with self.registry.cursor() as cr:
            self._queue(self._env(cr), [10000, 30000])
        outcome = self._race(self._settle, self._post)
        self.assertEqual(outcome, "stale-refused")
        # Posted once: the pool account holds what the ledger holds (0.00), not the contributions twice.
        self.assertEqual(self.assertBooksHold(), 0.0)

    def _withdraw_or_refused(self, env, index, amount):
        """A withdrawal that the fresh balance refuses: the refusal is the outcome."""
        self.refused = getattr(self, "refused", [])
        try:
            with env.cr.savepoint():
                self._withdraw(env, index, amount)
        except ValidationError as error:
            self.refused.append(error.args[0])
