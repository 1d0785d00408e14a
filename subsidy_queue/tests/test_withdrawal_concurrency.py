"""Withdrawals against real concurrency: two cursors, committed data, cleaned up."""

import threading

from psycopg2 import errors

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from ..models.subsidy_protected_mixin import BusyError
from .common import CommittedCase


@tagged("post_install", "-at_install")
class TestWithdrawalConcurrency(CommittedCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = self._env(cr)
            program = self._create_program(
                env,
                name="Withdrawal race",
                code="W",
                contribution_rate=25.0,
                subsidy_rate=25.0,
                withdraw_fee_fixed=0.0,
                withdraw_fee_percent=0.0,
                withdraw_min_amount=1.0,
                sequence=-100,
                channel_sale=False,
                channel_website=False,
            )
            program.write({"journal_id": False})  # nothing to clean in the books
            partner = env["res.partner"].create({"name": "Racing Shopper"})
            bank = env["res.partner.bank"].create({"acc_number": "6222 0000 9999", "partner_id": partner.id})
            program._lock()
            env["subsidy.entry"]._enqueue(program, partner, 40000, "sale", "race")  # 100.00 to receive
            program._settle()
            self.program_id, self.partner_id, self.bank_id = program.id, partner.id, bank.id
            self.account_id = env["subsidy.account"].search([("program_id", "=", program.id)]).id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            params = {"program": self.program_id, "partner": self.partner_id}
            cr.execute(
                "DELETE FROM subsidy_account_line WHERE account_id IN "
                "(SELECT id FROM subsidy_account WHERE program_id = %(program)s)",
                params,
            )
            cr.execute(
                "DELETE FROM mail_message WHERE model = 'subsidy.withdrawal' AND res_id IN "
                "(SELECT id FROM subsidy_withdrawal WHERE program_id = %(program)s)",
                params,
            )
            cr.execute(
                "DELETE FROM mail_activity WHERE res_model = 'subsidy.withdrawal' AND res_id IN "
                "(SELECT id FROM subsidy_withdrawal WHERE program_id = %(program)s)",
                params,
            )
            cr.execute("DELETE FROM subsidy_withdrawal WHERE program_id = %(program)s", params)
            cr.execute("DELETE FROM subsidy_pool_line WHERE program_id = %(program)s", params)
            cr.execute("DELETE FROM subsidy_settlement WHERE program_id = %(program)s", params)
            cr.execute("DELETE FROM subsidy_entry WHERE program_id = %(program)s", params)
            cr.execute("DELETE FROM subsidy_account WHERE program_id = %(program)s", params)
            cr.execute("DELETE FROM subsidy_program WHERE id = %(program)s", params)
            cr.execute("DELETE FROM res_partner_bank WHERE partner_id = %(partner)s", params)
            cr.execute("DELETE FROM res_partner WHERE id = %(partner)s", params)

    def _request(self, env, amount):
        return env["subsidy.withdrawal"].create(
            {"account_id": self.account_id, "amount": amount, "bank_account_id": self.bank_id}
        )

    def _account(self):
        with self.registry.cursor() as cr:
            cr.execute("SELECT balance, held FROM subsidy_account WHERE id = %s", [self.account_id])
            return tuple(float(x) for x in cr.fetchone())

    def test_two_withdrawals_at_once_only_one_is_accepted(self):
        cr1, cr2 = self.registry.cursor(), self.registry.cursor()
        try:
            first = self._request(self._env(cr1), 80.0)
            second = self._request(self._env(cr2), 80.0)
            cr2.commit()  # the second request exists as a draft
            first.action_submit()  # holds the account row until cr1 commits
            with self.assertRaisesRegex(BusyError, "being processed"):
                second.action_submit()
            cr2.rollback()
            cr1.commit()
            with self.assertRaisesRegex(ValidationError, "does not cover"):
                second.action_submit()
            cr2.rollback()
        finally:
            cr1.close()
            cr2.close()
        self.assertEqual(self._account(), (20.0, 80.0))

    def test_settlement_while_a_withdrawal_is_submitted(self):
        # More money for the queue: a new entry, and the funds to pay it.
        with self.registry.cursor() as cr:
            env = self._env(cr)
            program = env["subsidy.program"].browse(self.program_id)
            program._lock()
            env["subsidy.entry"]._enqueue(
                program, env["res.partner"].browse(self.partner_id), 20000, "sale", "more"
            )
        cr1 = self.registry.cursor()
        outcome = {}

        def settle():
            for attempt in range(3):  # as Odoo's cron or HTTP worker retries a serialization failure
                with self.registry.cursor() as cr2:
                    try:
                        outcome["settlement"] = (
                            self._env(cr2)["subsidy.program"].browse(self.program_id)._settle()
                        )
                        cr2.commit()
                        outcome["attempts"] = attempt + 1
                        return
                    except errors.SerializationFailure:
                        cr2.rollback()

        try:
            withdrawal = self._request(self._env(cr1), 90.0)
            withdrawal.action_submit()
            worker = threading.Thread(target=settle)
            worker.start()
            worker.join(1.0)  # the settlement waits for the account row
            cr1.commit()
        finally:
            cr1.close()
        worker.join(30)
        self.assertFalse(worker.is_alive())
        self.assertIn("attempts", outcome)
        # 100.00 received - 90.00 held + 50.00 from the second run = 60.00 available.
        self.assertEqual(self._account(), (60.0, 90.0))
