from odoo import fields, models


class SubsidyWithdrawalReject(models.TransientModel):
    _name = "subsidy.withdrawal.reject"
    _description = "Reject Withdrawals"

    withdrawal_ids = fields.Many2many("subsidy.withdrawal", required=True)
    reason = fields.Char(required=True)

    def action_reject(self):
        self.withdrawal_ids._require_manager()
        self.withdrawal_ids.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}


class SubsidyWithdrawalFail(models.TransientModel):
    _name = "subsidy.withdrawal.fail"
    _description = "Mark a Payout as Failed"

    withdrawal_id = fields.Many2one("subsidy.withdrawal", required=True)
    reason = fields.Char(required=True)

    def action_fail(self):
        self.withdrawal_id._require_manager()
        self.withdrawal_id.sudo()._mark_failed(self.reason)
        return {"type": "ir.actions.act_window_close"}


class SubsidyPayoutBatchAdd(models.TransientModel):
    _name = "subsidy.payout.batch.add"
    _description = "Pay Withdrawals in a Batch"

    withdrawal_ids = fields.Many2many("subsidy.withdrawal", required=True)
    journal_id = fields.Many2one(
        "account.journal", "Bank Journal", required=True, domain="[('type', '=', 'bank')]"
    )

    def action_create_batch(self):
        self.withdrawal_ids._require_manager()
        company = self.withdrawal_ids.company_id[:1] or self.env.company
        batch = self.env["subsidy.payout.batch"].create(
            {"journal_id": self.journal_id.id, "company_id": company.id}
        )
        batch._add_withdrawals(self.withdrawal_ids)
        return {
            "type": "ir.actions.act_window",
            "res_model": "subsidy.payout.batch",
            "res_id": batch.id,
            "view_mode": "form",
        }
