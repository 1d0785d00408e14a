from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..models.subsidy_program import WIND_DOWN_OPTIONS


class SubsidyProgramWindDown(models.TransientModel):
    """The wind-down dialog: what each option gives, before anybody confirms.

    A first manager chooses the option and asks; a second, different manager
    opens the same dialog, sees the figures as they are now and approves (or
    rejects). The program does the work (``subsidy.program._wind_down``).
    """

    _name = "subsidy.program.wind.down"
    _description = "Wind Down a Subsidy Program"

    program_id = fields.Many2one("subsidy.program", required=True, readonly=True, ondelete="cascade")
    currency_id = fields.Many2one(related="program_id.currency_id")
    option = fields.Selection(WIND_DOWN_OPTIONS, "Store Credit", default="full", required=True)
    reason = fields.Text()
    requested = fields.Boolean(compute="_compute_request")
    requested_by_id = fields.Many2one("res.users", "Asked by", compute="_compute_request")
    requested_option = fields.Selection(WIND_DOWN_OPTIONS, "Option Asked For", compute="_compute_request")
    requested_reason = fields.Char("Reason Given", compute="_compute_request")
    entry_count = fields.Integer("Queued Entries", compute="_compute_figures")
    shopper_count = fields.Integer("Shoppers", compute="_compute_figures")
    owed = fields.Monetary("Owed to the Queue", compute="_compute_figures")
    pool_balance = fields.Monetary("In the Pool", compute="_compute_figures")
    full_credit = fields.Monetary("Store Credit in All", compute="_compute_figures")
    full_expense = fields.Monetary("Operator's Expense", compute="_compute_figures")
    full_release = fields.Monetary("Back to the Operator", compute="_compute_figures")
    share_credit = fields.Monetary("Store Credit in All (shared)", compute="_compute_figures")
    share_percent = fields.Float("Share of What Is Owed (%)", digits=(5, 2), compute="_compute_figures")
    share_expense = fields.Monetary("Operator's Expense (shared)", compute="_compute_figures")
    share_release = fields.Monetary("Back to the Operator (shared)", compute="_compute_figures")

    # The request as it was when the dialog opened: the approval is of that one.
    seen_option = fields.Selection(WIND_DOWN_OPTIONS, readonly=True)
    seen_requested_by_id = fields.Many2one("res.users", readonly=True)

    @api.model_create_multi
    def create(self, vals_list):
        wizards = super().create(vals_list)
        wizards.program_id._require_manager()
        for wizard in wizards:
            program = wizard.program_id.sudo()
            wizard.write(
                {
                    "seen_option": program.wind_down_option,
                    "seen_requested_by_id": program.wind_down_requested_by_id.id,
                }
            )
        return wizards

    @api.depends("program_id")
    def _compute_request(self):
        for wizard in self:
            program = wizard.program_id.sudo()
            wizard.requested = bool(program.wind_down_requested_by_id)
            wizard.requested_by_id = program.wind_down_requested_by_id
            wizard.requested_option = program.wind_down_option
            wizard.requested_reason = program.wind_down_reason

    @api.depends("program_id")
    def _compute_figures(self):
        for wizard in self:
            figures = wizard.program_id.sudo()._wind_down_figures() if wizard.program_id.id else {}
            wizard.update(
                {
                    "entry_count": figures.get("entries", 0),
                    "shopper_count": figures.get("shoppers", 0),
                    "owed": figures.get("owed", 0.0),
                    "pool_balance": figures.get("pool", 0.0),
                    "full_credit": figures.get("full_credit", 0.0),
                    "full_expense": figures.get("full_expense", 0.0),
                    "full_release": figures.get("full_release", 0.0),
                    "share_credit": figures.get("share_credit", 0.0),
                    "share_percent": figures.get("share_percent", 0.0),
                    "share_expense": figures.get("share_expense", 0.0),
                    "share_release": figures.get("share_release", 0.0),
                }
            )

    def action_request(self):
        """Ask for the wind-down with the chosen option; a second manager approves."""
        self.ensure_one()
        self.program_id._require_manager()
        self.program_id._request_wind_down(self.option, self.reason)
        return {"type": "ir.actions.act_window_close"}

    def action_approve(self):
        """Approve the other manager's request: the program closes now."""
        self.ensure_one()
        self.program_id._require_manager()
        if not self.seen_requested_by_id:
            raise UserError(_("Nobody had asked for the wind-down when you opened this: open it again."))
        self.program_id.action_approve_wind_down(self.seen_option, self.seen_requested_by_id.id)
        return {"type": "ir.actions.act_window_close"}

    def action_reject(self):
        self.ensure_one()
        self.program_id._require_manager()
        self.program_id.action_reject_wind_down()
        return {"type": "ir.actions.act_window_close"}
