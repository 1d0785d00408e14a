from odoo import api, fields, models


class SubsidyWithdrawalWizard(models.AbstractModel):
    """A wizard on withdrawals: only a manager who may read them opens one."""

    _name = "subsidy.withdrawal.wizard"
    _description = "Subsidy Withdrawal Wizard"

    def _wizard_withdrawals(self):
        return self.env["subsidy.withdrawal"]

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        for wizard in wizards:
            wizard._wizard_withdrawals()._require_manager()
        return wizards


class SubsidyWithdrawalReject(models.TransientModel):
    _name = "subsidy.withdrawal.reject"
    _inherit = ["subsidy.withdrawal.wizard"]
    _description = "Reject Withdrawals"

    withdrawal_ids = fields.Many2many("subsidy.withdrawal", required=True)
    reason = fields.Char(required=True)

    def _wizard_withdrawals(self):
        return self.withdrawal_ids

    def action_reject(self):
        self.withdrawal_ids._require_manager()
        self.withdrawal_ids.action_reject(self.reason)
        return {"type": "ir.actions.act_window_close"}


class SubsidyWithdrawalFail(models.TransientModel):
    _name = "subsidy.withdrawal.fail"
    _inherit = ["subsidy.withdrawal.wizard"]
    _description = "Mark a Payout as Failed"

    withdrawal_id = fields.Many2one("subsidy.withdrawal", required=True)
    reason = fields.Char(required=True)

    def _wizard_withdrawals(self):
        return self.withdrawal_id

    def action_fail(self):
        self.withdrawal_id._require_manager()
        self.withdrawal_id.sudo()._mark_failed(self.reason)
        return {"type": "ir.actions.act_window_close"}


class SubsidyPayoutBatchAdd(models.TransientModel):
    _name = "subsidy.payout.batch.add"
    _inherit = ["subsidy.withdrawal.wizard"]
    _description = "Pay Withdrawals in a Batch"

    withdrawal_ids = fields.Many2many("subsidy.withdrawal", required=True)
    journal_id = fields.Many2one(
        "account.journal", "Bank Journal", required=True, domain="[('type', '=', 'bank')]"
    )

    def _wizard_withdrawals(self):
        return self.withdrawal_ids

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
