from odoo import Command

from .common import SubsidyCommon


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
