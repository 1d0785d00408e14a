from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import SubsidyCommon


@tagged("post_install", "-at_install")
class TestLegitimacy(SubsidyCommon):
    def _program_vals(self, **vals):
        return {"name": "Bad", "company_id": self.company.id, "currency_id": self.cny.id, **vals}

    def test_contribution_must_come_out_of_the_margin(self):
        with self.assertRaisesRegex(ValidationError, "above the margin"):
            self.env["subsidy.program"].create(
                self._program_vals(contribution_rate=30.0, max_margin_rate=25.0)
            )
        with self.assertRaises(ValidationError), Form(self.program) as program:
            program.contribution_rate = 26.0
        self.assertEqual(self.program.contribution_rate, 20.0)

    def test_operator_sees_the_flat_sales_completion_ratio(self):
        self.assertEqual(self.program.completion_ratio, 40.0)  # 20 % in, 50 % back
        self.program.write({"subsidy_rate": 20.0})
        self.assertEqual(self.program.completion_ratio, 100.0)

    def test_absurd_rates_are_refused(self):
        for vals in (
            {"contribution_rate": -5.0},
            {"subsidy_rate": 0.0},
            {"subsidy_rate": 150.0},
            {"max_margin_rate": 120.0, "contribution_rate": 110.0},
            {"queue_mode": "rotation", "rotation_size": 0},
            {"trigger": "return_window", "return_window_days": 0},
            {"entry_expiry_days": -1},
            {"cap_amount": -10.0},
            {"min_order_amount": -1.0},
        ):
            with self.subTest(vals=vals), self.assertRaises(ValidationError):
                self.env["subsidy.program"].create(self._program_vals(**vals))

    def test_entries_cannot_be_edited_reordered_or_deleted(self):
        (a, b, _c, _d), _orders = self._worked_orders()
        for vals in ({"seq": 99}, {"target": 1000.0}, {"received": 50.0}, {"state": "done"}):
            with self.subTest(vals=vals), self.assertRaisesRegex(UserError, "never by hand"):
                b.with_user(self.manager).write(vals)
        with self.assertRaises(UserError):
            b.unlink()
        self.assertEqual((b.seq, b.target, b.received, b.state), (2, 150.0, 0.0, "queued"))

    def test_balances_and_ledger_cannot_be_edited(self):
        (a, _b, _c, _d), _orders = self._worked_orders()
        self.program._settle()
        with self.assertRaisesRegex(UserError, "never by hand"):
            a.account_id.write({"balance": 1000.0})
        line = a.pool_line_ids[:1]
        with self.assertRaisesRegex(UserError, "append-only"):
            line.write({"amount": 1.0})
        with self.assertRaisesRegex(UserError, "append-only"):
            line.unlink()
        with self.assertRaisesRegex(UserError, "never by hand"):
            self.env["subsidy.pool.line"].create({"program_id": self.program.id, "kind": "contribution"})

    def test_currency_and_mode_frozen_once_queued(self):
        self._paid_order(self.shoppers[0], 100.0)
        with self.assertRaisesRegex(UserError, "cannot change"):
            self.program.queue_mode = "rotation"
        with self.assertRaisesRegex(UserError, "cannot be deleted"):
            self.program.unlink()

    def test_void_needs_a_reason_and_a_second_manager(self):
        (_a, b, c, _d), _orders = self._worked_orders()
        self.program._settle()
        with self.assertRaisesRegex(UserError, "reason"):
            b.with_user(self.manager)._request_void("  ")
        wizard = Form(
            self.env["subsidy.entry.void"].with_user(self.manager).with_context(default_entry_id=c.id)
        )
        wizard.reason = "Fraudulent order"
        wizard.save().action_request()
        self.assertEqual(c.void_requested_by_id, self.manager)
        self.assertEqual(c.state, "queued")
        with self.assertRaisesRegex(UserError, "second manager"):
            c.with_user(self.manager).action_approve_void()
        with self.assertRaisesRegex(UserError, "manager"):
            c.with_user(self.subsidy_user).action_approve_void()
        c.with_user(self.manager_2).action_approve_void()
        self.assertEqual((c.state, c.void_approved_by_id), ("cancelled", self.manager_2))
        self.assertIn("Fraudulent", c.cancel_reason)
        # The contribution stays in the pool: the sale happened. D moves up.
        d = self.env["subsidy.entry"].search([("seq", "=", 4), ("program_id", "=", self.program.id)])
        self.assertEqual((d.position, d.amount_ahead), (2, 70.0))
        self.assertConservation()

    def test_void_of_a_paid_entry_is_refused(self):
        (a, _b, _c, _d), _orders = self._worked_orders()
        self.program._settle()
        with self.assertRaisesRegex(UserError, "already paid in full"):
            a.with_user(self.manager)._request_void("Too late")
        self.assertEqual(a.state, "done")

    def test_rejected_void_keeps_the_entry(self):
        (_a, b, _c, _d), _orders = self._worked_orders()
        b.with_user(self.manager)._request_void("Mistake")
        b.with_user(self.manager_2).action_reject_void()
        self.assertFalse(b.void_requested_by_id)
        self.assertEqual(b.state, "queued")

    def test_tampered_ledger_line_is_named(self):
        (a, b, _c, _d), _orders = self._worked_orders()
        self.program._settle()
        result = self.program.action_verify_ledger()
        self.assertEqual(result["params"]["type"], "success")
        victim = b.pool_line_ids.filtered(lambda line: line.kind == "contribution")
        self.env.cr.execute("UPDATE subsidy_pool_line SET amount = 600 WHERE id = %s", [victim.id])
        self.assertEqual(self.program._find_broken_line(), victim.id)
        with self.assertRaisesRegex(UserError, f"#{victim.id}"):
            self.program.action_verify_ledger()

    def test_deleted_ledger_line_breaks_the_chain(self):
        (a, b, _c, _d), _orders = self._worked_orders()
        lines = self.env["subsidy.pool.line"].search([("program_id", "=", self.program.id)], order="id")
        self.env.cr.execute("DELETE FROM subsidy_pool_line WHERE id = %s", [lines[1].id])
        self.assertEqual(self.program._find_broken_line(), lines[2].id)

    def test_expired_entries_leave_the_queue(self):
        self.program.entry_expiry_days = 30
        (a, b, c, d), _orders = self._worked_orders()
        self.env.cr.execute(
            "UPDATE subsidy_entry SET date_queued = now() - interval '31 days' WHERE id = %s", [a.id]
        )
        a.invalidate_recordset()
        self.env["subsidy.entry"]._cron_expire()
        self.assertEqual(a.state, "expired")
        self.assertEqual((b.position, b.amount_ahead), (1, 0.0))

    def test_users_only_read_and_companies_are_apart(self):
        self._worked_orders()
        entries = self.env["subsidy.entry"].with_user(self.subsidy_user).search([])
        self.assertEqual(len(entries), 4)
        with self.assertRaises(AccessError):
            self.program.with_user(self.subsidy_user).write({"name": "Mine"})
        other = self._create_subsidy_company("Elsewhere")
        other_program = (
            self.env["subsidy.program"]
            .sudo()
            .create({"name": "Elsewhere", "company_id": other.id, "currency_id": self.cny.id})
        )
        with self.assertRaises(AccessError):
            other_program.with_user(self.subsidy_user).read(["name"])
