import base64
import csv
import io
import re

from odoo import _, api, fields, models
from odoo.exceptions import UserError


def _spreadsheet_safe(value):
    """A cell a spreadsheet shows as text: no formula, no line break, no control character."""
    text = re.sub(r"[\x00-\x1f\x7f\u2028\u2029]", " ", value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


class SubsidyPayoutBatch(models.Model):
    """Approved withdrawals paid together: one payment each, one bank file."""

    _name = "subsidy.payout.batch"
    _description = "Subsidy Payout Batch"
    _inherit = ["mail.thread", "subsidy.protected.mixin"]
    _order = "id desc"
    _check_company_auto = True
    # Withdrawals join a batch only through ``_add_withdrawals`` (approved, in no batch yet).
    _protected_fields = ("name", "state", "withdrawal_ids", "bank_file", "bank_file_name")

    name = fields.Char(required=True, readonly=True, default="/", copy=False)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company)
    currency_id = fields.Many2one(related="company_id.currency_id")
    journal_id = fields.Many2one(
        "account.journal",
        "Bank Journal",
        required=True,
        check_company=True,
        domain="[('type', '=', 'bank')]",
    )
    withdrawal_ids = fields.One2many("subsidy.withdrawal", "batch_id", readonly=True)
    state = fields.Selection(
        [("draft", "Draft"), ("sent", "Payments Posted"), ("done", "Paid")],
        default="draft",
        required=True,
        readonly=True,
        tracking=True,
    )
    amount_total = fields.Monetary(compute="_compute_totals")
    count = fields.Integer(compute="_compute_totals")
    bank_file = fields.Binary(readonly=True, attachment=True, copy=False)
    bank_file_name = fields.Char(readonly=True, copy=False)

    @api.depends("withdrawal_ids.amount")
    def _compute_totals(self):
        for batch in self:
            batch.amount_total = sum(batch.withdrawal_ids.mapped("amount"))
            batch.count = len(batch.withdrawal_ids)

    @api.model_create_multi
    def create(self, vals_list):
        # A plain create (the caller's values are checked like any write), then the number:
        # nothing the caller sends ever runs with the workflow's rights.
        batches = super().create(vals_list)
        for batch in batches:
            batch._workflow().write(
                {"name": self.env["ir.sequence"].sudo().next_by_code("subsidy.payout.batch") or "/"}
            )
        return batches

    def write(self, vals):
        if {"journal_id", "company_id"} & vals.keys() and self.filtered(lambda b: b.state != "draft"):
            raise UserError(_("A batch whose payments are posted cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_drafts(self):
        if self.filtered(lambda b: b.state != "draft"):
            raise UserError(_("A batch whose payments are posted can never be deleted."))

    def _add_withdrawals(self, withdrawals):
        """Put approved withdrawals into this draft batch."""
        self.ensure_one()
        self._require_manager()
        self._lock_rows()
        withdrawals._lock_rows()
        if self.state != "draft":
            raise UserError(_("Batch %s is no longer a draft.", self.name))
        wrong = withdrawals.filtered(lambda w: w.state != "approved" or w.batch_id)
        if wrong:
            raise UserError(
                _(
                    "Only approved withdrawals that are in no batch yet can be paid: %s.",
                    ", ".join(f"{w.name} ({w.state})" for w in wrong),
                )
            )
        if withdrawals.company_id - self.company_id:
            raise UserError(_("All withdrawals of a batch must belong to its company."))
        withdrawals._workflow().write({"batch_id": self.id})
        return True

    def action_post_payments(self):
        """One posted payment per withdrawal, reconciled; then the bank file."""
        self._require_manager()
        for batch in self:
            batch._lock_rows(nowait=True)
            batch.withdrawal_ids._lock_rows(nowait=True)
            if batch.state != "draft":
                raise UserError(_("Batch %s was already sent.", batch.name))
            if not batch.withdrawal_ids:
                raise UserError(_("Batch %s holds no withdrawal.", batch.name))
            wrong = batch.withdrawal_ids.filtered(lambda w: w.state != "approved")
            if wrong:
                raise UserError(
                    _(
                        "The batch holds withdrawals that are not approved: %s. Remove them first.",
                        ", ".join(f"{w.name} ({w.state})" for w in wrong),
                    )
                )
            for withdrawal in batch.withdrawal_ids:
                withdrawal.sudo()._create_payment(batch.journal_id)
            batch._export_bank_file()
            batch._workflow().write({"state": "sent"})
        return True

    def _bank_file_rows(self):
        """Rows of a Chinese bank's batch transfer template."""
        header = ["收款人名称", "收款账号", "收款银行", "金额", "用途"]
        rows = [header]
        for withdrawal in self.withdrawal_ids.sorted("id"):
            # The destination checked on submission, not what the bank account record says now.
            payee, number, bank_name = (
                withdrawal.payout_holder,
                withdrawal.payout_number,
                withdrawal.payout_bank,
            )
            rows.append(
                [
                    _spreadsheet_safe(payee),
                    _spreadsheet_safe(number),
                    _spreadsheet_safe(bank_name),
                    f"{withdrawal.amount:.2f}",
                    _spreadsheet_safe(_("Subsidy withdrawal %s", withdrawal.name)),
                ]
            )
        return rows

    def _export_bank_file(self):
        self.ensure_one()
        buffer = io.StringIO()
        csv.writer(buffer).writerows(self._bank_file_rows())
        self._workflow().write(
            {
                "bank_file": base64.b64encode(buffer.getvalue().encode("utf-8-sig")),
                "bank_file_name": f"{self.name.replace('/', '_')}.csv",
            }
        )

    def action_mark_paid(self):
        """The bank confirmed the transfers: the withdrawals are paid."""
        self._require_manager()
        for batch in self:
            batch._lock_rows(nowait=True)
            if batch.state != "sent":
                raise UserError(_("Post the payments of batch %s first.", batch.name))
            batch.withdrawal_ids.filtered(lambda w: w.state == "approved").sudo()._mark_paid()
            batch._workflow().write({"state": "done"})
        return True
